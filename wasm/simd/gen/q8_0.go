package main

// Q8_0 weights × Q8_0 activations. Block (34 bytes): fp16 d, 32 int8 quants.
//
//	W (rows, n) Q8_0 @ a (n,) Q8_0 prepared -> y (rows,)
//
// Per block: the exact int32 sum of the 32 products in four lanes (v128.load8x8_s widens
// eight int8 to i16 as it loads; i32x4.dot_i16x8_s), then scaled by d_w*d_a into four
// f32 lane sums (blocks32.go).
//
// Rows go in pairs (blocks32PairPrepared): each activation block is widened once for two
// rows. The activations come prepared (wasm/simd PrepQ8_0: f32 scales, then the quants),
// so a group of four blocks' activation scales is one load.
//
// relaxed: each half (16 quants) of a block in one i32x4.relaxed_dot_i8x16_i7x16_add_s
// (one vpdpbusd where the CPU has AVX-VNNI) instead of two widening loads and two
// i32x4.dot_i16x8_s. Its 7-bit operand is |a|, made once per activation block for both
// rows, and a's signs go onto the weights: w' = (w ^ m) - m with m = (a < 0), so
// w'·|a| = w·a (|w| ≤ 127 and |a| ≤ 127: llama.cpp's quantizers never write -128, and the
// pairs' sums stay in i16). The integer block sums are the same, exactly, and everything
// after them is blocks32PairPrepared's (a lone last block goes the simd128 way: its lanes are
// scaled one by one): the results equal the simd128 kernel's bit for bit.
func matvecQ8_0(relaxed bool) *Func {
	grouped, tail := q8_0PairDots(relaxed)
	return blocks32PairPrepared("matvec_q8_0", 34, strided(34), grouped, tail)
}

// q8_0PairDots are matvec_q8_0's pairDots: for the groups of blocks and a lone last one.
func q8_0PairDots(relaxed bool) (grouped, tail pairDot) {
	widened := pairDot{widenedActs, 4, func(f *Func, wp Local, wOff uint32, av []Local) {
		for i := uint32(0); i < 4; i++ {
			f.load8(wp, wOff+2+8*i, true)
			f.Get(av[i])
			f.V(i32x4DotI16x8S)
			if i > 0 {
				f.V(i32x4Add)
			}
		}
	}, nil}
	if !relaxed {
		return widened, widened
	}
	// av: |a| of the two halves, then their sign masks
	signed := pairDot{func(f *Func, ap Local, aOff uint32, av []Local) {
		f.absSigns(ap, aOff+2, av)
	}, 4, func(f *Func, wp Local, wOff uint32, av []Local) {
		f.signedDots(wp, wOff+2, av) // relaxed_dot(w1', |a1|, relaxed_dot(w0', |a0|, 0))
	}, nil}
	// a lone last block goes the simd128 way: its lanes, scaled one by one, must be the
	// one-row kernel's
	return signed, widened
}

// matmulQ8_0 is the several-token Q8_0 kernel over prepared activations (matmul32.go):
// each weight block's 32 quants widened to i16 once for a group of tokens.
//
// relaxed: i32x4.relaxed_dot_i8x16_i7x16_add_s needs one operand in [0,127], so the
// weights go as |w| and their signs onto the activations: (a ^ m) - m with m = (w < 0)
// (a = -128 never occurs; a weight of -128, which llama.cpp's quantizer never writes,
// gives an implementation-defined product).
func matmulQ8_0(relaxed bool) *Func {
	return matmulBlocks32("matmul_q8_0", 34, strided(34), q8_0BlockDot(relaxed))
}

// q8_0BlockDot is matmul_q8_0's blockDot.
func q8_0BlockDot(relaxed bool) blockDot {
	if relaxed {
		return blockDot{
			load: func(f *Func, wp Local, off uint32, dst [4]Local) {
				f.absSigns(wp, off+2, dst[:])
			},
			isum: func(f *Func, w [4]Local, qp Local, off uint32, _ Local, _ uint32) {
				f.signedDots(qp, off, w[:]) // relaxed_dot(a1', |w1|, relaxed_dot(a0', |w0|, 0))
			},
		}
	}
	return widened(func(f *Func, wp Local, off uint32, dst [4]Local) {
		for i := uint32(0); i < 4; i++ {
			f.load8(wp, off+2+8*i, true)
			f.Set(dst[i])
		}
	})
}

// absSigns loads the two 16-byte halves of 32 int8 at p+off into v: |x| in v[0], v[1]
// and their sign masks (x < 0) in v[2], v[3] — the 7-bit operand of
// i32x4.relaxed_dot_i8x16_i7x16_add_s and the signs that go onto the other operand.
func (f *Func) absSigns(p Local, off uint32, v []Local) {
	for h := uint32(0); h < 2; h++ {
		f.Get(p)
		f.VLoad(off + 16*h)
		f.Tee(v[h])
		f.VZero()
		f.V(i8x16LtS)
		f.Set(v[2+h])
		f.Get(v[h])
		f.V(i8x16Abs)
		f.Set(v[h])
	}
}

// signedDots pushes the i32x4 lane sums of the 32 int8 at p+off times the absSigns
// values v: relaxed_dot(x1', v[1], relaxed_dot(x0', v[0], 0)) with each half given v's
// signs, x' = (x ^ m) - m, so x'·|y| = x·y.
func (f *Func) signedDots(p Local, off uint32, v []Local) {
	for h := 1; h >= 0; h-- {
		f.Get(p)
		f.VLoad(off + uint32(16*h))
		f.Get(v[2+h])
		f.V(vXor)
		f.Get(v[2+h])
		f.V(i8x16Sub)
		f.Get(v[h])
		if h == 0 {
			f.VZero()
		}
	}
	f.V(i32x4RelaxedDotI8x16I7x16AddS, i32x4RelaxedDotI8x16I7x16AddS)
}
