package quant

import "encoding/binary"

// Q5_1 block (24 bytes): fp16 d, fp16 m, 4 bytes qh holding the fifth bit of each element
// (bit j for element j, little-endian), then 16 bytes of low nibbles (byte j: element j
// low, element j+16 high); x = d*q + m. Activations: Q8_1.

func init() {
	traits[Q5_1].Dequantize = dequantizeQ5_1
	traits[Q5_1].Quantize = quantizeQ5_1
	traits[Q5_1].VecDot = vecDotQ5_1Q8_1
}

// dequantizeQ5_1 is GGML's dequantize_row_q5_1: blocks (n/32,) -> x (n,).
func dequantizeQ5_1(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[24]byte)(src[i/qk32*24:])
		d, m := f16At(b[0], b[1]), f16At(b[2], b[3])
		qh := binary.LittleEndian.Uint32(b[4:8])
		y := (*[qk32]float32)(dst[i:])
		for j := 0; j < 16; j++ {
			h0 := byte(qh>>j<<4) & 0x10
			h1 := byte(qh>>(j+12)) & 0x10
			y[j] = float32(float32(b[8+j]&15|h0)*d) + m
			y[j+16] = float32(float32(b[8+j]>>4|h1)*d) + m
		}
	}
}

// quantizeQ5_1 is GGML's quantize_row_q5_1_ref: x (n,) -> blocks (n/32,), d = (max-min)/31,
// m = min, q = (x-min)/d rounded half up.
func quantizeQ5_1(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[24]byte)(dst[i/qk32*24:])
		lo, hi := minMax32(x[:])
		d := (hi - lo) / 31
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:2], d)
		putF16(b[2:4], lo)
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := uint32(byte(truncInt(float32((x[j]-lo)*id) + 0.5)))
			x1 := uint32(byte(truncInt(float32((x[j+16]-lo)*id) + 0.5)))
			b[8+j] = byte(x0&15 | (x1&15)<<4)
			qh |= (x0 & 0x10) >> 4 << j
			qh |= (x1 & 0x10) >> 4 << (j + 16)
		}
		binary.LittleEndian.PutUint32(b[4:8], qh)
	}
}

// vecDotQ5_1Q8_1Ref is ggml_vec_dot_q5_1_q8_1_generic, written plainly: the Q5_1 weight
// row w (n,) · the Q8_1 activation row a (n,) -> float32. Per block the exact integer sum
// of 32 products, then sumf += (dw*da)*sumi + mw*sa in float32, in that order.
func vecDotQ5_1Q8_1Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*24 : ib*24+24]
		y := a[ib*36 : ib*36+36]
		qh := binary.LittleEndian.Uint32(x[4:8])
		var sumi0, sumi1 int32
		for j := 0; j < 16; j++ {
			xh0 := byte(qh>>j<<4) & 0x10
			xh1 := byte(qh>>(j+12)) & 0x10
			x0 := int32(x[8+j]&0xF | xh0)
			x1 := int32(x[8+j]>>4 | xh1)
			sumi0 += x0 * int32(int8(y[4+j]))
			sumi1 += x1 * int32(int8(y[4+j+16]))
		}
		sumi := sumi0 + sumi1
		dd := float32(f16At(x[0], x[1]) * f16At(y[0], y[1]))
		ms := float32(f16At(x[2], x[3]) * f16At(y[2], y[3]))
		sumf += float32(float32(dd*float32(sumi)) + ms)
	}
	return sumf
}

// vecDotQ5_1Q8_1 is vecDotQ5_1Q8_1Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) Q5_1 · a (n,) Q8_1 -> float32, bit for bit equal to the reference.
func vecDotQ5_1Q8_1(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*24], a[:nb*36]
	var sumf float32
	for len(w) >= 24 && len(a) >= 36 {
		x := (*[24]byte)(w)
		y := (*[36]byte)(a)
		lo := uint32(x[4]) | uint32(x[5])<<8 // fifth bits of elements 0..15
		hi := uint32(x[6]) | uint32(x[7])<<8 // fifth bits of elements 16..31
		var s0, s1, s2, s3 int32
		for j := 0; j < 16; j += 2 {
			b0, b1 := x[8+j], x[9+j]
			h := lo >> j
			g := hi >> j
			s0 += int32(b0&15|byte(h<<4)&16) * int32(int8(y[4+j]))
			s1 += int32(b0>>4|byte(g<<4)&16) * int32(int8(y[20+j]))
			s2 += int32(b1&15|byte(h<<3)&16) * int32(int8(y[5+j]))
			s3 += int32(b1>>4|byte(g<<3)&16) * int32(int8(y[21+j]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		dd := float32(f16At(x[0], x[1]) * f16At(y[0], y[1]))
		ms := float32(f16At(x[2], x[3]) * f16At(y[2], y[3]))
		sumf += float32(float32(dd*float32(sumi)) + ms)
		w, a = w[24:], a[36:]
	}
	return sumf
}
