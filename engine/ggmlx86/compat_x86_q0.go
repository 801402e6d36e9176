package ggmlx86

import (
	"encoding/binary"
	"hearth/engine/quant"
)

// x86 dot products of the 32-element block types (see compat_x86.go for the conventions).

// decodeQ32 expands one weight block of a 32-element type to its integer quants in element
// order (element j of the first half is the low nibble of byte j, element j+16 the high
// nibble) and returns its fp16 scale d and, for Q4_1/Q5_1, its fp16 minimum m.
func decodeQ32(t quant.Type, b []byte, q *[32]int32) (d, m float32) {
	d = f16At(b[0], b[1])
	switch t {
	case quant.Q8_0:
		for j := range q {
			q[j] = int32(int8(b[2+j]))
		}
	case quant.Q4_0, quant.IQ4_NL:
		for j := 0; j < 16; j++ {
			lo, hi := int32(b[2+j]&15), int32(b[2+j]>>4)
			if t == quant.IQ4_NL {
				q[j], q[j+16] = int32(quant.IQ4NLValues[lo]), int32(quant.IQ4NLValues[hi])
			} else {
				q[j], q[j+16] = lo-8, hi-8
			}
		}
	case quant.Q4_1:
		m = f16At(b[2], b[3])
		for j := 0; j < 16; j++ {
			q[j], q[j+16] = int32(b[4+j]&15), int32(b[4+j]>>4)
		}
	case quant.Q5_0, quant.Q5_1:
		off, bias := 2, int32(16)
		if t == quant.Q5_1 {
			m = f16At(b[2], b[3])
			off, bias = 4, 0
		}
		qh := binary.LittleEndian.Uint32(b[off:])
		qs := b[off+4:]
		for j := 0; j < 16; j++ {
			q[j] = int32(qs[j]&15|byte(qh>>j&1)<<4) - bias
			q[j+16] = int32(qs[j]>>4|byte(qh>>(j+16)&1)<<4) - bias
		}
	}
	return d, m
}

// lanesQ32 sums w[e]*a[e] four adjacent elements per lane: lanes[l] covers 4l..4l+3
// (mul_sum_i8_pairs_float / mul_sum_us8_pairs_float before the float conversion).
func lanesQ32(w *[32]int32, a []byte, lanes *[8]int32) {
	for l := range lanes {
		var s int32
		for e := 4 * l; e < 4*l+4; e++ {
			s += w[e] * int32(int8(a[e]))
		}
		lanes[l] = s
	}
}

// dotQ0X86 is ggml_vec_dot_{q8_0,q4_0,q5_0}_q8_0 on AVX2/AVX-512, and also what tinyBLAS_Q0_AVX
// computes for one output of those types (and IQ4_NL): w (n,) · a (n,) Q8_0 -> float32.
// Per block acc = fma(dw*da, lanes, acc); the result is hsum_float_8(acc).
func dotQ0X86(t quant.Type, n int, w, a []byte) float32 {
	bw := blockBytes(t)
	var acc [8]float32
	var q [32]int32
	var lanes [8]int32
	for ib := 0; ib < n/32; ib++ {
		dw, _ := decodeQ32(t, w[ib*bw:(ib+1)*bw], &q)
		y := a[ib*34 : ib*34+34]
		lanesQ32(&q, y[2:], &lanes)
		fmaLanes(&acc, float32(dw*f16At(y[0], y[1])), &lanes)
	}
	return hsum8(&acc)
}

// dotQ1X86 is ggml_vec_dot_q4_1_q8_1 and ggml_vec_dot_q5_1_q8_1 on AVX2: w (n,) · a (n,)
// Q8_1 -> float32. Per block summs = fma(m, s, summs) (GCC contracts "summs += m*s"),
// acc = fma(dw*da, lanes, acc); the result is hsum_float_8(acc) + summs.
func dotQ1X86(t quant.Type, n int, w, a []byte) float32 {
	bw := blockBytes(t)
	var acc [8]float32
	var summs float32
	var q [32]int32
	var lanes [8]int32
	for ib := 0; ib < n/32; ib++ {
		dw, m := decodeQ32(t, w[ib*bw:(ib+1)*bw], &q)
		y := a[ib*36 : ib*36+36]
		summs = fmaF32(m, f16At(y[2], y[3]), summs)
		lanesQ32(&q, y[4:], &lanes)
		fmaLanes(&acc, float32(dw*f16At(y[0], y[1])), &lanes)
	}
	return hsum8(&acc) + summs
}

// dotIQ4_NLX86 is ggml_vec_dot_iq4_nl_q8_0 on AVX2: w (n,) IQ4_NL · a (n,) Q8_0 -> float32.
// Blocks go in pairs to two accumulators (even blocks to the first), which are added lane by
// lane and reduced with hsum_float_8; an odd last block is added in scalar code,
// sumf = fma(da*dw, sumi, sumf).
func dotIQ4_NLX86(n int, w, a []byte) float32 {
	nb := n / 32
	var acc [2][8]float32
	var q [32]int32
	var lanes [8]int32
	ib := 0
	for ; ib+1 < nb; ib += 2 {
		for k := 0; k < 2; k++ {
			dw, _ := decodeQ32(quant.IQ4_NL, w[(ib+k)*18:], &q)
			y := a[(ib+k)*34 : (ib+k)*34+34]
			lanesQ32(&q, y[2:], &lanes)
			fmaLanes(&acc[k], float32(f16At(y[0], y[1])*dw), &lanes)
		}
	}
	var sum [8]float32
	for l := range sum {
		sum[l] = acc[0][l] + acc[1][l]
	}
	sumf := hsum8(&sum)
	for ; ib < nb; ib++ {
		dw, _ := decodeQ32(quant.IQ4_NL, w[ib*18:], &q)
		y := a[ib*34 : ib*34+34]
		var sumi int32
		for e := range q {
			sumi += q[e] * int32(int8(y[2+e]))
		}
		sumf = fmaF32(float32(f16At(y[0], y[1])*dw), float32(sumi), sumf)
	}
	return sumf
}
