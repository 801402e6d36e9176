package quant

// IQ4_NL block (18 bytes): fp16 d, then 16 bytes of 4-bit indices (byte j: element j in
// the low nibble, element j+16 in the high one) into the fixed non-linear table
// kvaluesIQ4NL; x = d * kvaluesIQ4NL[q]. Activations: Q8_0.

func init() {
	traits[IQ4_NL].Dequantize = dequantizeIQ4_NL
	traits[IQ4_NL].VecDot = vecDotIQ4_NLQ8_0
}

// kvaluesIQ4NL is GGML's kvalues_iq4nl: 16 levels, denser near zero.
var kvaluesIQ4NL = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// dequantizeIQ4_NL is GGML's dequantize_row_iq4_nl: blocks (n/32,) -> x (n,).
func dequantizeIQ4_NL(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[18]byte)(src[i/qk32*18:])
		d := f16At(b[0], b[1])
		y := (*[qk32]float32)(dst[i:])
		for j := 0; j < 16; j++ {
			y[j] = d * float32(kvaluesIQ4NL[b[2+j]&15])
			y[j+16] = d * float32(kvaluesIQ4NL[b[2+j]>>4])
		}
	}
}

// vecDotIQ4_NLQ8_0Ref is ggml_vec_dot_iq4_nl_q8_0_generic, written plainly: the IQ4_NL
// weight row w (n,) · the Q8_0 activation row a (n,) -> float32. Per block the exact
// integer sum of 32 table-value products, then sumf += (da*dw) * sumi in float32.
func vecDotIQ4_NLQ8_0Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*18 : ib*18+18]
		y := a[ib*34 : ib*34+34]
		d := float32(f16At(y[0], y[1]) * f16At(x[0], x[1]))
		var sumi1, sumi2 int32
		for j := 0; j < 16; j++ {
			sumi1 += int32(int8(y[2+j])) * int32(kvaluesIQ4NL[x[2+j]&0xf])
			sumi2 += int32(int8(y[2+j+16])) * int32(kvaluesIQ4NL[x[2+j]>>4])
		}
		sumf += float32(d * float32(sumi1+sumi2))
	}
	return sumf
}

// vecDotIQ4_NLQ8_0 is vecDotIQ4_NLQ8_0Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) IQ4_NL · a (n,) Q8_0 -> float32, bit for bit equal to the reference.
func vecDotIQ4_NLQ8_0(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*18], a[:nb*34]
	kv := &kvaluesIQ4NL
	var sumf float32
	for len(w) >= 18 && len(a) >= 34 {
		x := (*[18]byte)(w)
		y := (*[34]byte)(a)
		var s0, s1, s2, s3 int32
		for j := 2; j < 18; j += 2 {
			b0, b1 := x[j], x[j+1]
			s0 += int32(kv[b0&15]) * int32(int8(y[j]))
			s1 += int32(kv[b0>>4]) * int32(int8(y[j+16]))
			s2 += int32(kv[b1&15]) * int32(int8(y[j+1]))
			s3 += int32(kv[b1>>4]) * int32(int8(y[j+17]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		sumf += float32(float32(f16At(y[0], y[1])*f16At(x[0], x[1])) * float32(sumi))
		w, a = w[18:], a[34:]
	}
	return sumf
}
