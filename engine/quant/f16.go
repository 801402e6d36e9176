package quant

import "encoding/binary"

// F16: little-endian IEEE half precision, one element a "block". Activations: F16. The dot
// product converts both operands to float32 and multiplies and adds in float32 (as ggml
// does with F16C), in the eight lanes described in f32.go.

func init() {
	traits[F16].Dequantize = dequantizeF16
	traits[F16].Quantize = quantizeF16
	traits[F16].VecDot = vecDotF16
}

// dequantizeF16: fp16 bytes (2n,) -> x (n,), exact.
func dequantizeF16(src []byte, dst []float32) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// quantizeF16: x (n,) -> fp16 bytes (2n,), rounding to nearest even.
func quantizeF16(src []float32, dst []byte) {
	dst = dst[:2*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToF16(v))
	}
}

func f16Elem(b []byte, i int) float32 { return F16ToF32(binary.LittleEndian.Uint16(b[2*i:])) }

// vecDotF16Ref: the F16 row w (n,) · the F16 row a (n,) -> float32, in eight lanes.
func vecDotF16Ref(n int, w, a []byte) float32 {
	var lane [dotLanes]float32
	m := n &^ (dotLanes - 1)
	for i := 0; i < m; i++ {
		lane[i%dotLanes] += float32(f16Elem(w, i) * f16Elem(a, i))
	}
	sum := sumLanes(&lane)
	for i := m; i < n; i++ {
		sum += float32(f16Elem(w, i) * f16Elem(a, i))
	}
	return sum
}

// vecDotF16 is vecDotF16Ref with the lanes in registers: w (n,) F16 · a (n,) F16 ->
// float32, bit for bit equal to the reference.
func vecDotF16(n int, w, a []byte) float32 {
	w, a = w[:2*n], a[:2*n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(w) >= 16 && len(a) >= 16 {
		x := (*[16]byte)(w)
		y := (*[16]byte)(a)
		s0 += float32(f16At(x[0], x[1]) * f16At(y[0], y[1]))
		s1 += float32(f16At(x[2], x[3]) * f16At(y[2], y[3]))
		s2 += float32(f16At(x[4], x[5]) * f16At(y[4], y[5]))
		s3 += float32(f16At(x[6], x[7]) * f16At(y[6], y[7]))
		s4 += float32(f16At(x[8], x[9]) * f16At(y[8], y[9]))
		s5 += float32(f16At(x[10], x[11]) * f16At(y[10], y[11]))
		s6 += float32(f16At(x[12], x[13]) * f16At(y[12], y[13]))
		s7 += float32(f16At(x[14], x[15]) * f16At(y[14], y[15]))
		w, a = w[16:], a[16:]
	}
	l := [dotLanes]float32{s0, s1, s2, s3, s4, s5, s6, s7}
	sum := sumLanes(&l)
	for len(w) >= 2 && len(a) >= 2 {
		sum += float32(f16At(w[0], w[1]) * f16At(a[0], a[1]))
		w, a = w[2:], a[2:]
	}
	return sum
}
