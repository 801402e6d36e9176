package quant

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

// vecDotQ6_KQ8_K is the fast path of vecDotQ6_KQ8_KRef, equal to it bit for bit: the
// scales read once per half super-block, each ql/qh byte read once for the values it
// holds, no bounds checks in the inner loop, and the eight lane sums (lane = index mod 8)
// kept so the float32 accumulation matches the reference exactly.
// w (n,) Q6_K · a (n,) Q8_K -> float32.
func vecDotQ6_KQ8_K(n int, w, a []byte) float32 {
	nb := n / QK_K
	var sums [8]float32
	for i := 0; i < nb; i++ {
		x := (*[blockQ6_K]byte)(w[i*blockQ6_K:])
		y := (*[blockQ8_K]byte)(a[i*blockQ8_K:])
		var acc [8]int32
		for k := 0; k < 2; k++ {
			// 128 values 128k..128k+127: ql bytes 64k.., qh bytes 32k.., scales 8k..8k+7.
			ql := (*[64]byte)(x[64*k:])
			qh := (*[32]byte)(x[offQ6_KQh+32*k:])
			sc := (*[8]byte)(x[offQ6_KScales+8*k:])
			yq := (*[128]byte)(y[offQ8_KQs+128*k:])
			s0, s1, s2, s3 := int32(int8(sc[0])), int32(int8(sc[1])), int32(int8(sc[2])), int32(int8(sc[3]))
			s4, s5, s6, s7 := int32(int8(sc[4])), int32(int8(sc[5])), int32(int8(sc[6])), int32(int8(sc[7]))
			for l := 0; l < 8; l++ {
				// Lane l: values l+8g (+32t) for g = 0..3; g < 2 lies in the even
				// sub-blocks (scales s0, s2, s4, s6), g >= 2 in the odd ones.
				var a0, a1, a2, a3, b0, b1, b2, b3 int32
				for g := 0; g < 2; g++ {
					i := l + 8*g
					lo, hi, h := int32(ql[i]), int32(ql[i+32]), int32(qh[i])
					a0 += (lo&0xF | (h&3)<<4 - 32) * int32(int8(yq[i]))
					a1 += (hi&0xF | (h>>2&3)<<4 - 32) * int32(int8(yq[i+32]))
					a2 += (lo>>4 | (h>>4&3)<<4 - 32) * int32(int8(yq[i+64]))
					a3 += (hi>>4 | (h>>6)<<4 - 32) * int32(int8(yq[i+96]))
				}
				for g := 2; g < 4; g++ {
					i := l + 8*g
					lo, hi, h := int32(ql[i]), int32(ql[i+32]), int32(qh[i])
					b0 += (lo&0xF | (h&3)<<4 - 32) * int32(int8(yq[i]))
					b1 += (hi&0xF | (h>>2&3)<<4 - 32) * int32(int8(yq[i+32]))
					b2 += (lo>>4 | (h>>4&3)<<4 - 32) * int32(int8(yq[i+64]))
					b3 += (hi>>4 | (h>>6)<<4 - 32) * int32(int8(yq[i+96]))
				}
				acc[l] += s0*a0 + s1*b0 + s2*a1 + s3*b1 + s4*a2 + s5*b2 + s6*a3 + s7*b3
			}
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
