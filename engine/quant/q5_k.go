package quant

import (
	"encoding/binary"
	"math"
)

// Q5_K (block_q5_K): Q4_K plus a fifth bit per value; x = d*sc*q - dmin*m with q in
// 0..31. 5.5 bits per weight.
//
//	offset 0   fp16  d
//	offset 2   fp16  dmin
//	offset 4   [12]  scales (as Q4_K: see getScaleMinK4)
//	offset 16  [32]  qh     (byte l, bit 2k: fifth bit of value 64k+l; bit 2k+1: of 64k+32+l)
//	offset 48  [128] qs     (low 4 bits, laid out as Q4_K's)
const (
	blockQ5_K = 2 + 2 + 12 + QK_K/8 + QK_K/2 // 176 bytes
	offQ5_KQh = 16
	offQ5_KQs = 16 + QK_K/8
)

func init() {
	traits[Q5_K].Dequantize = dequantizeQ5_K
	traits[Q5_K].Quantize = quantizeQ5_K
	traits[Q5_K].VecDot = vecDotQ5_KQ8_K
}

// dequantizeQ5_K is dequantize_row_q5_K. src (n/256 blocks) -> dst (n,).
func dequantizeQ5_K(src []byte, dst []float32) {
	nb := len(dst) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[blockQ5_K]byte)(src[i*blockQ5_K:])
		y := (*[QK_K]float32)(dst[i*QK_K:])
		d, dmin := kF16(x[:], 0), kF16(x[:], 2)
		sc := x[offQ4_KScales : offQ4_KScales+12]
		qh := (*[32]byte)(x[offQ5_KQh:])
		for j := 0; j < 4; j++ {
			s1, m1 := getScaleMinK4(2*j, sc)
			s2, m2 := getScaleMinK4(2*j+1, sc)
			d1, mm1 := d*float32(s1), float32(dmin*float32(m1))
			d2, mm2 := d*float32(s2), float32(dmin*float32(m2))
			u1, u2 := byte(1)<<(2*j), byte(2)<<(2*j)
			q := (*[32]byte)(x[offQ5_KQs+32*j:])
			lo := (*[32]float32)(y[64*j:])
			hi := (*[32]float32)(y[64*j+32:])
			for l, b := range q {
				v1, v2 := b&0xF, b>>4
				if qh[l]&u1 != 0 {
					v1 += 16
				}
				if qh[l]&u2 != 0 {
					v2 += 16
				}
				lo[l] = float32(d1*float32(v1)) - mm1
				hi[l] = float32(d2*float32(v2)) - mm2
			}
		}
	}
}

// quantizeQ5_K is quantize_row_q5_K_ref: Q4_K's scheme with 32 levels (makeQkx2Quants
// with rmin -0.5, 15 steps). src (n,) -> dst (n/256 blocks).
func quantizeQ5_K(src []float32, dst []byte) {
	nb := len(src) / QK_K
	var L [QK_K]uint8
	var laux [32]uint8
	var weights [32]float32
	var mins, scales [QK_K / 32]float32
	for i := 0; i < nb; i++ {
		x := (*[QK_K]float32)(src[i*QK_K:])
		y := (*[blockQ5_K]byte)(dst[i*blockQ5_K:])
		var maxScale, maxMin float32
		for j := range scales {
			xs := x[32*j : 32*j+32]
			var sumX2 float32
			for _, v := range xs {
				sumX2 += float32(v * v)
			}
			avX := float32(math.Sqrt(float64(sumX2 / 32)))
			for l, v := range xs {
				weights[l] = avX + kAbs(v)
			}
			scales[j], mins[j] = makeQkx2Quants(32, 31, xs, weights[:], L[32*j:], laux[:], -0.5, 0.1, 15, false)
			maxScale = max(maxScale, scales[j])
			maxMin = max(maxMin, mins[j])
		}
		storeScaleMinK4(y[:], maxScale, maxMin, &scales, &mins)
		requantizeK4(x, y[:], &L, 31)
		qh := y[offQ5_KQh : offQ5_KQh+32]
		clear(qh)
		for j := 0; j < 4; j++ {
			ql := y[offQ5_KQs+32*j : offQ5_KQs+32*j+32]
			m1, m2 := byte(1)<<(2*j), byte(2)<<(2*j)
			for l := 0; l < 32; l++ {
				l1, l2 := L[64*j+l], L[64*j+l+32]
				if l1 > 15 {
					l1 -= 16
					qh[l] |= m1
				}
				if l2 > 15 {
					l2 -= 16
					qh[l] |= m2
				}
				ql[l] = l1 | l2<<4
			}
		}
	}
}

// vecDotQ5_KQ8_KRef is ggml_vec_dot_q5_K_q8_K_generic, kept plain as the reference (the
// Q4_K reference with the fifth bit added to each quant).
// w (n,) Q5_K · a (n,) Q8_K -> float32.
func vecDotQ5_KQ8_KRef(n int, w, a []byte) float32 {
	nb := n / QK_K
	var aux8 [QK_K]int8
	var aux16 [8]int16
	var aux32 [8]int32
	var sums [8]float32
	var sumf float32
	for i := 0; i < nb; i++ {
		x := w[i*blockQ5_K : (i+1)*blockQ5_K]
		y := a[i*blockQ8_K : (i+1)*blockQ8_K]
		q4 := x[offQ5_KQs:]
		hm := x[offQ5_KQh:]
		q8 := y[offQ8_KQs:]
		clear(aux32[:])
		m := byte(1)
		for j := 0; j < QK_K/64; j++ {
			for l := 0; l < 32; l++ {
				aux8[64*j+l] = int8(q4[32*j+l] & 0xF)
				if hm[l]&m != 0 {
					aux8[64*j+l] += 16
				}
			}
			m <<= 1
			for l := 0; l < 32; l++ {
				aux8[64*j+32+l] = int8(q4[32*j+l] >> 4)
				if hm[l]&m != 0 {
					aux8[64*j+32+l] += 16
				}
			}
			m <<= 1
		}
		scales, mins := unpackScaleMinK4((*[12]byte)(x[offQ4_KScales:]))
		var sumi int32
		for j := 0; j < QK_K/16; j++ {
			sumi += int32(kBsum(y, j)) * int32(mins[j/2])
		}
		k := 0
		for j := 0; j < QK_K/32; j++ {
			scale := int32(scales[j])
			for g := 0; g < 4; g++ {
				for l := 0; l < 8; l++ {
					aux16[l] = int16(int8(q8[k+l])) * int16(aux8[k+l])
				}
				for l := 0; l < 8; l++ {
					aux32[l] += scale * int32(aux16[l])
				}
				k += 8
			}
		}
		d := kF16(x, 0) * kF32(y, 0)
		for l := 0; l < 8; l++ {
			sums[l] += float32(d * float32(aux32[l]))
		}
		dmin := kF16(x, 2) * kF32(y, 0)
		sumf -= float32(dmin * float32(sumi))
	}
	for l := 0; l < 8; l++ {
		sumf += sums[l]
	}
	return sumf
}

// vecDotQ5_KQ8_K is the fast path of vecDotQ5_KQ8_KRef, equal to it bit for bit (built as
// vecDotQ4_KQ8_K, with the fifth bits of each span shifted into place eight at a time).
// w (n,) Q5_K · a (n,) Q8_K -> float32.
func vecDotQ5_KQ8_K(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sums [8]float32
	var sumf float32
	for i := 0; i < nb; i++ {
		x := (*[blockQ5_K]byte)(w[i*blockQ5_K:])
		y := (*[blockQ8_K]byte)(a[i*blockQ8_K:])
		var acc [8]int
		sumi := dotQ5_KBlock(x, y, &acc)
		dy := kF32(y[:], 0)
		d := kF16(x[:], 0) * dy
		for l, v := range acc {
			sums[l] += float32(d * float32(v))
		}
		dmin := kF16(x[:], 2) * dy
		sumf -= float32(dmin * float32(sumi))
	}
	for _, s := range sums {
		sumf += s
	}
	return sumf
}

// dotQ5_KBlock adds the integer products sc*q*y of one super-block to the lane sums and
// returns Σ m*bsum. x (176 bytes) · y (292 bytes).
func dotQ5_KBlock(x *[blockQ5_K]byte, y *[blockQ8_K]byte, acc *[8]int) int {
	scales, mins := unpackScaleMinK4((*[12]byte)(x[offQ4_KScales:]))
	qh := (*[32]byte)(x[offQ5_KQh:])
	var hb [32]byte
	for j := 0; j < 4; j++ {
		// hb: the fifth bits of span j in bits 0 (low nibbles) and 1 (high nibbles),
		// shifted into place eight bytes at a time.
		for g := 0; g < 4; g++ {
			binary.LittleEndian.PutUint64(hb[8*g:], binary.LittleEndian.Uint64(qh[8*g:])>>(2*j)&0x0303030303030303)
		}
		dotQ5_KSpan((*[32]byte)(x[offQ5_KQs+32*j:]), &hb, (*[32]byte)(y[offQ8_KQs+64*j:]),
			(*[32]byte)(y[offQ8_KQs+64*j+32:]), int(scales[2*j]), int(scales[2*j+1]), acc)
	}
	return int(kBsumsDotPairs(y, &mins))
}

// dotQ5_KSpan adds s1*Σ lo*ylo + s2*Σ hi*yhi over 64 values to the lane sums: lo is the
// low nibble of q plus bit 0 of hb as the fifth bit, hi the high nibble plus bit 1.
// Lane l takes positions l, l+8, l+16, l+24; every index is a constant.
func dotQ5_KSpan(q, hb, ylo, yhi *[32]byte, s1, s2 int, acc *[8]int) {
	acc[0] += s1*(q5kLo(q, hb, ylo, 0)+q5kLo(q, hb, ylo, 16)) + s2*(q5kHi(q, hb, yhi, 0)+q5kHi(q, hb, yhi, 16))
	acc[1] += s1*(q5kLo(q, hb, ylo, 1)+q5kLo(q, hb, ylo, 17)) + s2*(q5kHi(q, hb, yhi, 1)+q5kHi(q, hb, yhi, 17))
	acc[2] += s1*(q5kLo(q, hb, ylo, 2)+q5kLo(q, hb, ylo, 18)) + s2*(q5kHi(q, hb, yhi, 2)+q5kHi(q, hb, yhi, 18))
	acc[3] += s1*(q5kLo(q, hb, ylo, 3)+q5kLo(q, hb, ylo, 19)) + s2*(q5kHi(q, hb, yhi, 3)+q5kHi(q, hb, yhi, 19))
	acc[4] += s1*(q5kLo(q, hb, ylo, 4)+q5kLo(q, hb, ylo, 20)) + s2*(q5kHi(q, hb, yhi, 4)+q5kHi(q, hb, yhi, 20))
	acc[5] += s1*(q5kLo(q, hb, ylo, 5)+q5kLo(q, hb, ylo, 21)) + s2*(q5kHi(q, hb, yhi, 5)+q5kHi(q, hb, yhi, 21))
	acc[6] += s1*(q5kLo(q, hb, ylo, 6)+q5kLo(q, hb, ylo, 22)) + s2*(q5kHi(q, hb, yhi, 6)+q5kHi(q, hb, yhi, 22))
	acc[7] += s1*(q5kLo(q, hb, ylo, 7)+q5kLo(q, hb, ylo, 23)) + s2*(q5kHi(q, hb, yhi, 7)+q5kHi(q, hb, yhi, 23))
}

// q5kLo is Σ (q[i]&15 | (hb[i]&1)<<4) * y[i] over i = l, l+8 (inlined, constant l).
func q5kLo(q, hb, y *[32]byte, l int) int {
	return (int(q[l])&15|int(hb[l])&1<<4)*int(int8(y[l])) +
		(int(q[l+8])&15|int(hb[l+8])&1<<4)*int(int8(y[l+8]))
}

// q5kHi is Σ (q[i]>>4 | (hb[i]&2)<<3) * y[i] over i = l, l+8 (inlined, constant l).
func q5kHi(q, hb, y *[32]byte, l int) int {
	return (int(q[l])>>4|int(hb[l])&2<<3)*int(int8(y[l])) +
		(int(q[l+8])>>4|int(hb[l+8])&2<<3)*int(int8(y[l+8]))
}
