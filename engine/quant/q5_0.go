package quant

import "encoding/binary"

// Q5_0 block (22 bytes): fp16 d, 4 bytes qh holding the fifth bit of each element (bit j
// for element j, little-endian), then 16 bytes of low nibbles (byte j: element j low,
// element j+16 high); x = d * (q - 16). Activations: Q8_0.

func init() {
	traits[Q5_0].Dequantize = dequantizeQ5_0
	traits[Q5_0].Quantize = quantizeQ5_0
	traits[Q5_0].VecDot = vecDotQ5_0Q8_0
}

// dequantizeQ5_0 is GGML's dequantize_row_q5_0: blocks (n/32,) -> x (n,).
func dequantizeQ5_0(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[22]byte)(src[i/qk32*22:])
		d := f16At(b[0], b[1])
		qh := binary.LittleEndian.Uint32(b[2:6])
		y := (*[qk32]float32)(dst[i:])
		for j := 0; j < 16; j++ {
			h0 := byte(qh>>j<<4) & 0x10
			h1 := byte(qh>>(j+12)) & 0x10
			y[j] = float32(int32(b[6+j]&15|h0)-16) * d
			y[j+16] = float32(int32(b[6+j]>>4|h1)-16) * d
		}
	}
}

// quantizeQ5_0 is GGML's quantize_row_q5_0_ref: x (n,) -> blocks (n/32,), d = max/-16 where
// max is the value of largest magnitude.
func quantizeQ5_0(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[22]byte)(dst[i/qk32*22:])
		_, max := absMax32(x[:])
		d := max / -16
		var id float32
		if d != 0 {
			id = 1 / d
		}
		putF16(b[0:2], d)
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := uint32(byte(min(31, int32(int8(truncInt(float32(x[j]*id)+16.5))))))
			x1 := uint32(byte(min(31, int32(int8(truncInt(float32(x[j+16]*id)+16.5))))))
			b[6+j] = byte(x0&15 | (x1&15)<<4)
			qh |= (x0 & 0x10) >> 4 << j
			qh |= (x1 & 0x10) >> 4 << (j + 16)
		}
		binary.LittleEndian.PutUint32(b[2:6], qh)
	}
}

// vecDotQ5_0Q8_0Ref is ggml_vec_dot_q5_0_q8_0_generic, written plainly: the Q5_0 weight
// row w (n,) · the Q8_0 activation row a (n,) -> float32. Per block the exact integer sum
// of 32 products, then sumf += (dw*da) * sumi in float32.
func vecDotQ5_0Q8_0Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*22 : ib*22+22]
		y := a[ib*34 : ib*34+34]
		qh := binary.LittleEndian.Uint32(x[2:6])
		var sumi0, sumi1 int32
		for j := 0; j < 16; j++ {
			xh0 := byte((qh&(1<<j))>>j) << 4
			xh1 := byte((qh & (1 << (j + 16))) >> (j + 12))
			x0 := int32(int8(x[6+j]&0x0F|xh0) - 16)
			x1 := int32(int8(x[6+j]>>4|xh1) - 16)
			sumi0 += x0 * int32(int8(y[2+j]))
			sumi1 += x1 * int32(int8(y[2+j+16]))
		}
		sumi := sumi0 + sumi1
		sumf += float32(float32(f16At(x[0], x[1])*f16At(y[0], y[1])) * float32(sumi))
	}
	return sumf
}

// vecDotQ5_0Q8_0 is vecDotQ5_0Q8_0Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) Q5_0 · a (n,) Q8_0 -> float32, bit for bit equal to the reference. The fifth
// bits are spread four at a time from qh.
func vecDotQ5_0Q8_0(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*22], a[:nb*34]
	var sumf float32
	for len(w) >= 22 && len(a) >= 34 {
		x := (*[22]byte)(w)
		y := (*[34]byte)(a)
		lo := uint32(x[2]) | uint32(x[3])<<8 // fifth bits of elements 0..15
		hi := uint32(x[4]) | uint32(x[5])<<8 // fifth bits of elements 16..31
		var s0, s1, s2, s3 int32
		for j := 0; j < 16; j += 2 {
			b0, b1 := x[6+j], x[7+j]
			h := lo >> j
			g := hi >> j
			s0 += (int32(b0&15|byte(h<<4)&16) - 16) * int32(int8(y[2+j]))
			s1 += (int32(b0>>4|byte(g<<4)&16) - 16) * int32(int8(y[18+j]))
			s2 += (int32(b1&15|byte(h<<3)&16) - 16) * int32(int8(y[3+j]))
			s3 += (int32(b1>>4|byte(g<<3)&16) - 16) * int32(int8(y[19+j]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		sumf += float32(float32(f16At(x[0], x[1])*f16At(y[0], y[1])) * float32(sumi))
		w, a = w[22:], a[34:]
	}
	return sumf
}
