package quant

// IQ4_NL block (18 bytes): fp16 d, then 16 bytes of 4-bit indices (byte j: element j in
// the low nibble, element j+16 in the high one) into the fixed non-linear table
// kvaluesIQ4NL; x = d * kvaluesIQ4NL[q]. Activations: Q8_0.

func init() {
	traits[IQ4_NL].Dequantize = dequantizeIQ4_NL
	traits[IQ4_NL].Quantize = quantizeIQ4_NL
	traits[IQ4_NL].VecDot = vecDotIQ4_NLQ8_0
}

// kvaluesIQ4NL is GGML's kvalues_iq4nl: 16 levels, denser near zero.
var kvaluesIQ4NL = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// dequantizeIQ4_NL is GGML's dequantize_row_iq4_nl: blocks (n/32,) -> x (n,).
func dequantizeIQ4_NL(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[18]byte)(src[i/qk32*18:])
		d := f16At(b[0], b[1])
		y := (*[qk32]float32)(dst[i:])
		for j := 0; j < 16; j++ {
			y[j] = d * float32(kvaluesIQ4NL[b[2+j]&15])
			y[j+16] = d * float32(kvaluesIQ4NL[b[2+j]>>4])
		}
	}
}

// quantizeIQ4_NL is what llama-quantize does for IQ4_NL without an importance matrix
// (GGML's quantize_iq4_nl, quantize_row_iq4_nl_impl with ntry = 7): x (n,) -> blocks
// (n/32,). Per block, weights x², a first scale max/127 (max: the value of largest
// magnitude), then 15 scales (i+kvalues[0])/max, i = -7..7, each refined by weighted least
// squares; the best one is stored and the indices recomputed from its fp16 value.
func quantizeIQ4_NL(src []float32, dst []byte) {
	kv := &kvaluesIQ4NL
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[18]byte)(dst[i/qk32*18:])
		var w [qk32]float32
		for j, v := range x {
			w[j] = v * v
		}
		amax, max := absMax32(x[:])
		var d float32
		if amax >= 1e-15 { // GROUP_MAX_EPS: below it the block is all zero
			d = -max / float32(kv[0])
			sumqx, sumq2 := iq4nlFit(x, &w, 1/d)
			d = sumqx / sumq2
			best := d * sumqx
			for itry := -7; itry <= 7; itry++ {
				sumqx, sumq2 = iq4nlFit(x, &w, float32(itry+int(kv[0]))/max)
				if sumq2 > 0 && sumqx*sumqx > best*sumq2 {
					d = sumqx / sumq2
					best = d * sumqx
				}
			}
		}
		putF16(b[:], d)
		var id float32
		if d != 0 {
			id = 1 / d
		}
		for j := 0; j < 16; j++ {
			b[2+j] = iq4nlIndex(id*x[j]) | iq4nlIndex(id*x[j+16])<<4
		}
	}
}

// iq4nlFit picks the nearest level for every id*x and returns the weighted sums
// Σ w·q·x and Σ w·q² whose ratio is the least-squares scale for those levels.
func iq4nlFit(x *[qk32]float32, w *[qk32]float32, id float32) (sumqx, sumq2 float32) {
	for j, v := range x {
		q := float32(kvaluesIQ4NL[iq4nlIndex(id*v)])
		sumqx += float32(w[j] * q * v)
		sumq2 += float32(w[j] * q * q)
	}
	return sumqx, sumq2
}

// iq4nlIndex is GGML's best_index_int8 over kvaluesIQ4NL: the index of the nearest level,
// the upper one on a tie (comparing 2v with the sum of two neighbours, both exact).
func iq4nlIndex(v float32) byte {
	v2 := v + v
	idx := 0
	for step := 8; step > 0; step >>= 1 {
		j := idx + step
		if v2 >= float32(int(kvaluesIQ4NL[j-1])+int(kvaluesIQ4NL[j])) {
			idx = j
		}
	}
	return byte(idx)
}

// vecDotIQ4_NLQ8_0Ref is ggml_vec_dot_iq4_nl_q8_0_generic, written plainly: the IQ4_NL
// weight row w (n,) · the Q8_0 activation row a (n,) -> float32. Per block the exact
// integer sum of 32 table-value products, then sumf += (da*dw) * sumi in float32.
func vecDotIQ4_NLQ8_0Ref(n int, w, a []byte) float32 {
	var sumf float32
	for ib := 0; ib < n/qk32; ib++ {
		x := w[ib*18 : ib*18+18]
		y := a[ib*34 : ib*34+34]
		d := float32(f16At(y[0], y[1]) * f16At(x[0], x[1]))
		var sumi1, sumi2 int32
		for j := 0; j < 16; j++ {
			sumi1 += int32(int8(y[2+j])) * int32(kvaluesIQ4NL[x[2+j]&0xf])
			sumi2 += int32(int8(y[2+j+16])) * int32(kvaluesIQ4NL[x[2+j]>>4])
		}
		sumf += float32(d * float32(sumi1+sumi2))
	}
	return sumf
}

// vecDotIQ4_NLQ8_0 is vecDotIQ4_NLQ8_0Ref unrolled, bounds checks hoisted out of the loop:
// w (n,) IQ4_NL · a (n,) Q8_0 -> float32, bit for bit equal to the reference.
func vecDotIQ4_NLQ8_0(n int, w, a []byte) float32 {
	nb := n / qk32
	w, a = w[:nb*18], a[:nb*34]
	kv := &kvaluesIQ4NL
	var sumf float32
	for len(w) >= 18 && len(a) >= 34 {
		x := (*[18]byte)(w)
		y := (*[34]byte)(a)
		var s0, s1, s2, s3 int32
		for j := 2; j < 18; j += 2 {
			b0, b1 := x[j], x[j+1]
			s0 += int32(kv[b0&15]) * int32(int8(y[j]))
			s1 += int32(kv[b0>>4]) * int32(int8(y[j+16]))
			s2 += int32(kv[b1&15]) * int32(int8(y[j+1]))
			s3 += int32(kv[b1>>4]) * int32(int8(y[j+17]))
		}
		sumi := (s0 + s1) + (s2 + s3)
		sumf += float32(float32(f16At(y[0], y[1])*f16At(x[0], x[1])) * float32(sumi))
		w, a = w[18:], a[34:]
	}
	return sumf
}
