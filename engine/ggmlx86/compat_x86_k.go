package ggmlx86

import (
	"encoding/binary"
	"hearth/engine/quant"
	"math"
)

// x86 dot products of the k-quants with Q8_K activations (see compat_x86.go). The AVX2
// kernels load the weights and the Q8_K quants 32 elements at a time in element order, so
// lane l of the integer sum holds the scaled products of the elements e with (e%32)/4 == l.

// kBlock is one k-quant super-block decoded to integers: w[e] = scale(e)*q(e), the signed
// product the integer code multiplies by the activation quant, the sub-block minimums (per
// 16 elements for Q2_K, per 32 for Q4_K/Q5_K) and the fp16 super-block scales.
type kBlock struct {
	w       [quant.QK_K]int32
	mins    [16]int32
	sc      [16]byte // quant.Q6_K: the int8 scales of the 16-element sub-blocks
	d, dmin float32
}

// decodeK expands the super-block b of type t (Q2_K..Q6_K) into k.
func decodeK(t quant.Type, b []byte, k *kBlock) {
	switch t {
	case quant.Q2_K:
		k.d, k.dmin = kF16(b, quant.OffQ2_KD), kF16(b, quant.OffQ2_KDmin)
		for e := range k.w {
			half, j, l := e/128, e%128/32, e%32
			q := int32(b[quant.OffQ2_KQs+32*half+l] >> (2 * j) & 3)
			k.w[e] = int32(b[e/16]&15) * q
		}
		for j := range k.mins {
			k.mins[j] = int32(b[j] >> 4)
		}
	case quant.Q3_K:
		k.d = kF16(b, quant.OffQ3_KD)
		sc := quant.ScalesQ3K((*[12]byte)(b[quant.OffQ3_KScales:]))
		for e := range k.w {
			half, j, l := e/128, e%128/32, e%32
			q := int32(b[quant.OffQ3_KQs+32*half+l] >> (2 * j) & 3)
			if b[l]&(1<<(4*half+j)) == 0 {
				q -= 4
			}
			k.w[e] = (int32(sc[e/16]) - 32) * q
		}
	case quant.Q4_K, quant.Q5_K:
		k.d, k.dmin = kF16(b, 0), kF16(b, 2)
		qs := quant.OffQ4_KQs
		if t == quant.Q5_K {
			qs = quant.OffQ5_KQs
		}
		for e := range k.w {
			j, hi, l := e/64, e%64/32, e%32
			q := int32(b[qs+32*j+l] >> (4 * hi) & 15)
			if t == quant.Q5_K && b[quant.OffQ5_KQh+l]&(1<<(2*j+hi)) != 0 {
				q += 16
			}
			sc, _ := quant.ScaleMinK4(e/32, b[quant.OffQ4_KScales:])
			k.w[e] = int32(sc) * q
		}
		for j := 0; j < 8; j++ {
			_, m := quant.ScaleMinK4(j, b[quant.OffQ4_KScales:])
			k.mins[j] = int32(m)
		}
	case quant.Q6_K:
		k.d = kF16(b, quant.OffQ6_KD)
		copy(k.sc[:], b[quant.OffQ6_KScales:quant.OffQ6_KScales+16])
		for e := range k.w {
			half, j, l := e/128, e%128/32, e%32
			ql := b[64*half+32*(j&1)+l]
			if j >= 2 {
				ql >>= 4
			}
			h := b[quant.OffQ6_KQh+32*half+l] >> (2 * j) & 3
			q := int32(ql&15|h<<4) - 32
			k.w[e] = int32(int8(b[quant.OffQ6_KScales+e/16])) * q
		}
	}
}

// q8K reads the scale, quants and block sums of one Q8_K block.
func q8K(a []byte) (d float32, qs []byte, bsum func(j int) int32) {
	d = math.Float32frombits(binary.LittleEndian.Uint32(a))
	return d, a[quant.OffQ8_KQs : quant.OffQ8_KQs+quant.QK_K], func(j int) int32 {
		return int32(int16(binary.LittleEndian.Uint16(a[quant.OffQ8_KBsums+2*j:])))
	}
}

// lanesK is the eight AVX2 lane sums of Σ w[e]*q8[e] over a super-block.
func lanesK(k *kBlock, q8 []byte, lanes *[8]int32) {
	*lanes = [8]int32{}
	for e, w := range k.w {
		lanes[e%32/4] += w * int32(int8(q8[e]))
	}
}

func kBlocks(t quant.Type, n int, w, a []byte, f func(k *kBlock, a []byte)) {
	bw := blockBytes(t)
	var k kBlock
	for i := 0; i < n/quant.QK_K; i++ {
		decodeK(t, w[i*bw:(i+1)*bw], &k)
		f(&k, a[i*quant.BlockQ8_K:(i+1)*quant.BlockQ8_K])
	}
}

// dotQ2_KX86 is ggml_vec_dot_q2_K_q8_K on AVX2: w (n,) Q2_K · a (n,) Q8_K -> float32. Per
// super-block, lane l first takes fma(dmin, m[2l]*bsum[2l] + m[2l+1]*bsum[2l+1]) with
// dmin = -da*dminw, then fma(d, sumi_l) with d = da*dw; the result is hsum_float_8.
func dotQ2_KX86(n int, w, a []byte) float32 {
	var acc [8]float32
	var lanes [8]int32
	kBlocks(quant.Q2_K, n, w, a, func(k *kBlock, a []byte) {
		da, q8, bsum := q8K(a)
		d, dmin := float32(da*k.d), float32(-da*k.dmin)
		var prod [8]int32
		for l := range prod {
			prod[l] = k.mins[2*l]*bsum(2*l) + k.mins[2*l+1]*bsum(2*l+1)
		}
		fmaLanes(&acc, dmin, &prod)
		lanesK(k, q8, &lanes)
		fmaLanes(&acc, d, &lanes)
	})
	return hsum8(&acc)
}

// dotQ3_KX86 is ggml_vec_dot_q3_K_q8_K on AVX2: w (n,) Q3_K · a (n,) Q8_K -> float32.
// Per super-block acc = fma(da*dw, lanes, acc); the result is hsum_float_8.
func dotQ3_KX86(n int, w, a []byte) float32 { return dotKPlain(quant.Q3_K, n, w, a) }

// dotQ6_KX86 is ggml_vec_dot_q6_K_q8_K on AVX2 as of 2026 llama.cpp: the 6-bit quants are
// multiplied unsigned (0..63) and the -32 offset is taken off per lane afterwards from the
// Q8_K block sums, lane l -= 32*(sc[2l]*bsum[2l] + sc[2l+1]*bsum[2l+1])
// (_mm256_madd_epi16(bsums, scales) << 5), so lane l carries the offset of elements
// 32l..32l+31 instead of that of its own elements. Per super-block acc = fma(da*dw, lanes,
// acc); the result is hsum_float_8. (The older kernel subtracted 32*q8 per element, which
// gives the dotKPlain lanes.)
func dotQ6_KX86(n int, w, a []byte) float32 {
	var acc [8]float32
	var lanes [8]int32
	kBlocks(quant.Q6_K, n, w, a, func(k *kBlock, a []byte) {
		da, q8, bsum := q8K(a)
		lanes = [8]int32{}
		for e, wv := range k.w {
			sc := int32(int8(k.sc[e/16]))
			lanes[e%32/4] += (wv + 32*sc) * int32(int8(q8[e])) // sc*q, q unsigned
		}
		for l := range lanes {
			lanes[l] -= 32 * (int32(int8(k.sc[2*l]))*bsum(2*l) + int32(int8(k.sc[2*l+1]))*bsum(2*l+1))
		}
		fmaLanes(&acc, float32(da*k.d), &lanes)
	})
	return hsum8(&acc)
}

func dotKPlain(t quant.Type, n int, w, a []byte) float32 {
	var acc [8]float32
	var lanes [8]int32
	kBlocks(t, n, w, a, func(k *kBlock, a []byte) {
		da, q8, _ := q8K(a)
		lanesK(k, q8, &lanes)
		fmaLanes(&acc, float32(da*k.d), &lanes)
	})
	return hsum8(&acc)
}

// minsK4 returns the four _mm_madd_epi16(mins, q8s) lanes of a Q4_K/Q5_K super-block:
// q8s[j] = bsum[2j]+bsum[2j+1] (the sums of the 32-element sub-blocks), and lane m holds
// mins[2m]*q8s[2m] + mins[2m+1]*q8s[2m+1].
func minsK4(k *kBlock, bsum func(int) int32) (prod [4]int32) {
	for m := range prod {
		for j := 2 * m; j < 2*m+2; j++ {
			prod[m] += k.mins[j] * (bsum(2*j) + bsum(2*j+1))
		}
	}
	return prod
}

// dotQ4_KX86 is ggml_vec_dot_q4_K_q8_K on AVX2: w (n,) Q4_K · a (n,) Q8_K -> float32. The
// minimums go to a four-lane accumulator, accm[m] = fma(-da*dminw, prod[m], accm[m]), the
// scaled quants to eight lanes, acc = fma(da*dw, lanes, acc); the result is
// hsum_float_8(acc) + ((accm0+accm2) + (accm1+accm3)).
func dotQ4_KX86(n int, w, a []byte) float32 {
	var acc [8]float32
	var accm [4]float32
	var lanes [8]int32
	kBlocks(quant.Q4_K, n, w, a, func(k *kBlock, a []byte) {
		da, q8, bsum := q8K(a)
		d, dmin := float32(da*k.d), float32(-da*k.dmin)
		prod := minsK4(k, bsum)
		for m := range accm {
			accm[m] = fmaF32(dmin, float32(prod[m]), accm[m])
		}
		lanesK(k, q8, &lanes)
		fmaLanes(&acc, d, &lanes)
	})
	return hsum8(&acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]))
}

// dotQ5_KX86 is ggml_vec_dot_q5_K_q8_K on AVX2: w (n,) Q5_K · a (n,) Q8_K -> float32. The
// minimums go to a scalar, summs = fma(-da*dminw, Σ mins*q8s, summs) (GCC contracts
// "summs += dmin * hsum"), the scaled quants to eight lanes as in Q4_K; the result is
// hsum_float_8(acc) + summs.
func dotQ5_KX86(n int, w, a []byte) float32 {
	var acc [8]float32
	var summs float32
	var lanes [8]int32
	kBlocks(quant.Q5_K, n, w, a, func(k *kBlock, a []byte) {
		da, q8, bsum := q8K(a)
		d, dmin := float32(da*k.d), float32(-da*k.dmin)
		prod := minsK4(k, bsum)
		summs = fmaF32(dmin, float32((prod[0]+prod[1])+(prod[2]+prod[3])), summs)
		lanesK(k, q8, &lanes)
		fmaLanes(&acc, d, &lanes)
	})
	return hsum8(&acc) + summs
}
