package quant

import "encoding/binary"

// Q6_K (block_q6_K): super-blocks of 256 values in 16 sub-blocks of 16, each with an int8
// scale; x = d*sc*(q-32) with q in 0..63. 6.5625 bits per weight.
//
//	offset 0    [128] ql     (low 4 bits; per half k of 128 values, byte 64k+l holds values
//	                          128k+l (low nibble) and 128k+l+64 (high), byte 64k+32+l
//	                          values 128k+l+32 and 128k+l+96, l in 0..31)
//	offset 128  [64]  qh     (high 2 bits; byte 32k+l holds values 128k+l, +32, +64, +96
//	                          in bits 0-1, 2-3, 4-5, 6-7)
//	offset 192  [16]  scales (int8)
//	offset 208  fp16  d
const (
	blockQ6_K     = QK_K/2 + QK_K/4 + QK_K/16 + 2 // 210 bytes
	offQ6_KQh     = QK_K / 2
	offQ6_KScales = QK_K/2 + QK_K/4
	offQ6_KD      = QK_K/2 + QK_K/4 + QK_K/16
)

func init() {
	traits[Q6_K].Dequantize = dequantizeQ6_K
	traits[Q6_K].Quantize = quantizeQ6_K
	traits[Q6_K].VecDot = vecDotQ6_KQ8_K
}

// dequantizeQ6_K is dequantize_row_q6_K. src (n/256 blocks) -> dst (n,).
func dequantizeQ6_K(src []byte, dst []float32) {
	nb := len(dst) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[blockQ6_K]byte)(src[i*blockQ6_K:])
		y := (*[QK_K]float32)(dst[i*QK_K:])
		d := kF16(x[:], offQ6_KD)
		for k := 0; k < 2; k++ {
			ql := (*[64]byte)(x[64*k:])
			qh := (*[32]byte)(x[offQ6_KQh+32*k:])
			sc := (*[8]byte)(x[offQ6_KScales+8*k:])
			yk := (*[128]float32)(y[128*k:])
			for l := 0; l < 32; l++ {
				is := l / 16
				h := qh[l]
				q1 := int8(ql[l]&0xF|(h&3)<<4) - 32
				q2 := int8(ql[l+32]&0xF|(h>>2&3)<<4) - 32
				q3 := int8(ql[l]>>4|(h>>4&3)<<4) - 32
				q4 := int8(ql[l+32]>>4|(h>>6)<<4) - 32
				yk[l] = d * float32(int8(sc[is])) * float32(q1)
				yk[l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				yk[l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				yk[l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}

// quantizeQ6_K is quantize_row_q6_K_ref: each sub-block of 16 gets a scale from
// makeQxQuants (x²-weighted search), the 16 scales are quantized to int8 against the one
// of largest magnitude (d = max/-128), and every value is requantized to 0..63 with its
// stored scale. src (n,) -> dst (n/256 blocks).
func quantizeQ6_K(src []float32, dst []byte) {
	nb := len(src) / QK_K
	var L [QK_K]int8
	var scales [QK_K / 16]float32
	for i := 0; i < nb; i++ {
		x := (*[QK_K]float32)(src[i*QK_K:])
		y := (*[blockQ6_K]byte)(dst[i*blockQ6_K:])
		var maxScale, maxAbsScale float32
		for ib := range scales {
			scales[ib] = makeQxQuants(16, 32, x[16*ib:16*ib+16], L[16*ib:], 1, nil)
			if a := kAbs(scales[ib]); a > maxAbsScale {
				maxAbsScale, maxScale = a, scales[ib]
			}
		}
		if maxAbsScale < groupMaxEps {
			clear(y[:])
			continue
		}
		iscale := -128 / maxScale
		kPutF16(y[:], offQ6_KD, 1/iscale)
		for ib, s := range scales {
			y[offQ6_KScales+ib] = byte(int8(min(127, kNearestInt(float32(iscale*s)))))
		}
		dAll := kF16(y[:], offQ6_KD)
		for j := 0; j < QK_K/16; j++ {
			d := dAll * float32(int8(y[offQ6_KScales+j]))
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				l := kNearestInt(x[16*j+ii] / d)
				L[16*j+ii] = int8(max(-32, min(31, l)) + 32)
			}
		}
		for k := 0; k < 2; k++ {
			ql := y[64*k : 64*k+64]
			qh := y[offQ6_KQh+32*k : offQ6_KQh+32*k+32]
			Lk := L[128*k : 128*k+128]
			for l := 0; l < 32; l++ {
				q1, q2, q3, q4 := uint8(Lk[l]), uint8(Lk[l+32]), uint8(Lk[l+64]), uint8(Lk[l+96])
				ql[l] = q1&0xF | (q3&0xF)<<4
				ql[l+32] = q2&0xF | (q4&0xF)<<4
				qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
			}
		}
	}
}

// vecDotQ6_KQ8_KRef is ggml_vec_dot_q6_K_q8_K_generic, kept plain as the reference: quants
// expanded to int8 (q-32), int16 products, eight int32 lane sums per super-block, eight
// float32 lane accumulators. w (n,) Q6_K · a (n,) Q8_K -> float32.
func vecDotQ6_KQ8_KRef(n int, w, a []byte) float32 {
	nb := n / QK_K
	var aux8 [QK_K]int8
	var aux16 [8]int16
	var aux32 [8]int32
	var sums [8]float32
	var sumf float32
	for i := 0; i < nb; i++ {
		x := w[i*blockQ6_K : (i+1)*blockQ6_K]
		y := a[i*blockQ8_K : (i+1)*blockQ8_K]
		q8 := y[offQ8_KQs:]
		clear(aux32[:])
		for k := 0; k < 2; k++ {
			q4 := x[64*k:]
			qh := x[offQ6_KQh+32*k:]
			a := aux8[128*k:]
			for l := 0; l < 32; l++ {
				a[l] = int8(q4[l]&0xF|(qh[l]>>0&3)<<4) - 32
				a[l+32] = int8(q4[l+32]&0xF|(qh[l]>>2&3)<<4) - 32
				a[l+64] = int8(q4[l]>>4|(qh[l]>>4&3)<<4) - 32
				a[l+96] = int8(q4[l+32]>>4|(qh[l]>>6&3)<<4) - 32
			}
		}
		k := 0
		for j := 0; j < QK_K/16; j++ {
			scale := int32(int8(x[offQ6_KScales+j]))
			for g := 0; g < 2; g++ {
				for l := 0; l < 8; l++ {
					aux16[l] = int16(int8(q8[k+l])) * int16(aux8[k+l])
				}
				for l := 0; l < 8; l++ {
					aux32[l] += scale * int32(aux16[l])
				}
				k += 8
			}
		}
		d := kF16(x, offQ6_KD) * kF32(y, 0)
		for l := 0; l < 8; l++ {
			sums[l] += float32(d * float32(aux32[l]))
		}
	}
	for l := 0; l < 8; l++ {
		sumf += sums[l]
	}
	return sumf
}

// vecDotQ6_KQ8_K is the fast path of vecDotQ6_KQ8_KRef, equal to it bit for bit: each
// half super-block is expanded to int8 (q-32) eight values at a time with 64-bit word
// arithmetic (decodeQ6_KHalf), then multiplied by kLaneDot16, whose eight lane sums
// (lane = index mod 8) keep the float32 accumulation exactly the reference's.
// w (n,) Q6_K · a (n,) Q8_K -> float32.
func vecDotQ6_KQ8_K(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sums [8]float32
	var aux [128]byte
	for i := 0; i < nb; i++ {
		x := (*[blockQ6_K]byte)(w[i*blockQ6_K:])
		y := (*[blockQ8_K]byte)(a[i*blockQ8_K:])
		var acc [8]int
		for k := 0; k < 2; k++ {
			var sc [8]int
			for j := range sc {
				sc[j] = int(int8(x[offQ6_KScales+8*k+j]))
			}
			decodeQ6_KHalf((*[64]byte)(x[64*k:]), (*[32]byte)(x[offQ6_KQh+32*k:]), &aux)
			kLaneDot16(&aux, (*[128]byte)(y[offQ8_KQs+128*k:]), &sc, &acc)
		}
		d := kF16(x[:], offQ6_KD) * kF32(y[:], 0)
		for l, v := range acc {
			sums[l] += float32(d * float32(v))
		}
	}
	var sumf float32
	for _, s := range sums {
		sumf += s
	}
	return sumf
}

// decodeQ6_KHalf expands half a Q6_K super-block (128 values) to int8 q-32, eight values
// per 64-bit word: quarter t takes a nibble of ql (low for t = 0, 1, high for 2, 3) and
// bits 2t..2t+1 of qh on top. For q in 0..63, (q + 0x60) ^ 0x80 is the byte of q-32, and
// adding 0x60 to each byte of a word carries into no other byte.
func decodeQ6_KHalf(ql *[64]byte, qh *[32]byte, aux *[128]byte) {
	const m4, m30, bias, sign = 0x0f0f0f0f0f0f0f0f, 0x3030303030303030, 0x6060606060606060, 0x8080808080808080
	for g := 0; g < 4; g++ {
		l0 := binary.LittleEndian.Uint64(ql[8*g:])
		l1 := binary.LittleEndian.Uint64(ql[32+8*g:])
		h := binary.LittleEndian.Uint64(qh[8*g:])
		binary.LittleEndian.PutUint64(aux[8*g:], (l0&m4|h<<4&m30)+bias^sign)
		binary.LittleEndian.PutUint64(aux[32+8*g:], (l1&m4|h<<2&m30)+bias^sign)
		binary.LittleEndian.PutUint64(aux[64+8*g:], (l0>>4&m4|h&m30)+bias^sign)
		binary.LittleEndian.PutUint64(aux[96+8*g:], (l1>>4&m4|h>>2&m30)+bias^sign)
	}
}
