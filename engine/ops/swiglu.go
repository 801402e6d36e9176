package ops

// SwiGLU gates the FFN: gate (n,), up (n,) -> out (n,); out[i] = silu(gate[i]) * up[i],
// silu(x) = x / (1 + e^-x), e^-x by Expf (math.Exp is a long float64 routine under
// js/wasm: this loop was a tenth of a decode step there). out may alias gate or up.
func SwiGLU(out, gate, up []float32) {
	up = up[:len(gate)]
	out = out[:len(gate)]
	for i, g := range gate {
		out[i] = g / (1 + Expf(-g)) * up[i]
	}
}

// Add accumulates the residual: dst (n,) += src (n,).
func Add(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}
