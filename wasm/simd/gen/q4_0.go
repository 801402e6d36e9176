package main

// Q4_0 weights × Q8_0 activations. Q4_0 block (18 bytes): fp16 d, 16 bytes of nibbles
// (byte j: element j low, element j+16 high), x = d*(q-8).
//
//	W (rows, n) Q4_0 @ a (n,) Q8_0 -> y (rows,)
//
// Per block: eight quant bytes at a time widened to i16 as they load (v128.load8x8_u),
// split into low nibbles (elements j) and high ones (elements j+16), 8 subtracted, then
// as Q8_0: exact int32 lane sums scaled by d_w*d_a into four f32 lane sums
// (blocks32.go).
//
// Rows go in pairs over prepared activations (blocks32PairPrepared): each activation block is widened once for two rows.
//
// relaxed: the blocks of the groups of four and two by i32x4.relaxed_dot_i8x16_i7x16_add_s
// on the nibbles as they are (0..15) with the zero point as -8·Σa, the prepared
// activations' correction, as matvec_q5_0 does (relaxedZeroPoint): the same integer block
// totals, bit for bit the simd128 kernel.
func matvecQ4_0(relaxed bool) *Func {
	grouped, tail := q4_0PairDots(relaxed)
	return blocks32PairPrepared("matvec_q4_0", 18, strided(18), grouped, tail)
}

// q4_0PairDots are matvec_q4_0's pairDots: for the groups of blocks and a lone last one.
func q4_0PairDots(relaxed bool) (grouped, tail pairDot) {
	// isum multiplies the weight block at wp+wOff by the four widened activation vectors
	// act(k) (elements 8k..8k+7), k = i + 2*half for weight bytes 8i..8i+7's low (half 0)
	// and high (half 1) nibbles.
	isum := func(q *Local, act func(k uint32)) func(f *Func, wp Local, wOff uint32) {
		return func(f *Func, wp Local, wOff uint32) {
			if *q == 0 {
				*q = f.Local(v128)
			}
			first := true
			for i := uint32(0); i < 2; i++ { // bytes 8i..8i+7
				f.load8(wp, wOff+2+8*i, false)
				f.Set(*q)
				for half := uint32(0); half < 2; half++ { // elements 8i+16*half ..
					f.Get(*q)
					if half == 0 {
						f.splat16(0x0f)
						f.V(vAnd)
					} else {
						f.I32(4)
						f.V(i16x8ShrU)
					}
					f.splat16(8)
					f.V(i16x8Sub)
					act(i + 2*half)
					f.V(i32x4DotI16x8S)
					if !first {
						f.V(i32x4Add)
					}
					first = false
				}
			}
		}
	}
	var q2 Local
	d := pairDot{widenedActs, 4, func(f *Func, wp Local, wOff uint32, av []Local) {
		isum(&q2, func(k uint32) { f.Get(av[k]) })(f, wp, wOff)
	}, nil}
	if !relaxed {
		return d, d
	}
	var lo, hi Local
	r := relaxedZeroPoint(8)
	r.isum2 = func(f *Func, wp Local, wOff uint32, av []Local) {
		if lo == 0 {
			lo, hi = f.Local(v128), f.Local(v128)
		}
		f.Get(wp)
		f.VLoad(wOff + 2)
		f.Tee(hi)
		f.splat8(0x0f)
		f.V(vAnd)
		f.Set(lo)
		f.Get(hi)
		f.shrU8(4)
		f.Set(hi)
		f.relaxedHalves(lo, hi, av)
	}
	return r, d
}

// matmulQ4_0 is the several-token Q4_0 kernel over prepared activations (matmul32.go):
// each weight block's nibbles widened to i16 and 8 subtracted once for a group of tokens.
// Bytes 0-7 hold elements 0-7 (low nibbles) and 16-23 (high), bytes 8-15 elements 8-15
// and 24-31.
//
// relaxed: the nibbles (0..15) are the i7 operand of i32x4.relaxed_dot_i8x16_i7x16_add_s
// as they are, and the zero point comes from the prepared correction -8·Σa, the chain's
// starting value in lane 0.
func matmulQ4_0(relaxed bool) *Func {
	return matmulBlocks32("matmul_q4_0", 18, strided(18), q4_0BlockDot(relaxed))
}

// q4_0BlockDot is matmul_q4_0's blockDot.
func q4_0BlockDot(relaxed bool) blockDot {
	if relaxed {
		return blockDot{
			load: func(f *Func, wp Local, off uint32, dst [4]Local) {
				f.Get(wp)
				f.VLoad(off + 2)
				f.Tee(dst[1])
				f.splat8(0x0f)
				f.V(vAnd)
				f.Set(dst[0]) // elements 0-15
				f.Get(dst[1])
				f.shrU8(4)
				f.Set(dst[1]) // elements 16-31
			},
			isum: relaxedZeroPointIsum(8),
		}
	}
	return widened(func(f *Func, wp Local, off uint32, dst [4]Local) {
		for i := uint32(0); i < 2; i++ {
			f.load8(wp, off+2+8*i, false)
			f.Tee(dst[i+2])
			f.splat16(0x0f)
			f.V(vAnd)
			f.splat16(8)
			f.V(i16x8Sub)
			f.Set(dst[i])
			f.Get(dst[i+2])
			f.I32(4)
			f.V(i16x8ShrU)
			f.splat16(8)
			f.V(i16x8Sub)
			f.Set(dst[i+2])
		}
	})
}
