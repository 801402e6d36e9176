package ops

// SwiGLU gates the FFN: gate (n,), up (n,) -> out (n,); out[i] = silu(gate[i]) * up[i],
// silu(x) = x / (1 + e^-x), e^-x by Expf (math.Exp is a long float64 routine under
// js/wasm: this loop was a tenth of a decode step there). out may alias gate or up.
func SwiGLU(out, gate, up []float32) {
	if SwiGLUHook != nil && SwiGLUHook(out, gate, up) {
		return
	}
	defer GoCode()()
	up = up[:len(gate)]
	out = out[:len(gate)]
	for i, g := range gate {
		out[i] = g / (1 + Expf(-g)) * up[i]
	}
}

// SwiGLUHook is a fast SwiGLU with the same results bit for bit (the browser build's SIMD
// kernel); it returns false, having written nothing, when it cannot take the slices.
var SwiGLUHook func(out, gate, up []float32) bool

// Add accumulates the residual: dst (n,) += src (n,).
func Add(dst, src []float32) {
	if AddHook != nil && AddHook(dst, src) {
		return
	}
	defer GoCode()()
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

// AddHook is a fast Add with the same results bit for bit (the browser build's SIMD
// kernel); it returns false, having written nothing, when it cannot take the slices.
var AddHook func(dst, src []float32) bool
