package ops

// Softmax replaces x (n,) by exp(x - max) / sum, in place (exp by Expf). The sum is kept in
// float64 as ggml's soft_max does.
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	max := x[0]
	for _, v := range x[1:] {
		if v > max {
			max = v
		}
	}
	var sum float64
	for i, v := range x {
		e := Expf(v - max)
		x[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}
