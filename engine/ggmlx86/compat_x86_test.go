package ggmlx86

import (
	"math"
	"math/rand/v2"
	"testing"

	. "hearth/engine/quant"
)

// TestCompatX86CrossCheck checks every x86 float-order kernel (VecDotX86, the repacked gemv
// and gemm, tinyBLAS Q0) against the generic VecDot of its type: they compute the same integer
// sums and differ only in float rounding, so a wrong lane, offset or minimum term shows up as
// a difference far above float32 rounding. (That their rounding is llama.cpp's is what
// model.TestConformance checks, bit for bit.)
func TestCompatX86CrossCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(77, 0x6b71))
	for _, ty := range []Type{Q8_0, Q4_0, Q5_0, Q4_1, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K} {
		tr, _ := ty.Traits()
		act, _ := tr.VecDotType.Traits()
		lens := []int{32, 64, 96, 224, 256}
		if tr.BlockSize == QK_K {
			lens = []int{256, 512, 768}
		}
		kernels := map[string]func(int, []byte, []byte) float32{"vec_dot": VecDotX86(ty)}
		if f := VecDotRepackX86(ty); f != nil {
			kernels["gemv"] = f
		}
		if f := VecDotRepackGemmX86(ty); f != nil {
			kernels["gemm"] = f
		}
		if f := VecDotTinyBLASX86(ty); f != nil {
			kernels["tinyblas"] = f
		}
		for _, n := range lens {
			for it := 0; it < 20; it++ {
				w := make([]byte, n/tr.BlockSize*tr.BlockBytes)
				tr.Quantize(gaussian(n, r), w)
				x := gaussian(n, r)
				a := make([]byte, n/act.BlockSize*act.BlockBytes)
				act.Quantize(x, a)
				want := tr.VecDot(n, w, a)
				wf := make([]float32, n)
				tr.Dequantize(w, wf)
				af := make([]float32, n)
				act.Dequantize(a, af)
				mag := 0.0
				for i := range wf {
					mag += math.Abs(float64(wf[i]) * float64(af[i]))
				}
				for name, f := range kernels {
					if f == nil {
						t.Fatalf("%s: no %s kernel", ty, name)
					}
					if got := f(n, w, a); math.Abs(float64(got-want)) > 1e-5*mag+1e-30 {
						t.Errorf("%s %s n=%d: %v, generic %v (magnitude %.3g)", ty, name, n, got, want, mag)
					}
				}
			}
		}
	}
}

// gaussian is n standard normal values.
func gaussian(n int, r *rand.Rand) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}
