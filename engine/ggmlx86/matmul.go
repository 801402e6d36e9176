package ggmlx86

import (
	"encoding/binary"
	"fmt"
	"hearth/engine/ops"
	"math"

	"hearth/engine/quant"
)

// Kernel returns the per-output dot product llama.cpp's CPU backend (x86, AVX-512,
// GGML_NATIVE) uses for a mul_mat of m with nTokens activation rows, and its name, or nil
// where the generic traits VecDot already reproduces it:
//
//   - a repacked weight (quant.Repacked; never token_embd, which GET_ROWS also reads, so a
//     tied output matrix is not repacked) goes to the repack gemv/gemm kernels, whatever
//     nTokens: ggml_cpu_extra_compute_forward claims the op first;
//   - otherwise prefill (nTokens ≥ 2) of Q8_0, Q4_0, Q5_0 and IQ4_NL goes to tinyBLAS_Q0_AVX
//     (llamafile_sgemm on the Q8_0-converted activations);
//   - F32: prefill that llamafile_sgemm accepts (UseSgemmF32) to tinyBLAS<16, __m512>
//     (DotF32SgemmGGML), everything else to ggml_vec_dot_f32 (DotF32GGML);
//   - F16 (activations converted to F16): the same choice, with ggml_vec_dot_f16 (DotF16GGML)
//     outside tinyBLAS;
//   - BF16 (activations converted to BF16): VDPBF16PS kernels (AVX512_BF16), tinyBLAS<32,
//     __m512, __m512bh> for prefill with k % 32 == 0, else ggml_vec_dot_bf16;
//   - everything else to the x86 ggml_vec_dot of the type.
func Kernel(m *ops.Matrix, nTokens int) (string, func(n int, w, a []byte) float32) {
	switch m.Type {
	case quant.F32:
		if nTokens >= 2 && UseSgemmF32(m.Rows, nTokens, m.Cols) {
			return "sgemm", dotF32SgemmBytes
		}
		return "vec_dot", dotF32VecBytes
	case quant.BF16:
		// tinyBLAS<32, __m512, __m512bh> (AVX512_BF16) needs k % 32 == 0
		if nTokens >= 2 && m.Cols%32 == 0 && UseSgemmF32(m.Rows, nTokens, m.Cols) {
			return "sgemm", dotBF16SgemmBytes
		}
		return "vec_dot", dotBF16VecBytes
	case quant.F16:
		if nTokens >= 2 && UseSgemmF32(m.Rows, nTokens, m.Cols) {
			return "sgemm", dotF16SgemmBytes
		}
		return "vec_dot", dotF16VecBytes
	}
	if m.Name != "token_embd.weight" && Repacked(m.Type, m.Rows) {
		return "repack", VecDotRepackX86(m.Type)
	}
	if nTokens >= 2 {
		if f := VecDotTinyBLASX86(m.Type); f != nil {
			return "tinyblas", f
		}
	}
	if f := VecDotX86(m.Type); f != nil {
		return "vec_dot", f
	}
	return "generic", nil
}

// MulActs is m.MulActs with llama.cpp's x86 float order (see Kernel):
// acts (N, Cols) -> y (N, Rows), y[n][r] = dot(W[r], acts[n]).
func MulActs(m *ops.Matrix, a *ops.Acts, y []float32) {
	if a.Type != m.ActType() || a.Cols != m.Cols {
		panic(fmt.Sprintf("ops: %s: activations %s×%d, want %s×%d", m.Name, a.Type, a.Cols, m.ActType(), m.Cols))
	}
	name, dot := Kernel(m, a.N)
	if dot == nil {
		m.MulActs(a, y)
		return
	}
	// The repack path multiplies the rows of the batch in groups of four with its gemm
	// kernel and the a.N%4 left over with its gemv kernel.
	gemmRows, gemm := 0, dot
	if name == "repack" {
		if g := VecDotRepackGemmX86(m.Type); g != nil && a.N >= 4 {
			gemmRows, gemm = a.N-a.N%4, g
		}
	}
	rowBytes := len(m.Data) / m.Rows
	ops.ParallelFor(m.Rows, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			w := m.Data[r*rowBytes : (r+1)*rowBytes]
			for n := 0; n < a.N; n++ {
				f := dot
				if n < gemmRows {
					f = gemm
				}
				y[n*m.Rows+r] = f(m.Cols, w, a.Data[n*a.RowBytes:(n+1)*a.RowBytes])
			}
		}
	})
}

// dotF16VecBytes is DotF16GGML on F16 rows: w (n,) F16 · a (n,) F16 -> float32.
func dotF16VecBytes(n int, w, a []byte) float32 {
	np := n &^ 63
	var acc [4][16]float32
	for i := 0; i < np; i += 64 {
		for j := range acc {
			c := &acc[j]
			for l := range c {
				e := 2 * (i + 16*j + l)
				c[l] = fma32(f16b(w, e), f16b(a, e), c[l])
			}
		}
	}
	sum := float64(reduceF32x16x4(&acc))
	for i := np; i < n; i++ {
		sum += float64(float32(f16b(w, 2*i) * f16b(a, 2*i)))
	}
	return float32(sum)
}

// dotF16SgemmBytes is DotF32SgemmGGML on F16 rows (tinyBLAS<16, __m512> loads them with
// _mm512_cvtph_ps): w (n,) F16 · a (n,) F16 -> float32.
func dotF16SgemmBytes(n int, w, a []byte) float32 {
	var acc [16]float32
	for i := 0; i < n; i++ {
		acc[i%16] = fma32(f16b(w, 2*i), f16b(a, 2*i), acc[i%16])
	}
	return reduceAdd16(&acc)
}

func f16b(b []byte, off int) float32 { return quant.F16ToF32(uint16(b[off]) | uint16(b[off+1])<<8) }

// dotF32VecBytes is DotF32GGML on little-endian F32 rows: w (n,) · a (n,) -> float32.
func dotF32VecBytes(n int, w, a []byte) float32 {
	var x, y [64]float32
	np := n &^ 63
	var acc [4][16]float32
	for i := 0; i < np; i += 64 {
		f32Row(x[:], w[4*i:])
		f32Row(y[:], a[4*i:])
		for j := range acc {
			c := &acc[j]
			for l := range c {
				c[l] = fma32(x[16*j+l], y[16*j+l], c[l])
			}
		}
	}
	f32Row(x[:n-np], w[4*np:])
	f32Row(y[:n-np], a[4*np:])
	return leftoverF32(reduceF32x16x4(&acc), x[:n-np], y[:n-np])
}

// dotF32SgemmBytes is DotF32SgemmGGML on little-endian F32 rows: w (n,) · a (n,) -> float32.
func dotF32SgemmBytes(n int, w, a []byte) float32 {
	var acc [16]float32
	for i := 0; i < n; i++ {
		acc[i%16] = fma32(f32b(w, 4*i), f32b(a, 4*i), acc[i%16])
	}
	return reduceAdd16(&acc)
}

func f32b(b []byte, off int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
}

func f32Row(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = f32b(b, 4*i)
	}
}

// dpbf16 is one lane of VDPBF16PS: acc + a[1]*b[1] + a[0]*b[0], each product fused in
// that order (the odd element first; checked on Zen 4). w, a are little-endian BF16 pairs.
func dpbf16(acc float32, w, a []byte) float32 {
	acc = fma32(bf16b(w, 2), bf16b(a, 2), acc)
	return fma32(bf16b(w, 0), bf16b(a, 0), acc)
}

func bf16b(b []byte, off int) float32 { return quant.BF16ToF32(uint16(b[off]) | uint16(b[off+1])<<8) }

// dotBF16VecBytes is ggml_vec_dot_bf16 with AVX512_BF16: w (n,) BF16 · a (n,) BF16 ->
// float32. Each 64-element chunk goes to two 16-lane VDPBF16PS accumulators (elements
// 0..31 to the first, 32..63 to the second, lane l taking the pair 2l, 2l+1 of its 32);
// the sum is (double)reduce(c1) + (double)reduce(c2), then the leftovers as
// (double)(float product), rounded to float at the end.
func dotBF16VecBytes(n int, w, a []byte) float32 {
	var c [2][16]float32
	i := 0
	for ; i+64 <= n; i += 64 {
		for h := range c {
			for l := range c[h] {
				off := 2 * (i + 32*h + 2*l)
				c[h][l] = dpbf16(c[h][l], w[off:], a[off:])
			}
		}
	}
	sum := float64(reduceAdd16(&c[0]))
	sum += float64(reduceAdd16(&c[1]))
	for ; i < n; i++ {
		sum += float64(float32(bf16b(w, 2*i) * bf16b(a, 2*i)))
	}
	return float32(sum)
}

// dotBF16SgemmBytes is the tinyBLAS<32, __m512, __m512bh> dot of one output: one 16-lane
// VDPBF16PS accumulator over 32-element steps, reduced with _mm512_reduce_add_ps.
func dotBF16SgemmBytes(n int, w, a []byte) float32 {
	var c [16]float32
	for i := 0; i+32 <= n; i += 32 {
		for l := range c {
			off := 2 * (i + 2*l)
			c[l] = dpbf16(c[l], w[off:], a[off:])
		}
	}
	return reduceAdd16(&c)
}
