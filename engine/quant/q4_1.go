package quant

// Q4_1 block (20 bytes): fp16 d, fp16 m, then 16 bytes of 4-bit quants (byte j: element j
// in the low nibble, element j+16 in the high one); x = d*q + m. Activations: Q8_1.

func init() {
	traits[Q4_1].Dequantize = dequantizeQ4_1
	traits[Q4_1].Quantize = quantizeQ4_1
	traits[Q4_1].VecDot = vecDotQ4_1Q8_1
}

// dequantizeQ4_1 is GGML's dequantize_row_q4_1: blocks (n/32,) -> x (n,).
func dequantizeQ4_1(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[20]byte)(src[i/qk32*20:])
		d, m := f16At(b[0], b[1]), f16At(b[2], b[3])
		y := (*[qk32]float32)(dst[i:])
		for j := 0; j < 16; j++ {
			y[j] = float32(float32(b[4+j]&15)*d) + m
			y[j+16] = float32(float32(b[4+j]>>4)*d) + m
		}
	}
}

// quantizeQ4_1 is GGML's quantize_row_q4_1_ref: x (n,) -> blocks (n/32,), d = (max-min)/15,
// m = min, q = (x-min)/d rounded half up.
func quantizeQ4_1(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[20]byte)(dst[i/qk32*20:])
		lo, hi := minMax32(x[:])
		d := (hi - lo) / 15
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:2], d)
		putF16(b[2:4], lo)
		for j := 0; j < 16; j++ {
			x0 := min(15, int32(int8(truncInt(float32((x[j]-lo)*id)+0.5))))
			x1 := min(15, int32(int8(truncInt(float32((x[j+16]-lo)*id)+0.5))))
			b[4+j] = byte(x0) | byte(x1)<<4
		}
	}
}

// vecDotQ4_1Q8_1Ref is ggml_vec_dot_q4_1_q8_1_generic, written plainly: the Q4_1 weight
// row w (n,) · the Q8_1 activation row a (n,) -> float32. Per block the exact integer sum
// of 32 products, then sumf += (dw*da)*sumi + mw*sa in float32, in that order.
func vecDotQ4_1Q8_1Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*20 : ib*20+20]
		y := a[ib*36 : ib*36+36]
		var sumi0, sumi1 int32
		for j := 0; j < 16; j++ {
			v0 := int32(x[4+j] & 0x0F)
			v1 := int32(x[4+j] >> 4)
			sumi0 += v0 * int32(int8(y[4+j]))
			sumi1 += v1 * int32(int8(y[4+j+16]))
		}
		sumi := sumi0 + sumi1
		dd := float32(f16At(x[0], x[1]) * f16At(y[0], y[1]))
		ms := float32(f16At(x[2], x[3]) * f16At(y[2], y[3]))
		sumf += float32(float32(dd*float32(sumi)) + ms)
	}
	return sumf
}

// vecDotQ4_1Q8_1 is vecDotQ4_1Q8_1Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) Q4_1 · a (n,) Q8_1 -> float32, bit for bit equal to the reference.
func vecDotQ4_1Q8_1(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*20], a[:nb*36]
	var sumf float32
	for len(w) >= 20 && len(a) >= 36 {
		x := (*[20]byte)(w)
		y := (*[36]byte)(a)
		var s0, s1, s2, s3 int32
		for j := 4; j < 20; j += 2 {
			b0, b1 := x[j], x[j+1]
			s0 += int32(b0&15) * int32(int8(y[j]))
			s1 += int32(b0>>4) * int32(int8(y[j+16]))
			s2 += int32(b1&15) * int32(int8(y[j+1]))
			s3 += int32(b1>>4) * int32(int8(y[j+17]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		dd := float32(f16At(x[0], x[1]) * f16At(y[0], y[1]))
		ms := float32(f16At(x[2], x[3]) * f16At(y[2], y[3]))
		sumf += float32(float32(dd*float32(sumi)) + ms)
		w, a = w[20:], a[36:]
	}
	return sumf
}
