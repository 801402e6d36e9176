package quant

import "encoding/binary"

// BF16: little-endian bfloat16 (the top half of a float32), one element a "block".
// Activations: BF16. The dot product widens both operands to float32 and multiplies and
// adds in float32, in the eight lanes described in f32.go.

func init() {
	traits[BF16].Dequantize = dequantizeBF16
	traits[BF16].Quantize = quantizeBF16
	traits[BF16].VecDot = vecDotBF16
}

// dequantizeBF16: bf16 bytes (2n,) -> x (n,), exact.
func dequantizeBF16(src []byte, dst []float32) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// quantizeBF16: x (n,) -> bf16 bytes (2n,), rounding to nearest even.
func quantizeBF16(src []float32, dst []byte) {
	dst = dst[:2*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(v))
	}
}

func bf16Elem(b []byte, i int) float32 { return BF16ToF32(binary.LittleEndian.Uint16(b[2*i:])) }

func bf16At(b0, b1 byte) float32 { return BF16ToF32(uint16(b0) | uint16(b1)<<8) }

// vecDotBF16Ref: the BF16 row w (n,) · the BF16 row a (n,) -> float32, in eight lanes.
func vecDotBF16Ref(n int, w, a []byte) float32 {
	var lane [dotLanes]float32
	m := n &^ (dotLanes - 1)
	for i := 0; i < m; i++ {
		lane[i%dotLanes] += float32(bf16Elem(w, i) * bf16Elem(a, i))
	}
	sum := sumLanes(&lane)
	for i := m; i < n; i++ {
		sum += float32(bf16Elem(w, i) * bf16Elem(a, i))
	}
	return sum
}

// vecDotBF16 is vecDotBF16Ref with the lanes in registers: w (n,) BF16 · a (n,) BF16 ->
// float32, bit for bit equal to the reference.
func vecDotBF16(n int, w, a []byte) float32 {
	w, a = w[:2*n], a[:2*n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(w) >= 16 && len(a) >= 16 {
		x := (*[16]byte)(w)
		y := (*[16]byte)(a)
		s0 += float32(bf16At(x[0], x[1]) * bf16At(y[0], y[1]))
		s1 += float32(bf16At(x[2], x[3]) * bf16At(y[2], y[3]))
		s2 += float32(bf16At(x[4], x[5]) * bf16At(y[4], y[5]))
		s3 += float32(bf16At(x[6], x[7]) * bf16At(y[6], y[7]))
		s4 += float32(bf16At(x[8], x[9]) * bf16At(y[8], y[9]))
		s5 += float32(bf16At(x[10], x[11]) * bf16At(y[10], y[11]))
		s6 += float32(bf16At(x[12], x[13]) * bf16At(y[12], y[13]))
		s7 += float32(bf16At(x[14], x[15]) * bf16At(y[14], y[15]))
		w, a = w[16:], a[16:]
	}
	l := [dotLanes]float32{s0, s1, s2, s3, s4, s5, s6, s7}
	sum := sumLanes(&l)
	for len(w) >= 2 && len(a) >= 2 {
		sum += float32(bf16At(w[0], w[1]) * bf16At(a[0], a[1]))
		w, a = w[2:], a[2:]
	}
	return sum
}
