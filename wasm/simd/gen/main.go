// Command gen assembles hearth-kernels.wasm, the WebAssembly SIMD (simd128) kernel module
// the browser build of the engine calls through //go:wasmimport (package hearth/wasm/simd).
// Every function is described in Go in this directory, one file per weight type, and
// encoded by the small binary encoder in module.go / asm.go: no external tools.
//
//	go run ./wasm/simd/gen -o DIR
//
// writes DIR/hearth-kernels.wasm (imports a plain memory, env.memory) and
// DIR/hearth-kernels-shared.wasm (imports a shared memory with maximum 65536 pages, for a
// Go memory rewritten to shared for threads: the import must match or instantiation fails
// with a LinkError).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Kernels lists the exported functions: the matvec_* kernels with the signature
// (w, row_bytes, a, n, y, row_lo, row_hi i32) described at rowsKernel, their several-token
// forms matmul_* (matmul.go; matmul32.go for Q8_0, Q4_0, Q5_0 and their unit layouts (x2.go, q5_0x2.go), matmulk.go for Q4_K, Q5_K
// and Q6_K), weighted_rows_f32 (weighted.go), dot_rows_f16 and weighted_rows_f16
// (attn_f16.go), attn_heads_f16 (attn_heads.go), attn_widen_f16 and attn_tile_f32 (attn_tile.go), quantize_prep_q8_0
// (quantize.go), quantize_q8_k (quantize_k.go), swiglu, f32_to_f16 (convert.go), rmsnorm
// (norm.go), rope_f32 (rope.go), add_f32 and scale_f32 (scale.go), and, not exported, attn_heads_f16's grouped forms of the
// two attention products. Function i has index i: matmul_* call matvec_* by index.
func Kernels(relaxed bool) []*Func {
	matvecs := []*Func{
		matvecQ8_0(relaxed),
		matvecQ4_0(relaxed),
		matvecQ5_0(relaxed),
		matvecQ4_K(relaxed),
		matvecQ5_K(relaxed),
		matvecQ6_K(relaxed),
		matvecF32(),
		matvecF16(),
		matvecQ5_0x2(relaxed),
		matvecQ8_0x2(relaxed),
		matvecQ4_0x2(relaxed),
	}
	// the several-token kernels of their own (the others loop their matvec_*)
	own := map[string]func(relaxed bool) *Func{
		"matmul_q8_0": matmulQ8_0, "matmul_q4_0": matmulQ4_0, "matmul_q5_0": matmulQ5_0,
		"matmul_q5_0x2": matmulQ5_0x2, "matmul_q8_0x2": matmulQ8_0x2, "matmul_q4_0x2": matmulQ4_0x2,
		"matmul_q4_k": matmulQ4_K, "matmul_q5_k": matmulQ5_K, "matmul_q6_k": matmulQ6_K,
	}
	fs := append([]*Func{}, matvecs...)
	for i, mv := range matvecs {
		name := strings.Replace(mv.Name, "matvec_", "matmul_", 1)
		if mm := own[name]; mm != nil {
			fs = append(fs, mm(relaxed))
		} else {
			fs = append(fs, matmulKernel(name, i))
		}
	}
	fs = append(fs, dotRowsF16(), weightedRowsF16()) // attn_f16.go: the F16 KV cache
	attn := len(fs)
	fs = append(fs, nil) // attn_heads_f16, once the functions it calls have indices
	fs = append(fs, weightedRowsF32(), swiGLU(), f32ToF16(), rmsNorm(), quantizePrepQ8_0(), quantizeQ8_K(), ropeF32(), addF32(), scaleF32())
	// attn_heads_f16's own forms of the two products, for groups of heads (not exported)
	// (relaxed: all of them, one head too, multiply and add fused: attn_f16.go's mulAdd)
	dot, weighted := [maxAttnHeads]int{attn - 2}, [maxAttnHeads]int{}
	for k := 1; k <= maxAttnHeads; k++ {
		if k > 1 || relaxed {
			dot[k-1] = len(fs)
			fs = append(fs, dotRowsF16Heads(fmt.Sprintf("dot_rows_f16x%d", k), false, k, relaxed))
		}
		weighted[k-1] = len(fs)
		fs = append(fs, weightedRowsF16Attn(fmt.Sprintf("weighted_rows_f16x%d_attn", k), k, relaxed))
	}
	// and the rows-in-lanes forms of the scores (dot_lanes.go)
	var lanes [maxAttnHeads]int
	for k := 1; k <= maxAttnHeads; k++ {
		lanes[k-1] = len(fs)
		fs = append(fs, dotRowsF16Lanes(fmt.Sprintf("dot_rows_f16_lanes_x%d", k), k, relaxed))
	}
	fs[attn] = attnHeadsF16(dot, lanes, weighted)
	// a prompt's attention in tiles (attn_tile.go)
	fs = append(fs, attnWidenF16(), attnTileF32(relaxed))
	return fs
}

// Build returns the encoded module.
// relaxed builds the relaxed-SIMD variant (matmul_q8_0 and matmul_q4_0 through
// i32x4.relaxed_dot_i8x16_i7x16_add_s), for browsers that validate it.
func Build(shared, relaxed bool) ([]byte, error) {
	m := &Module{Memory: Memory{Shared: shared}, Funcs: Kernels(relaxed)}
	for _, f := range m.Funcs {
		if err := f.check(); err != nil {
			return nil, err
		}
	}
	return m.Encode(), nil
}

func main() {
	out := flag.String("o", ".", "output directory")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, v := range []struct {
		file            string
		shared, relaxed bool
	}{
		{"hearth-kernels.wasm", false, false}, {"hearth-kernels-shared.wasm", true, false},
		{"hearth-kernels-relaxed.wasm", false, true}, {"hearth-kernels-relaxed-shared.wasm", true, true},
	} {
		b, err := Build(v.shared, v.relaxed)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, v.file), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
