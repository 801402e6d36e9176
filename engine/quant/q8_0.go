package quant

import "math"

// Q8_0 block (34 bytes): fp16 d, then 32 int8 quants; x = d * q. It is both a weight type
// and the activation type of Q4_0, Q5_0, Q8_0 and IQ4_NL.

func init() {
	traits[Q8_0].Dequantize = dequantizeQ8_0
	traits[Q8_0].Quantize = quantizeQ8_0
	traits[Q8_0].VecDot = vecDotQ8_0Q8_0
}

// dequantizeQ8_0 is GGML's dequantize_row_q8_0: blocks (n/32,) -> x (n,).
func dequantizeQ8_0(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[34]byte)(src[i/qk32*34:])
		d := f16At(b[0], b[1])
		y := (*[qk32]float32)(dst[i:])
		for j := range y {
			y[j] = float32(int8(b[2+j])) * d
		}
	}
}

// quantizeQ8_0 converts x (n,) to Q8_0 blocks (n/32,) the way llama.cpp's x86 CPU backend
// quantizes activations (quantize_row_q8_0 in ggml-cpu/arch/x86/quants.c, the code that
// made the golden outputs): d = amax/127 stored as fp16, q = round(x * (127/amax)) with
// round-half-to-even (_mm256_round_ps), saturated to int8 as the pack instructions do.
// GGML's portable quantize_row_q8_0_ref multiplies by 1/d and rounds half away from zero
// instead (quantizeQ8_0Ref); the two differ only when x*id lands on or next to a half.
func quantizeQ8_0(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[34]byte)(dst[i/qk32*34:])
		amax, _ := absMax32(x[:])
		d := amax / 127
		putF16(b[:], d)
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		for j, v := range x {
			b[2+j] = byte(int8(satInt8(cvtRoundEven(v * id))))
		}
	}
}

// quantizeQ8_0Ref is GGML's quantize_row_q8_0_ref, the quantizer llama-quantize uses to
// write Q8_0 weights: q = roundf(x / d) with id = 1/d, ties away from zero.
func quantizeQ8_0Ref(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[34]byte)(dst[i/qk32*34:])
		var amax float32
		for _, v := range x {
			amax = max32C(amax, abs32(v))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[:], d)
		for j, v := range x {
			b[2+j] = byte(int8(satInt8(roundAway(v * id))))
		}
	}
}

// cvtRoundEven is _mm256_round_ps(_MM_ROUND_NEAREST) then _mm256_cvtps_epi32: nearest
// integer, ties to even; NaN and out-of-range values give the "integer indefinite"
// 0x80000000.
func cvtRoundEven(f float32) int32 {
	r := math.RoundToEven(float64(f))
	if !(r >= -2147483648 && r <= 2147483647) {
		return math.MinInt32
	}
	return int32(r)
}

// roundAway is C's roundf followed by the conversion to an integer: nearest, ties away
// from zero (saturating where C would be undefined).
func roundAway(f float32) int32 {
	r := math.Round(float64(f))
	if r != r {
		return 0
	}
	if r >= 2147483647 {
		return 2147483647
	}
	if r <= -2147483648 {
		return -2147483648
	}
	return int32(r)
}

// satInt8 clamps to the int8 range, as _mm256_packs_epi32 + _mm256_packs_epi16 do.
func satInt8(v int32) int32 {
	if v > 127 {
		return 127
	}
	if v < -128 {
		return -128
	}
	return v
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// max32C is C's MAX(a, b) macro, a > b ? a : b (so a NaN b wins).
func max32C(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// vecDotQ8_0Q8_0Ref is ggml_vec_dot_q8_0_q8_0_generic, written plainly: the Q8_0 weight
// row w (n,) · the Q8_0 activation row a (n,) -> float32. Per block the exact integer sum
// of 32 products, then sumf += sumi * (dw*da) in float32.
func vecDotQ8_0Q8_0Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*34 : ib*34+34]
		y := a[ib*34 : ib*34+34]
		var sumi int32
		for j := 0; j < qk32; j++ {
			sumi += int32(int8(x[2+j])) * int32(int8(y[2+j]))
		}
		sumf += float32(float32(sumi) * float32(f16At(x[0], x[1])*f16At(y[0], y[1])))
	}
	return sumf
}

// vecDotQ8_0Q8_0 is vecDotQ8_0Q8_0Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) Q8_0 · a (n,) Q8_0 -> float32, bit for bit equal to the reference.
func vecDotQ8_0Q8_0(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*34], a[:nb*34]
	var sumf float32
	for len(w) >= 34 && len(a) >= 34 {
		x := (*[34]byte)(w)
		y := (*[34]byte)(a)
		var s0, s1, s2, s3 int32
		for j := 2; j < 34; j += 4 {
			s0 += int32(int8(x[j])) * int32(int8(y[j]))
			s1 += int32(int8(x[j+1])) * int32(int8(y[j+1]))
			s2 += int32(int8(x[j+2])) * int32(int8(y[j+2]))
			s3 += int32(int8(x[j+3])) * int32(int8(y[j+3]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		sumf += float32(float32(sumi) * float32(f16At(x[0], x[1])*f16At(y[0], y[1])))
		w, a = w[34:], a[34:]
	}
	return sumf
}
