package quant

import "encoding/binary"

// Q2_K (block_q2_K): super-blocks of 256 values in 16 sub-blocks of 16, each with a 4-bit
// scale and a 4-bit min; x = d*sc*q - dmin*m with q in 0..3. 2.625 bits per weight.
//
//	offset 0   [16]  scales (sub-block j: scale in the low nibble, min in the high one)
//	offset 16  [64]  qs     (per half k of 128 values, byte 32k+l holds values 128k+l,
//	                         +32, +64, +96 in bits 0-1, 2-3, 4-5, 6-7; l in 0..31)
//	offset 80  fp16  d
//	offset 82  fp16  dmin
const (
	blockQ2_K   = QK_K/16 + QK_K/4 + 2 + 2 // 84 bytes
	offQ2_KQs   = QK_K / 16
	offQ2_KD    = QK_K/16 + QK_K/4
	offQ2_KDmin = QK_K/16 + QK_K/4 + 2
)

func init() {
	traits[Q2_K].Dequantize = dequantizeQ2_K
	traits[Q2_K].Quantize = quantizeQ2_K
	traits[Q2_K].VecDot = vecDotQ2_KQ8_K
}

// dequantizeQ2_K is dequantize_row_q2_K. src (n/256 blocks) -> dst (n,).
func dequantizeQ2_K(src []byte, dst []float32) {
	nb := len(dst) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[blockQ2_K]byte)(src[i*blockQ2_K:])
		y := (*[QK_K]float32)(dst[i*QK_K:])
		d, dmin := kF16(x[:], offQ2_KD), kF16(x[:], offQ2_KDmin)
		for k := 0; k < 2; k++ {
			q := (*[32]byte)(x[offQ2_KQs+32*k:])
			for j := 0; j < 4; j++ {
				shift := uint(2 * j)
				yj := (*[32]float32)(y[128*k+32*j:])
				sc := x[8*k+2*j]
				dl, ml := d*float32(sc&0xF), float32(dmin*float32(sc>>4))
				for l := 0; l < 16; l++ {
					yj[l] = float32(dl*float32(q[l]>>shift&3)) - ml
				}
				sc = x[8*k+2*j+1]
				dl, ml = d*float32(sc&0xF), float32(dmin*float32(sc>>4))
				for l := 16; l < 32; l++ {
					yj[l] = float32(dl*float32(q[l]>>shift&3)) - ml
				}
			}
		}
	}
}

// quantizeQ2_K is quantize_row_q2_K_ref: each sub-block of 16 gets a scale and min from
// makeQkx2Quants (|x|-weighted, absolute error), both quantized to 4 bits against their
// maxima (d = max/15), then every value is requantized with the stored pair.
// src (n,) -> dst (n/256 blocks).
func quantizeQ2_K(src []float32, dst []byte) {
	const q4scale = 15
	nb := len(src) / QK_K
	var L [QK_K]uint8
	var laux [16]uint8
	var weights [16]float32
	var mins, scales [QK_K / 16]float32
	for i := 0; i < nb; i++ {
		x := (*[QK_K]float32)(src[i*QK_K:])
		y := (*[blockQ2_K]byte)(dst[i*blockQ2_K:])
		var maxScale, maxMin float32
		for j := range scales {
			xs := x[16*j : 16*j+16]
			for l, v := range xs {
				weights[l] = kAbs(v)
			}
			scales[j], mins[j] = makeQkx2Quants(16, 3, xs, weights[:], L[16*j:], laux[:], -0.5, 0.1, 15, true)
			maxScale = max(maxScale, scales[j])
			maxMin = max(maxMin, mins[j])
		}
		if maxScale > 0 {
			iscale := q4scale / maxScale
			for j, s := range scales {
				y[j] = byte(kNearestInt(float32(iscale * s)))
			}
			kPutF16(y[:], offQ2_KD, maxScale/q4scale)
		} else {
			clear(y[:QK_K/16])
			kPutF16(y[:], offQ2_KD, 0)
		}
		if maxMin > 0 {
			iscale := q4scale / maxMin
			for j, m := range mins {
				y[j] |= byte(kNearestInt(float32(iscale*m)) << 4)
			}
			kPutF16(y[:], offQ2_KDmin, maxMin/q4scale)
		} else {
			kPutF16(y[:], offQ2_KDmin, 0)
		}
		dAll, mAll := kF16(y[:], offQ2_KD), kF16(y[:], offQ2_KDmin)
		for j := 0; j < QK_K/16; j++ {
			d := dAll * float32(y[j]&0xF)
			if d == 0 {
				continue
			}
			dm := float32(mAll * float32(y[j]>>4))
			for ii := 0; ii < 16; ii++ {
				l := kNearestInt((x[16*j+ii] + dm) / d)
				L[16*j+ii] = uint8(max(0, min(3, l)))
			}
		}
		for k := 0; k < 2; k++ {
			q := y[offQ2_KQs+32*k : offQ2_KQs+32*k+32]
			Lk := L[128*k : 128*k+128]
			for l := 0; l < 32; l++ {
				q[l] = Lk[l] | Lk[l+32]<<2 | Lk[l+64]<<4 | Lk[l+96]<<6
			}
		}
	}
}

// vecDotQ2_KQ8_KRef is ggml_vec_dot_q2_K_q8_K_generic, kept plain as the reference: one
// integer sum per sub-block of 16 times its 4-bit scale, the mins applied through the Q8_K
// block sums, one float32 accumulator. w (n,) Q2_K · a (n,) Q8_K -> float32.
func vecDotQ2_KQ8_KRef(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sumf float32
	for i := 0; i < nb; i++ {
		x := w[i*blockQ2_K : (i+1)*blockQ2_K]
		y := a[i*blockQ8_K : (i+1)*blockQ8_K]
		q2 := x[offQ2_KQs:]
		q8 := y[offQ8_KQs:]
		sc := x[:QK_K/16]
		summs := 0
		for j := 0; j < 16; j++ {
			summs += int(kBsum(y, j)) * int(sc[j]>>4)
		}
		dall := kF32(y, 0) * kF16(x, offQ2_KD)
		dmin := kF32(y, 0) * kF16(x, offQ2_KDmin)
		isum, is := 0, 0
		for k := 0; k < QK_K/128; k++ {
			shift := uint(0)
			for j := 0; j < 4; j++ {
				d := int(sc[is] & 0xF)
				is++
				isuml := 0
				for l := 0; l < 16; l++ {
					isuml += int(int8(q8[l])) * int(q2[l]>>shift&3)
				}
				isum += d * isuml
				d = int(sc[is] & 0xF)
				is++
				isuml = 0
				for l := 16; l < 32; l++ {
					isuml += int(int8(q8[l])) * int(q2[l]>>shift&3)
				}
				isum += d * isuml
				shift += 2
				q8 = q8[32:]
			}
			q2 = q2[32:]
		}
		sumf += float32(dall*float32(isum)) - float32(dmin*float32(summs))
	}
	return sumf
}

// vecDotQ2_KQ8_K is the fast path of vecDotQ2_KQ8_KRef, equal to it bit for bit: each
// half super-block expanded to bytes 0..3 eight values at a time with 64-bit word
// arithmetic, multiplied in a leaf function with constant indices (dotQ2_KHalf), the
// float32 arithmetic as the reference's. w (n,) Q2_K · a (n,) Q8_K -> float32.
func vecDotQ2_KQ8_K(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sumf float32
	var aux [128]byte
	for i := 0; i < nb; i++ {
		x := (*[blockQ2_K]byte)(w[i*blockQ2_K:])
		y := (*[blockQ8_K]byte)(a[i*blockQ8_K:])
		sc := (*[16]byte)(x[:])
		summs := q2kMins(y, sc)
		isum := 0
		for k := 0; k < 2; k++ {
			decodeQ2_KHalf((*[32]byte)(x[offQ2_KQs+32*k:]), &aux)
			isum += dotQ2_KHalf(&aux, (*[128]byte)(y[offQ8_KQs+128*k:]), (*[8]byte)(sc[8*k:]))
		}
		dy := kF32(y[:], 0)
		dall, dmin := dy*kF16(x[:], offQ2_KD), dy*kF16(x[:], offQ2_KDmin)
		sumf += float32(dall*float32(isum)) - float32(dmin*float32(summs))
	}
	return sumf
}

// decodeQ2_KHalf expands half a Q2_K super-block (128 values) to bytes 0..3, eight
// values per 64-bit word: value 32j+l is bits 2j..2j+1 of q[l].
func decodeQ2_KHalf(q *[32]byte, aux *[128]byte) {
	const m2 = 0x0303030303030303
	for g := 0; g < 4; g++ {
		b := binary.LittleEndian.Uint64(q[8*g:])
		binary.LittleEndian.PutUint64(aux[8*g:], b&m2)
		binary.LittleEndian.PutUint64(aux[32+8*g:], b>>2&m2)
		binary.LittleEndian.PutUint64(aux[64+8*g:], b>>4&m2)
		binary.LittleEndian.PutUint64(aux[96+8*g:], b>>6&m2)
	}
}

// dotQ2_KHalf returns Σ_j (sc[j]&15) * Σ a*y over the eight 16-value sub-blocks of 128
// decoded values. Unrolled: every index is a constant. a, y (128,) -> int.
func dotQ2_KHalf(a, y *[128]byte, sc *[8]byte) int {
	s := 0
	s += int(sc[0]&15) * (q2kDot4(a, y, 0) + q2kDot4(a, y, 4) + q2kDot4(a, y, 8) + q2kDot4(a, y, 12))
	s += int(sc[1]&15) * (q2kDot4(a, y, 16) + q2kDot4(a, y, 20) + q2kDot4(a, y, 24) + q2kDot4(a, y, 28))
	s += int(sc[2]&15) * (q2kDot4(a, y, 32) + q2kDot4(a, y, 36) + q2kDot4(a, y, 40) + q2kDot4(a, y, 44))
	s += int(sc[3]&15) * (q2kDot4(a, y, 48) + q2kDot4(a, y, 52) + q2kDot4(a, y, 56) + q2kDot4(a, y, 60))
	s += int(sc[4]&15) * (q2kDot4(a, y, 64) + q2kDot4(a, y, 68) + q2kDot4(a, y, 72) + q2kDot4(a, y, 76))
	s += int(sc[5]&15) * (q2kDot4(a, y, 80) + q2kDot4(a, y, 84) + q2kDot4(a, y, 88) + q2kDot4(a, y, 92))
	s += int(sc[6]&15) * (q2kDot4(a, y, 96) + q2kDot4(a, y, 100) + q2kDot4(a, y, 104) + q2kDot4(a, y, 108))
	s += int(sc[7]&15) * (q2kDot4(a, y, 112) + q2kDot4(a, y, 116) + q2kDot4(a, y, 120) + q2kDot4(a, y, 124))
	return s
}

// q2kDot4 is Σ a[p]*y[p] over p = i..i+3, a unsigned, y int8 (inlined with a constant i).
func q2kDot4(a, y *[128]byte, i int) int {
	return int(a[i])*int(int8(y[i])) + int(a[i+1])*int(int8(y[i+1])) +
		int(a[i+2])*int(int8(y[i+2])) + int(a[i+3])*int(int8(y[i+3]))
}

// q2kMins is Σ bsums[j] * (sc[j]>>4) over the 16 sub-blocks: the integer part of the min
// correction. Unrolled: every index is a constant.
func q2kMins(y *[blockQ8_K]byte, sc *[16]byte) int {
	bs := (*[32]byte)(y[offQ8_KBsums:])
	s := q2kMin2(bs, sc, 0) + q2kMin2(bs, sc, 2) + q2kMin2(bs, sc, 4) + q2kMin2(bs, sc, 6)
	s += q2kMin2(bs, sc, 8) + q2kMin2(bs, sc, 10) + q2kMin2(bs, sc, 12) + q2kMin2(bs, sc, 14)
	return s
}

// q2kMin2 is bsums[j]*(sc[j]>>4) + bsums[j+1]*(sc[j+1]>>4) (inlined with a constant j).
func q2kMin2(bs *[32]byte, sc *[16]byte, j int) int {
	return int(int16(binary.LittleEndian.Uint16(bs[2*j:])))*int(sc[j]>>4) +
		int(int16(binary.LittleEndian.Uint16(bs[2*j+2:])))*int(sc[j+1]>>4)
}
