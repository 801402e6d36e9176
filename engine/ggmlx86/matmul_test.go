package ggmlx86

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"hearth/engine/quant"
)

// TestCompatFloatKernels checks the byte-row kernels MulActsCompat uses for F32, F16 and BF16
// weights: the F32 and F16 ones against the float-slice emulations they restate (bit for
// bit), the BF16 ones against exact arithmetic.
func TestCompatFloatKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{8, 32, 44, 64, 172, 256, 300} {
		for it := 0; it < 10; it++ {
			x, y := randSlice(rng, n, 1), randSlice(rng, n, 1)
			// F32
			xb, yb := make([]byte, 4*n), make([]byte, 4*n)
			for i := range x {
				binary.LittleEndian.PutUint32(xb[4*i:], math.Float32bits(x[i]))
				binary.LittleEndian.PutUint32(yb[4*i:], math.Float32bits(y[i]))
			}
			if a, b := dotF32VecBytes(n, xb, yb), DotF32GGML(x, y); a != b {
				t.Errorf("f32 vec_dot n=%d: %v, float kernel %v", n, a, b)
			}
			if a, b := dotF32SgemmBytes(n, xb, yb), DotF32SgemmGGML(x, y); a != b {
				t.Errorf("f32 sgemm n=%d: %v, float kernel %v", n, a, b)
			}
			// F16: round the inputs to F16 first
			hb, gb := make([]byte, 2*n), make([]byte, 2*n)
			hx, hy := make([]float32, n), make([]float32, n)
			for i := range x {
				binary.LittleEndian.PutUint16(hb[2*i:], quant.F32ToF16(x[i]))
				binary.LittleEndian.PutUint16(gb[2*i:], quant.F32ToF16(y[i]))
				hx[i], hy[i] = f16b(hb, 2*i), f16b(gb, 2*i)
			}
			if a, b := dotF16VecBytes(n, hb, gb), DotF16GGML(hx, hy); a != b {
				t.Errorf("f16 vec_dot n=%d: %v, float kernel %v", n, a, b)
			}
			if a, b := dotF16SgemmBytes(n, hb, gb), DotF32SgemmGGML(hx, hy); a != b {
				t.Errorf("f16 sgemm n=%d: %v, float kernel %v", n, a, b)
			}
			// BF16: close to the exact dot product of the BF16 values
			var exact, mag float64
			for i := range x {
				binary.LittleEndian.PutUint16(hb[2*i:], quant.F32ToBF16(x[i]))
				binary.LittleEndian.PutUint16(gb[2*i:], quant.F32ToBF16(y[i]))
				p := float64(bf16b(hb, 2*i)) * float64(bf16b(gb, 2*i))
				exact += p
				mag += math.Abs(p)
			}
			if got := float64(dotBF16VecBytes(n, hb, gb)); math.Abs(got-exact) > 2*float64(n)*0x1p-24*mag {
				t.Errorf("bf16 vec_dot n=%d: %g, exact %g", n, got, exact)
			}
			if n%32 == 0 {
				if got := float64(dotBF16SgemmBytes(n, hb, gb)); math.Abs(got-exact) > 2*float64(n)*0x1p-24*mag {
					t.Errorf("bf16 sgemm n=%d: %g, exact %g", n, got, exact)
				}
			}
		}
	}
}
