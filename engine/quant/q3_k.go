package quant

import "encoding/binary"

// Q3_K (block_q3_K): super-blocks of 256 values in 16 sub-blocks of 16, each with a 6-bit
// signed scale; x = d*(sc-32)*(q-4) with q in 0..7 (2 low bits plus a high bit).
// 3.4375 bits per weight.
//
//	offset 0    [32] hmask  (high bits: byte l, bit 4k+j is value 128k+32j+l, l in 0..31)
//	offset 32   [64] qs     (low 2 bits, laid out as Q2_K's)
//	offset 96   [12] scales (16 × 6 bits: see unpackScalesQ3K)
//	offset 108  fp16 d
const (
	blockQ3_K     = QK_K/8 + QK_K/4 + 12 + 2 // 110 bytes
	offQ3_KQs     = QK_K / 8
	offQ3_KScales = QK_K/8 + QK_K/4
	offQ3_KD      = QK_K/8 + QK_K/4 + 12
)

func init() {
	traits[Q3_K].Dequantize = dequantizeQ3_K
	traits[Q3_K].Quantize = quantizeQ3_K
	traits[Q3_K].VecDot = vecDotQ3_KQ8_K
}

// dequantizeQ3_K is dequantize_row_q3_K. src (n/256 blocks) -> dst (n,).
func dequantizeQ3_K(src []byte, dst []float32) {
	nb := len(dst) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[blockQ3_K]byte)(src[i*blockQ3_K:])
		y := (*[QK_K]float32)(dst[i*QK_K:])
		dAll := kF16(x[:], offQ3_KD)
		scales := unpackScalesQ3K((*[12]byte)(x[offQ3_KScales:]))
		hm := (*[32]byte)(x[:])
		for k := 0; k < 2; k++ {
			q := (*[32]byte)(x[offQ3_KQs+32*k:])
			for j := 0; j < 4; j++ {
				shift, m := uint(2*j), byte(1)<<(4*k+j)
				yj := (*[32]float32)(y[128*k+32*j:])
				for h := 0; h < 2; h++ {
					dl := dAll * float32(int(scales[8*k+2*j+h])-32)
					for l := 16 * h; l < 16*h+16; l++ {
						v := int(q[l] >> shift & 3)
						if hm[l]&m == 0 {
							v -= 4
						}
						yj[l] = dl * float32(v)
					}
				}
			}
		}
	}
}

// quantizeQ3_K is quantize_row_q3_K_ref: each sub-block of 16 gets a scale from
// makeQ3Quants, the 16 scales are quantized to 6 bits against the one of largest
// magnitude (d = max/-32), and every value is requantized to -4..3 with its stored scale.
// src (n,) -> dst (n/256 blocks).
func quantizeQ3_K(src []float32, dst []byte) {
	nb := len(src) / QK_K
	var L [QK_K]int8
	var scales [QK_K / 16]float32
	for i := 0; i < nb; i++ {
		x := (*[QK_K]float32)(src[i*QK_K:])
		y := (*[blockQ3_K]byte)(dst[i*blockQ3_K:])
		var maxScale, amax float32
		for j := range scales {
			scales[j] = makeQ3Quants(16, 4, x[16*j:16*j+16], L[16*j:], true)
			if a := kAbs(scales[j]); a > amax {
				amax, maxScale = a, scales[j]
			}
		}
		ys := y[offQ3_KScales : offQ3_KScales+12]
		clear(ys)
		if maxScale != 0 {
			iscale := -32 / maxScale
			for j, s := range scales {
				l := max(-32, min(31, kNearestInt(float32(iscale*s)))) + 32
				if j < 8 {
					ys[j] = byte(l & 0xF)
				} else {
					ys[j-8] |= byte(l&0xF) << 4
				}
				ys[j%4+8] |= byte(l>>4) << (2 * (j / 4))
			}
			kPutF16(y[:], offQ3_KD, 1/iscale)
		} else {
			kPutF16(y[:], offQ3_KD, 0)
		}
		dAll := kF16(y[:], offQ3_KD)
		for j := 0; j < QK_K/16; j++ {
			var sc int
			if j < 8 {
				sc = int(ys[j] & 0xF)
			} else {
				sc = int(ys[j-8] >> 4)
			}
			sc = sc | int(ys[8+j%4]>>(2*(j/4))&3)<<4 - 32
			d := dAll * float32(sc)
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				l := kNearestInt(x[16*j+ii] / d)
				L[16*j+ii] = int8(max(-4, min(3, l)) + 4)
			}
		}
		hmask := y[:QK_K/8]
		clear(hmask)
		// The high bit of value j goes to byte j%32, bit j/32.
		for j := 0; j < QK_K; j++ {
			if L[j] > 3 {
				hmask[j%32] |= 1 << (j / 32)
				L[j] -= 4
			}
		}
		for k := 0; k < 2; k++ {
			q := y[offQ3_KQs+32*k : offQ3_KQs+32*k+32]
			Lk := L[128*k : 128*k+128]
			for l := 0; l < 32; l++ {
				q[l] = uint8(Lk[l]) | uint8(Lk[l+32])<<2 | uint8(Lk[l+64])<<4 | uint8(Lk[l+96])<<6
			}
		}
	}
}

// vecDotQ3_KQ8_KRef is ggml_vec_dot_q3_K_q8_K_generic, kept plain as the reference: quants
// expanded to int8 (-4..3), int16 products, eight int32 lane sums per super-block, eight
// float32 lane accumulators. w (n,) Q3_K · a (n,) Q8_K -> float32.
func vecDotQ3_KQ8_KRef(n int, w, a []byte) float32 {
	nb := n / QK_K
	var aux8 [QK_K]int8
	var aux16 [8]int16
	var aux32 [8]int32
	var sums [8]float32
	var sumf float32
	for i := 0; i < nb; i++ {
		x := w[i*blockQ3_K : (i+1)*blockQ3_K]
		y := a[i*blockQ8_K : (i+1)*blockQ8_K]
		q3 := x[offQ3_KQs:]
		hm := x[:QK_K/8]
		q8 := y[offQ8_KQs:]
		clear(aux32[:])
		p := 0
		m := byte(1)
		for k := 0; k < QK_K/128; k++ {
			for shift := uint(0); shift < 8; shift += 2 {
				for l := 0; l < 32; l++ {
					aux8[p+l] = int8(q3[32*k+l] >> shift & 3)
				}
				for l := 0; l < 32; l++ {
					if hm[l]&m == 0 {
						aux8[p+l] -= 4
					}
				}
				p += 32
				m <<= 1
			}
		}
		scales := unpackScalesQ3K((*[12]byte)(x[offQ3_KScales:]))
		k := 0
		for j := 0; j < QK_K/16; j++ {
			scale := int32(int8(scales[j])) - 32
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
		d := kF16(x, offQ3_KD) * kF32(y, 0)
		for l := 0; l < 8; l++ {
			sums[l] += float32(d * float32(aux32[l]))
		}
	}
	for l := 0; l < 8; l++ {
		sumf += sums[l]
	}
	return sumf
}

// vecDotQ3_KQ8_K is the fast path of vecDotQ3_KQ8_KRef, equal to it bit for bit: scales
// unpacked once per super-block, each half expanded to int8 eight values at a time with
// 64-bit word arithmetic (decodeQ3_KHalf), then multiplied by kLaneDot16, whose eight lane
// sums (lane = index mod 8) keep the float32 accumulation exactly the reference's.
// w (n,) Q3_K · a (n,) Q8_K -> float32.
func vecDotQ3_KQ8_K(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sums [8]float32
	var aux [128]byte
	for i := 0; i < nb; i++ {
		x := (*[blockQ3_K]byte)(w[i*blockQ3_K:])
		y := (*[blockQ8_K]byte)(a[i*blockQ8_K:])
		us := unpackScalesQ3K((*[12]byte)(x[offQ3_KScales:]))
		hm := (*[32]byte)(x[:])
		var acc [8]int
		for k := 0; k < 2; k++ {
			var sc [8]int
			for j := range sc {
				sc[j] = int(us[8*k+j]) - 32
			}
			decodeQ3_KHalf((*[32]byte)(x[offQ3_KQs+32*k:]), hm, uint(4*k), &aux)
			kLaneDot16(&aux, (*[128]byte)(y[offQ8_KQs+128*k:]), &sc, &acc)
		}
		d := kF16(x[:], offQ3_KD) * kF32(y[:], 0)
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

// decodeQ3_KHalf expands half a Q3_K super-block (128 values, quant bytes q) to int8 q-4,
// eight values per 64-bit word: value 32j+l has bits 2j..2j+1 of q[l] and bit sh+j of
// hm[l] on top. For q in 0..7, (q + 0x7c) ^ 0x80 is the byte of q-4, and adding 0x7c to
// each byte of a word carries into no other byte.
func decodeQ3_KHalf(q, hm *[32]byte, sh uint, aux *[128]byte) {
	const m2, m4, bias, sign = 0x0303030303030303, 0x0404040404040404, 0x7c7c7c7c7c7c7c7c, 0x8080808080808080
	for g := 0; g < 4; g++ {
		b := binary.LittleEndian.Uint64(q[8*g:])
		h := binary.LittleEndian.Uint64(hm[8*g:]) >> sh << 2
		binary.LittleEndian.PutUint64(aux[8*g:], (b&m2|h&m4)+bias^sign)
		binary.LittleEndian.PutUint64(aux[32+8*g:], (b>>2&m2|h>>1&m4)+bias^sign)
		binary.LittleEndian.PutUint64(aux[64+8*g:], (b>>4&m2|h>>2&m4)+bias^sign)
		binary.LittleEndian.PutUint64(aux[96+8*g:], (b>>6&m2|h>>3&m4)+bias^sign)
	}
}
