package quant

import (
	"encoding/binary"
	"math"
)

// F32: plain little-endian float32, one element a "block". Activations: F32.
//
// The float dot products (F32, F16, BF16) keep eight float32 partial sums, like one 8-wide
// SIMD register in ggml's vec_dot_f32/f16/bf16: lane k accumulates the products of
// elements k, k+8, k+16, … of the first n&^7 elements; the lanes are then added as
// hsum_float_8 does, ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)), and the leftover n%8
// products are added one by one. Products are rounded to float32 before they are added
// (no fused multiply-add), so every platform gives the same bits.

func init() {
	traits[F32].Dequantize = dequantizeF32
	traits[F32].Quantize = quantizeF32
	traits[F32].VecDot = vecDotF32
}

// dotLanes is the number of float32 partial sums of the float dot products.
const dotLanes = 8

// sumLanes adds the eight partial sums in hsum_float_8's order.
func sumLanes(l *[dotLanes]float32) float32 {
	return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

func f32At(b []byte, i int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])) }

// dequantizeF32: little-endian bytes (4n,) -> x (n,).
func dequantizeF32(src []byte, dst []float32) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// quantizeF32: x (n,) -> little-endian bytes (4n,).
func quantizeF32(src []float32, dst []byte) {
	dst = dst[:4*len(src)]
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

// vecDotF32Ref: the F32 row w (n,) · the F32 row a (n,) -> float32, in eight lanes.
func vecDotF32Ref(n int, w, a []byte) float32 {
	var lane [dotLanes]float32
	m := n &^ (dotLanes - 1)
	for i := 0; i < m; i++ {
		lane[i%dotLanes] += float32(f32At(w, i) * f32At(a, i))
	}
	sum := sumLanes(&lane)
	for i := m; i < n; i++ {
		sum += float32(f32At(w, i) * f32At(a, i))
	}
	return sum
}

// vecDotF32 is vecDotF32Ref with the lanes in registers: w (n,) F32 · a (n,) F32 ->
// float32, bit for bit equal to the reference.
func vecDotF32(n int, w, a []byte) float32 {
	w, a = w[:4*n], a[:4*n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(w) >= 32 && len(a) >= 32 {
		x := (*[32]byte)(w)
		y := (*[32]byte)(a)
		s0 += float32(le32f(x[0:4]) * le32f(y[0:4]))
		s1 += float32(le32f(x[4:8]) * le32f(y[4:8]))
		s2 += float32(le32f(x[8:12]) * le32f(y[8:12]))
		s3 += float32(le32f(x[12:16]) * le32f(y[12:16]))
		s4 += float32(le32f(x[16:20]) * le32f(y[16:20]))
		s5 += float32(le32f(x[20:24]) * le32f(y[20:24]))
		s6 += float32(le32f(x[24:28]) * le32f(y[24:28]))
		s7 += float32(le32f(x[28:32]) * le32f(y[28:32]))
		w, a = w[32:], a[32:]
	}
	l := [dotLanes]float32{s0, s1, s2, s3, s4, s5, s6, s7}
	sum := sumLanes(&l)
	for len(w) >= 4 && len(a) >= 4 {
		sum += float32(le32f(w) * le32f(a))
		w, a = w[4:], a[4:]
	}
	return sum
}

func le32f(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }
