package quant

import "math"

// Q4_K (block_q4_K): super-blocks of 256 values in 8 sub-blocks of 32, each with a 6-bit
// scale and a 6-bit min; x = d*sc*q - dmin*m with q in 0..15. 4.5 bits per weight.
//
//	offset 0   fp16  d      (scale of the sub-block scales)
//	offset 2   fp16  dmin   (scale of the sub-block mins)
//	offset 4   [12]  scales (8 scale/min pairs, 6 bits each: see getScaleMinK4)
//	offset 16  [128] qs     (bytes 32k..32k+31: low nibbles are values 64k..64k+31,
//	                         high nibbles values 64k+32..64k+63)
const (
	blockQ4_K     = 2 + 2 + 12 + QK_K/2 // 144 bytes
	offQ4_KScales = 4
	offQ4_KQs     = 16
)

func init() {
	traits[Q4_K].Dequantize = dequantizeQ4_K
	traits[Q4_K].Quantize = quantizeQ4_K
	traits[Q4_K].VecDot = vecDotQ4_KQ8_K
}

// dequantizeQ4_K is dequantize_row_q4_K. src (n/256 blocks) -> dst (n,).
func dequantizeQ4_K(src []byte, dst []float32) {
	nb := len(dst) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[blockQ4_K]byte)(src[i*blockQ4_K:])
		y := (*[QK_K]float32)(dst[i*QK_K:])
		d, dmin := kF16(x[:], 0), kF16(x[:], 2)
		sc := x[offQ4_KScales : offQ4_KScales+12]
		for j := 0; j < 4; j++ {
			s1, m1 := getScaleMinK4(2*j, sc)
			s2, m2 := getScaleMinK4(2*j+1, sc)
			d1, mm1 := d*float32(s1), float32(dmin*float32(m1))
			d2, mm2 := d*float32(s2), float32(dmin*float32(m2))
			q := (*[32]byte)(x[offQ4_KQs+32*j:])
			lo := (*[32]float32)(y[64*j:])
			hi := (*[32]float32)(y[64*j+32:])
			for l, b := range q {
				lo[l] = float32(d1*float32(b&0xF)) - mm1
				hi[l] = float32(d2*float32(b>>4)) - mm2
			}
		}
	}
}

// quantizeQ4_K is quantize_row_q4_K_ref (what llama-quantize uses without an imatrix):
// each sub-block gets a scale and min from makeQkx2Quants weighted by rms(x)+|x|, the
// 8 scales and 8 mins are quantized to 6 bits against their maxima (d = max/63), then
// every value is requantized with the stored scales. src (n,) -> dst (n/256 blocks).
func quantizeQ4_K(src []float32, dst []byte) {
	nb := len(src) / QK_K
	var L [QK_K]uint8
	var laux [32]uint8
	var weights [32]float32
	var mins, scales [QK_K / 32]float32
	for i := 0; i < nb; i++ {
		x := (*[QK_K]float32)(src[i*QK_K:])
		y := (*[blockQ4_K]byte)(dst[i*blockQ4_K:])
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
			scales[j], mins[j] = makeQkx2Quants(32, 15, xs, weights[:], L[32*j:], laux[:], -1, 0.1, 20, false)
			maxScale = max(maxScale, scales[j])
			maxMin = max(maxMin, mins[j])
		}
		storeScaleMinK4(y[:], maxScale, maxMin, &scales, &mins)
		requantizeK4(x, y[:], &L, 15)
		q := y[offQ4_KQs:]
		for j := 0; j < QK_K; j += 64 {
			for l := 0; l < 32; l++ {
				q[j/2+l] = L[j+l] | L[j+l+32]<<4
			}
		}
	}
}

// storeScaleMinK4 writes d = maxScale/63, dmin = maxMin/63 and the 6-bit scales and mins
// of a Q4_K/Q5_K block (the two share their first 16 bytes).
func storeScaleMinK4(y []byte, maxScale, maxMin float32, scales, mins *[8]float32) {
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	sc := y[offQ4_KScales : offQ4_KScales+12]
	clear(sc)
	for j := range scales {
		ls := min(63, uint8(kNearestInt(float32(invScale*scales[j]))))
		lm := min(63, uint8(kNearestInt(float32(invMin*mins[j]))))
		packScaleMinK4(sc, j, ls, lm)
	}
	kPutF16(y, 0, maxScale/63)
	kPutF16(y, 2, maxMin/63)
}

// requantizeK4 rounds each value of a Q4_K/Q5_K super-block to the level (0..nmax) of the
// scale and min stored in y, leaving L untouched in sub-blocks whose scale is 0.
func requantizeK4(x *[QK_K]float32, y []byte, L *[QK_K]uint8, nmax int) {
	d, dmin := kF16(y, 0), kF16(y, 2)
	for j := 0; j < QK_K/32; j++ {
		sc, m := getScaleMinK4(j, y[offQ4_KScales:offQ4_KScales+12])
		dj := d * float32(sc)
		if dj == 0 {
			continue
		}
		dm := float32(dmin * float32(m))
		for ii := 0; ii < 32; ii++ {
			l := kNearestInt((x[32*j+ii] + dm) / dj)
			L[32*j+ii] = uint8(max(0, min(nmax, l)))
		}
	}
}

// vecDotQ4_KQ8_KRef is ggml_vec_dot_q4_K_q8_K_generic, kept plain as the reference:
// quants expanded to int8, int16 products, eight int32 lane sums per super-block, eight
// float32 lane accumulators, the mins applied through the Q8_K block sums.
// w (n,) Q4_K · a (n,) Q8_K -> float32.
func vecDotQ4_KQ8_KRef(n int, w, a []byte) float32 {
	nb := n / QK_K
	var aux8 [QK_K]int8
	var aux16 [8]int16
	var aux32 [8]int32
	var sums [8]float32
	var sumf float32
	for i := 0; i < nb; i++ {
		x := w[i*blockQ4_K : (i+1)*blockQ4_K]
		y := a[i*blockQ8_K : (i+1)*blockQ8_K]
		q4 := x[offQ4_KQs:]
		q8 := y[offQ8_KQs:]
		clear(aux32[:])
		for j := 0; j < QK_K/64; j++ {
			for l := 0; l < 32; l++ {
				aux8[64*j+l] = int8(q4[32*j+l] & 0xF)
				aux8[64*j+32+l] = int8(q4[32*j+l] >> 4)
			}
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

// vecDotQ4_KQ8_K is the fast path of vecDotQ4_KQ8_KRef, equal to it bit for bit: the
// integer work of each super-block in leaf functions with constant indices (dotQ4_KBlock),
// the eight lane sums (lane = index mod 8) kept so the float32 accumulation matches the
// reference exactly. w (n,) Q4_K · a (n,) Q8_K -> float32.
func vecDotQ4_KQ8_K(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sums [8]float32
	var sumf float32
	for i := 0; i < nb; i++ {
		x := (*[blockQ4_K]byte)(w[i*blockQ4_K:])
		y := (*[blockQ8_K]byte)(a[i*blockQ8_K:])
		var acc [8]int
		sumi := dotQ4_KBlock(x, y, &acc)
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

// dotQ4_KBlock adds the integer products sc*q*y of one super-block to the lane sums and
// returns Σ m*bsum (the min correction). Scales unpacked once; each span of 64 values
// reads every quant byte once for its two nibbles. x (144 bytes) · y (292 bytes).
func dotQ4_KBlock(x *[blockQ4_K]byte, y *[blockQ8_K]byte, acc *[8]int) int {
	scales, mins := unpackScaleMinK4((*[12]byte)(x[offQ4_KScales:]))
	for j := 0; j < 4; j++ {
		dotQ4_KSpan((*[32]byte)(x[offQ4_KQs+32*j:]), (*[32]byte)(y[offQ8_KQs+64*j:]),
			(*[32]byte)(y[offQ8_KQs+64*j+32:]), int(scales[2*j]), int(scales[2*j+1]), acc)
	}
	return int(kBsumsDotPairs(y, &mins))
}

// dotQ4_KSpan adds s1*Σ lo(q)*ylo + s2*Σ hi(q)*yhi over 64 values to the lane sums, lane l
// taking positions l, l+8, l+16, l+24. Unrolled: every index is a constant.
func dotQ4_KSpan(q, ylo, yhi *[32]byte, s1, s2 int, acc *[8]int) {
	acc[0] += s1*q4kLo(q, ylo, 0) + s2*q4kHi(q, yhi, 0)
	acc[1] += s1*q4kLo(q, ylo, 1) + s2*q4kHi(q, yhi, 1)
	acc[2] += s1*q4kLo(q, ylo, 2) + s2*q4kHi(q, yhi, 2)
	acc[3] += s1*q4kLo(q, ylo, 3) + s2*q4kHi(q, yhi, 3)
	acc[4] += s1*q4kLo(q, ylo, 4) + s2*q4kHi(q, yhi, 4)
	acc[5] += s1*q4kLo(q, ylo, 5) + s2*q4kHi(q, yhi, 5)
	acc[6] += s1*q4kLo(q, ylo, 6) + s2*q4kHi(q, yhi, 6)
	acc[7] += s1*q4kLo(q, ylo, 7) + s2*q4kHi(q, yhi, 7)
}

// q4kLo is Σ (q[i]&15)*y[i] over i = l, l+8, l+16, l+24 (inlined with a constant l).
func q4kLo(q, y *[32]byte, l int) int {
	return int(q[l]&15)*int(int8(y[l])) + int(q[l+8]&15)*int(int8(y[l+8])) +
		int(q[l+16]&15)*int(int8(y[l+16])) + int(q[l+24]&15)*int(int8(y[l+24]))
}

// q4kHi is Σ (q[i]>>4)*y[i] over i = l, l+8, l+16, l+24 (inlined with a constant l).
func q4kHi(q, y *[32]byte, l int) int {
	return int(q[l])>>4*int(int8(y[l])) + int(q[l+8])>>4*int(int8(y[l+8])) +
		int(q[l+16])>>4*int(int8(y[l+16])) + int(q[l+24])>>4*int(int8(y[l+24]))
}

// kBsumsDotPairs is Σ_j bsums[j] * mins[j/2] over the 16 block sums of a Q8_K block: the
// integer part of the min correction of Q4_K and Q5_K (each min covers 32 values).
func kBsumsDotPairs(y *[blockQ8_K]byte, mins *[8]uint8) int32 {
	bs := (*[32]byte)(y[offQ8_KBsums:])
	var s int32
	for j := 0; j < 8; j++ {
		b0 := int32(int16(uint16(bs[4*j]) | uint16(bs[4*j+1])<<8))
		b1 := int32(int16(uint16(bs[4*j+2]) | uint16(bs[4*j+3])<<8))
		s += (b0 + b1) * int32(mins[j])
	}
	return s
}
