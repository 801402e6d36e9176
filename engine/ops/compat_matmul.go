package ops

import (
	"encoding/binary"
	"fmt"
	"math"

	"hearth/engine/quant"
)

// CompatKernel returns the per-output dot product llama.cpp's CPU backend (x86, AVX-512,
// GGML_NATIVE) uses for a mul_mat of m with nTokens activation rows, and its name, or nil
// where the generic traits VecDot already reproduces it (BF16 goes through MulActs):
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
//   - everything else to the x86 ggml_vec_dot of the type.
func (m *Matrix) CompatKernel(nTokens int) (string, func(n int, w, a []byte) float32) {
	switch m.Type {
	case quant.F32:
		if nTokens >= 2 && UseSgemmF32(m.Rows, nTokens, m.Cols) {
			return "sgemm", dotF32SgemmBytes
		}
		return "vec_dot", dotF32VecBytes
	case quant.F16:
		if nTokens >= 2 && UseSgemmF32(m.Rows, nTokens, m.Cols) {
			return "sgemm", dotF16SgemmBytes
		}
		return "vec_dot", dotF16VecBytes
	}
	if m.Name != "token_embd.weight" && quant.Repacked(m.Type, m.Rows) {
		return "repack", quant.VecDotRepackX86(m.Type)
	}
	if nTokens >= 2 {
		if f := quant.VecDotTinyBLASX86(m.Type); f != nil {
			return "tinyblas", f
		}
	}
	if f := quant.VecDotX86(m.Type); f != nil {
		return "vec_dot", f
	}
	return "generic", nil
}

// MulActsCompat is MulActs with llama.cpp's x86 float order (see CompatKernel):
// acts (N, Cols) -> y (N, Rows), y[n][r] = dot(W[r], acts[n]).
func (m *Matrix) MulActsCompat(a *Acts, y []float32) {
	if a.Type != m.traits.VecDotType || a.Cols != m.Cols {
		panic(fmt.Sprintf("ops: %s: activations %s×%d, want %s×%d", m.Name, a.Type, a.Cols, m.traits.VecDotType, m.Cols))
	}
	name, dot := m.CompatKernel(a.N)
	if dot == nil {
		m.MulActs(a, y)
		return
	}
	// The repack path multiplies the rows of the batch in groups of four with its gemm
	// kernel and the a.N%4 left over with its gemv kernel.
	gemmRows, gemm := 0, dot
	if name == "repack" {
		if g := quant.VecDotRepackGemmX86(m.Type); g != nil && a.N >= 4 {
			gemmRows, gemm = a.N-a.N%4, g
		}
	}
	ParallelFor(m.Rows, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			w := m.Data[r*m.rowBytes : (r+1)*m.rowBytes]
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
