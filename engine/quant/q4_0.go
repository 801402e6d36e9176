package quant

// Q4_0 block (18 bytes): fp16 d, then 16 bytes of 4-bit quants (byte j: element j in the
// low nibble, element j+16 in the high one); x = d * (q - 8). Activations: Q8_0.

func init() {
	traits[Q4_0].Dequantize = dequantizeQ4_0
	traits[Q4_0].Quantize = quantizeQ4_0
	traits[Q4_0].VecDot = vecDotQ4_0Q8_0
}

// dequantizeQ4_0 is GGML's dequantize_row_q4_0: blocks (n/32,) -> x (n,).
func dequantizeQ4_0(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[18]byte)(src[i/qk32*18:])
		d := f16At(b[0], b[1])
		y := (*[qk32]float32)(dst[i:])
		for j := 0; j < 16; j++ {
			y[j] = float32(int32(b[2+j]&15)-8) * d
			y[j+16] = float32(int32(b[2+j]>>4)-8) * d
		}
	}
}

// quantizeQ4_0 is GGML's quantize_row_q4_0_ref (what llama-quantize writes without an
// importance matrix): x (n,) -> blocks (n/32,). d = max/-8 where max is the value of
// largest magnitude, so that value maps exactly to quant 0.
func quantizeQ4_0(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[18]byte)(dst[i/qk32*18:])
		_, max := absMax32(x[:])
		d := max / -8
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[:], d)
		for j := 0; j < 16; j++ {
			x0 := min(15, int32(int8(truncInt(float32(x[j]*id)+8.5))))
			x1 := min(15, int32(int8(truncInt(float32(x[j+16]*id)+8.5))))
			b[2+j] = byte(x0) | byte(x1)<<4
		}
	}
}

// vecDotQ4_0Q8_0Ref is ggml_vec_dot_q4_0_q8_0_generic, written plainly: the Q4_0 weight
// row w (n,) · the Q8_0 activation row a (n,) -> float32. Per block the exact integer sum
// of 32 products, then sumf += sumi * dw * da in float32, in that order.
func vecDotQ4_0Q8_0Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*18 : ib*18+18]
		y := a[ib*34 : ib*34+34]
		var sumi0, sumi1 int32
		for j := 0; j < 16; j++ {
			v0 := int32(x[2+j]&0x0F) - 8
			v1 := int32(x[2+j]>>4) - 8
			sumi0 += v0 * int32(int8(y[2+j]))
			sumi1 += v1 * int32(int8(y[2+j+16]))
		}
		sumi := sumi0 + sumi1
		sumf += float32(float32(float32(sumi)*f16At(x[0], x[1])) * f16At(y[0], y[1]))
	}
	return sumf
}

// vecDotQ4_0Q8_0 is vecDotQ4_0Q8_0Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) Q4_0 · a (n,) Q8_0 -> float32, bit for bit equal to the reference.
func vecDotQ4_0Q8_0(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*18], a[:nb*34]
	var sumf float32
	for len(w) >= 18 && len(a) >= 34 {
		x := (*[18]byte)(w)
		y := (*[34]byte)(a)
		var s0, s1, s2, s3 int32
		for j := 2; j < 18; j += 2 {
			b0, b1 := x[j], x[j+1]
			s0 += (int32(b0&15) - 8) * int32(int8(y[j]))
			s1 += (int32(b0>>4) - 8) * int32(int8(y[j+16]))
			s2 += (int32(b1&15) - 8) * int32(int8(y[j+1]))
			s3 += (int32(b1>>4) - 8) * int32(int8(y[j+17]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		sumf += float32(float32(float32(sumi)*f16At(x[0], x[1])) * f16At(y[0], y[1]))
		w, a = w[18:], a[34:]
	}
	return sumf
}
