package ops

import "math"

// Expf is e^x in float32 arithmetic only (no float64, no FMA): Cody–Waite range reduction
// x = n·ln2 + b, |b| ≤ ln2/2, ggml's degree-5 polynomial for e^b (the coefficients of
// ggml_v_expf) and 2^n put into the exponent bits. Within 3 ulp of math.Exp over the whole
// float32 range (TestExpf); 0 below -103.97, +Inf above 88.72. Under js/wasm, where
// math.Exp is a long float64 routine, it is several times faster.
func Expf(x float32) float32 {
	switch {
	case x > 88.72284: // ln(MaxFloat32)
		return float32(math.Inf(1))
	case x < -103.97208: // below the smallest subnormal / 2
		return 0
	case x != x:
		return x
	}
	const shift = 0x1.8p23
	n := (x*0x1.715476p+0 + shift) - shift // round(x/ln2)
	b := (x - n*0x1.62e4p-1) - n*0x1.7f7d1cp-20
	u := b * b
	j := ((0x1.0e4020p-7*b+0x1.573e2ep-5)*u+(0x1.555e66p-3*b+0x1.fffdb6p-2))*u + (0x1.ffffecp-1*b + 1)
	k := int32(n)
	if k < -126 { // subnormal result: scale in two steps
		return j * math.Float32frombits(uint32(k+126+127)<<23) * 0x1p-126
	}
	if k > 127 {
		return j * math.Float32frombits(uint32(k-1+127)<<23) * 2
	}
	return j * math.Float32frombits(uint32(k+127)<<23)
}
