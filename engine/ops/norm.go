package ops

import "math"

// RMSNorm normalises each row of x by its root mean square and multiplies by the weight:
// x (rows, n), w (n,) -> out (rows, n), n = len(w);
// out[r][i] = x[r][i] / sqrt(mean(x[r]²) + eps) * w[i].
// The sum of squares is accumulated in float64 as ggml_compute_forward_rms_norm_f32 does.
// out may alias x.
func RMSNorm(out, x, w []float32, eps float32) {
	if RMSNormHook != nil && RMSNormHook(out, x, w, eps) {
		return
	}
	defer GoCode()()
	n := len(w)
	for r := 0; r+n <= len(x); r += n {
		rmsNormRow(out[r:r+n], x[r:r+n], w, eps)
	}
}

// rmsNormRow is RMSNorm of one row: x (n,), w (n,) -> out (n,).
func rmsNormRow(out, x, w []float32, eps float32) {
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
