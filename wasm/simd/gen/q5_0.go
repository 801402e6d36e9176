package main

// Q5_0 weights × Q8_0 activations. Q5_0 block (22 bytes): fp16 d, u32 qh (the fifth bit of
// element j in bit j), 16 bytes of nibbles (byte j: element j low, element j+16 high),
// x = d*((nibble | fifth<<4) - 16).
//
//	W (rows, n) Q5_0 @ a (n,) Q8_0 -> y (rows,)
//
// Per block: the 16 nibble bytes in one load, split into low (elements 0..15) and high
// (16..31) nibbles as i8 lanes; the fifth bits spread to byte lanes (qh's bytes 0,1 or
// 2,3 shuffled eight times each, ANDed with the lane's bit and compared), and each quant
// becomes nibble - 16 where its fifth bit is clear, nibble where set; then widened to
// i16 and dotted with the activations as Q8_0 (exact int32 lane sums, scaled by d_w*d_a
// in blocks32.go).
//
// Rows go in pairs over prepared activations (blocks32PairPrepared): each activation block is widened once for two rows.
//
// relaxed (the relaxed-SIMD module): the blocks of the groups of four and two go through
// i32x4.relaxed_dot_i8x16_i7x16_add_s instead, the weights as their u5 values 0..31
// (q5Halves, the i7 operand) and the activations as they are, the zero point as -16·Σa
// from the prepared activations' correction (relaxedZeroPoint: one load and a shift a block
// for both rows, where summing the quants took six operations): the same integer block totals,
// which those groups sum before scaling, so the results are the simd128 kernel's bit for
// bit (a last odd block, scaled lane by lane, keeps the simd128 products).
func matvecQ5_0(relaxed bool) *Func {
	var bitOf [16]byte // lane i tests bit i%8 of its qh byte
	for i := range bitOf {
		bitOf[i] = 1 << (i % 8)
	}
	// isum multiplies the weight block at wp+wOff by the widened activation vectors act(k)
	// (elements 8k..8k+7).
	type scratch struct{ q, bits, x Local }
	isum := func(sc *scratch, act func(k uint32)) func(f *Func, wp Local, wOff uint32) {
		return func(f *Func, wp Local, wOff uint32) {
			if sc.q == 0 {
				sc.q, sc.bits, sc.x = f.Local(v128), f.Local(v128), f.Local(v128)
			}
			q, bits, x := sc.q, sc.bits, sc.x
			f.Get(wp)
			f.VLoad(wOff + 6)
			f.Set(q)
			f.Get(wp)
			f.Mem(opI32Load, 0, wOff+2)
			f.V(i32x4Splat)
			f.Set(bits)
			for half := byte(0); half < 2; half++ { // elements 16*half .. 16*half+15
				f.nibbles(q, int(half))
				f.splat8(0x10) // minus 16 where the fifth bit is clear
				f.Get(bits)
				f.Get(bits)
				var sel [16]byte // qh byte 2*half for lanes 0-7, 2*half+1 for 8-15
				for i := range sel {
					sel[i] = 2*half + byte(i/8)
				}
				f.Shuffle(sel)
				f.VConst(bitOf)
				f.V(vAnd)
				f.VConst(bitOf)
				f.V(i8x16Eq, vAndNot, i8x16Sub)
				f.Set(x)
				f.dotWidened(x, uint32(half), act)
			}
		}
	}
	var s2 scratch
	d := pairDot{widenedActs, 4, func(f *Func, wp Local, wOff uint32, av []Local) {
		isum(&s2, func(k uint32) { f.Get(av[k]) })(f, wp, wOff)
	}, nil}
	if !relaxed {
		return blocks32PairPrepared("matvec_q5_0", 22, strided(22), d, d)
	}
	var q, bits, lo, hi Local
	r := relaxedZeroPoint(16)
	r.isum2 = func(f *Func, wp Local, wOff uint32, av []Local) {
		if q == 0 {
			q, bits, lo, hi = f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
		}
		f.q5Halves(wp, wOff, q, bits, lo, hi)
		f.relaxedHalves(lo, hi, av)
	}
	return blocks32PairPrepared("matvec_q5_0", 22, strided(22), r, d)
}

// dotWidened pushes the i32x4 lane sums of the 16 int8 in x (elements 16·half ..), widened
// in two halves, times the activation vectors act(2·half) and act(2·half+1), added onto
// the sums below them on the stack unless half is 0 (the block's first half).
func (f *Func) dotWidened(x Local, half uint32, act func(k uint32)) {
	for part := uint32(0); part < 2; part++ {
		f.Get(x)
		if part == 0 {
			f.V(i16x8ExtendLowI8x16S)
		} else {
			f.V(i16x8ExtendHighI8x16S)
		}
		act(2*half + part)
		f.V(i32x4DotI16x8S)
		if half+part > 0 {
			f.V(i32x4Add)
		}
	}
}

// relaxedZeroPoint is the pairDot of the relaxed decode kernels whose weights are
// unsigned with a zero point z (Q4_0: 8, Q5_0: 16), less its isum2: loadA sets av[0], av[1]
// to the activation block's two halves of quants as they are, corr av[2] to the block's
// prepared correction -8·Σa times z/8 in lane 0 (zero in the others), so that the lane
// sums of relaxedHalves total the block's Σ a·(u - z), as the simd128 kernel's do.
func relaxedZeroPoint(z int32) pairDot {
	return pairDot{
		loadA: func(f *Func, ap Local, aOff uint32, av []Local) {
			for h := uint32(0); h < 2; h++ {
				f.Get(ap)
				f.VLoad(aOff + 2 + 16*h)
				f.Set(av[h])
			}
		},
		nA: 3,
		corr: func(f *Func, cp Local, cOff uint32, av []Local) {
			f.zeroPoint(cp, cOff, z)
			f.Set(av[2])
		},
	}
}

// zeroPoint pushes the prepared correction -8·Σa at cp+cOff times z/8 (z: 8 or 16, the
// weights' zero point) in lane 0, zero in the others: -z·Σa, the relaxed dots' start.
func (f *Func) zeroPoint(cp Local, cOff uint32, z int32) {
	f.Get(cp)
	f.VMem(vLoad32Zero, cOff)
	if z == 16 {
		f.I32(1)
		f.V(i32x4Shl)
	}
}

// relaxedZeroPointIsum is the relaxed several-token isum (blockDot) of weights unsigned
// with the zero point z (Q4_0: 8, Q5_0: 16), their values in w[0] (elements 0-15) and
// w[1] (16-31): relaxed_dot(a_hi, w[1], relaxed_dot(a_lo, w[0], -z·Σa)).
func relaxedZeroPointIsum(z int32) func(f *Func, w [4]Local, qp Local, off uint32, cp Local, coff uint32) {
	return func(f *Func, w [4]Local, qp Local, off uint32, cp Local, coff uint32) {
		for h := 1; h >= 0; h-- {
			f.Get(qp)
			f.VLoad(off + uint32(16*h))
			f.Get(w[h])
		}
		f.zeroPoint(cp, coff, z)
		f.V(i32x4RelaxedDotI8x16I7x16AddS, i32x4RelaxedDotI8x16I7x16AddS)
	}
}

// relaxedHalves pushes the i32x4 lane sums of a weight block given as its unsigned values
// (elements 0-15 in lo, 16-31 in hi, each below 128) times relaxedZeroPoint's av:
// relaxed_dot(a_hi, hi, relaxed_dot(a_lo, lo, -z·Σa)).
func (f *Func) relaxedHalves(lo, hi Local, av []Local) {
	f.Get(av[1])
	f.Get(hi)
	f.Get(av[0])
	f.Get(lo)
	f.Get(av[2])
	f.V(i32x4RelaxedDotI8x16I7x16AddS, i32x4RelaxedDotI8x16I7x16AddS)
}

// q5Halves sets lo and hi to the u8 values 0..31 (nibble | fifth bit << 4) of elements
// 0-15 and 16-31 of the Q5_0 block at wp+off, with q and bits scratch.
func (f *Func) q5Halves(wp Local, off uint32, q, bits, lo, hi Local) {
	var bitOf [16]byte // lane i tests bit i%8 of its qh byte
	for i := range bitOf {
		bitOf[i] = 1 << (i % 8)
	}
	f.Get(wp)
	f.VLoad(off + 6)
	f.Set(q)
	f.Get(wp)
	f.Mem(opI32Load, 0, off+2)
	f.V(i32x4Splat)
	f.Set(bits)
	for half, dst := range []Local{lo, hi} {
		f.nibbles(q, half)
		f.Get(bits)
		f.Get(bits)
		var sel [16]byte // qh byte 2*half for lanes 0-7, 2*half+1 for 8-15
		for i := range sel {
			sel[i] = byte(2*half) + byte(i/8)
		}
		f.Shuffle(sel)
		f.VConst(bitOf)
		f.V(vAnd)
		f.VConst(bitOf)
		f.V(i8x16Eq) // 0xff where the fifth bit is set
		f.splat8(0x10)
		f.V(vAnd, vOr)
		f.Set(dst)
	}
}

// matmulQ5_0 is the several-token Q5_0 kernel over prepared activations (matmul32.go):
// each block's values rebuilt once for a group of tokens, as i16 minus 16 (simd128), or
// as the u5 operand of i32x4.relaxed_dot_i8x16_i7x16_add_s with the zero point from the
// prepared correction -8·Σa, doubled (relaxed).
func matmulQ5_0(relaxed bool) *Func {
	var q, bits Local
	scratch := func(f *Func) {
		if q == 0 {
			q, bits = f.Local(v128), f.Local(v128)
		}
	}
	if relaxed {
		return matmulBlocks32("matmul_q5_0", 22, strided(22), blockDot{
			load: func(f *Func, wp Local, off uint32, dst [4]Local) {
				scratch(f)
				f.q5Halves(wp, off, q, bits, dst[0], dst[1])
			},
			isum: relaxedZeroPointIsum(16),
		})
	}
	return matmulBlocks32("matmul_q5_0", 22, strided(22), widened(func(f *Func, wp Local, off uint32, dst [4]Local) {
		scratch(f)
		f.q5Halves(wp, off, q, bits, dst[0], dst[2])
		f.widenQ5(dst)
	}))
}

// widenQ5 turns the u5 values in dst[0] (elements 0-15) and dst[2] (16-31) into the four
// i16x8 vectors of widened's load (elements 0-7, 8-15, 16-23, 24-31), less 16.
func (f *Func) widenQ5(dst [4]Local) {
	for i := 0; i < 2; i++ {
		f.Get(dst[2*i])
		f.splat8(0x10)
		f.V(i8x16Sub)
		f.Tee(dst[2*i+1])
		f.V(i16x8ExtendLowI8x16S)
		f.Set(dst[2*i])
		f.Get(dst[2*i+1])
		f.V(i16x8ExtendHighI8x16S)
		f.Set(dst[2*i+1])
	}
}
