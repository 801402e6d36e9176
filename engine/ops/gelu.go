package ops

import (
	"math"
	"sync"

	"hearth/engine/quant"
)

// GELU, the tanh approximation (gemma3's FFN gate activation):
//
//	gelu(x) = 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x²)))
const (
	geluCoefA    = 0.044715
	sqrt2OverPi  = 0.79788456080286535587989211986876
	geluTableMax = 10 // |x| ≥ 10: gelu(x) is 0 or x to float precision; ggml skips the table
)

// GELURef is the tanh-approximation GELU in float64: the reference GeGLU is tested against.
func GELURef(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*x*(1+geluCoefA*x*x)))
}

// geluF32 is ggml_gelu_f32 (ggml-cpu vec.h) as GCC compiles it with FMA available and default
// contraction: 1.0f + GELU_COEF_A*x*x becomes one fused multiply-add of (GELU_COEF_A*x) and x;
// every other product and sum is rounded to float. tanhf is taken correctly rounded.
func geluF32(x float32) float32 {
	inner := FMA32(float32(geluCoefA*x), x, 1)
	t := float32(math.Tanh(float64(float32(float32(sqrt2OverPi*x) * inner))))
	return float32(float32(0.5*x) * (1 + t))
}

// geluTable is ggml's ggml_table_gelu_f16: for every half-precision x (by its bits), the
// half-precision gelu(x), computed in float and rounded to nearest even. Built on first use
// (128 KiB).
var geluTable = sync.OnceValue(func() *[1 << 16]uint16 {
	var t [1 << 16]uint16
	for i := range t {
		t[i] = quant.F32ToF16(geluF32(quant.F16ToF32(uint16(i))))
	}
	return &t
})

// GeGLU gates the FFN with GELU as llama.cpp's CPU backend does (ggml_vec_geglu_f32 with
// GGML_GELU_FP16, always on there): gate (n,), up (n,) -> out (n,),
//
//	out[i] = 0                                       gate[i] ≤ -10
//	out[i] = gate[i]·up[i]                           gate[i] ≥ 10
//	out[i] = f32(table[fp16(gate[i])])·up[i]         otherwise
//
// so the gate goes through half precision on the way in and out (≤ 2^-11 relative error
// against GELURef, TestGeGLU). llama.cpp does this in every run, F32 models included, so it
// is both the reference-compatible and the fast path: one table lookup per element. out may
// alias gate or up.
func GeGLU(out, gate, up []float32) {
	defer GoCode()()
	tab := geluTable()
	up = up[:len(gate)]
	out = out[:len(gate)]
	for i, x := range gate {
		switch {
		case x <= -geluTableMax:
			out[i] = 0
		case x >= geluTableMax:
			out[i] = float32(x * up[i])
		default:
			out[i] = float32(quant.F16ToF32(tab[quant.F32ToF16(x)]) * up[i])
		}
	}
}
