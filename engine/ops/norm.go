package ops

import "math"

// RMSNorm normalises x by its root mean square and multiplies by the weight:
// x (n,), w (n,) -> out (n,);  out[i] = x[i] / sqrt(mean(x²) + eps) * w[i].
// The sum of squares is accumulated in float64 as ggml_compute_forward_rms_norm_f32 does.
// out may alias x.
func RMSNorm(out, x, w []float32, eps float32) {
	if RMSNormHook != nil && RMSNormHook(out, x, w, eps) {
		return
	}
	var sum float64
	for _, v := range x {
		sum += float64(v * v)
	}
	mean := float32(sum / float64(len(x)))
	scale := float32(1 / math.Sqrt(float64(mean+eps)))
	w = w[:len(x)]
	out = out[:len(x)]
	for i, v := range x {
		out[i] = (v * scale) * w[i]
	}
}

// RMSNormHook is a fast RMSNorm with the same results bit for bit (the browser build's
// SIMD kernel); it returns false, having written nothing, when it cannot take the slices.
var RMSNormHook func(out, x, w []float32, eps float32) bool
