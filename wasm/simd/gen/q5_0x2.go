package main

// Q5_0x2 weights × Q8_0 activations: Q5_0 relaid two blocks at a time (engine/quant
// q5_0x2.go), made at load from Q5_0 rows of a multiple of 64 elements. A 44-byte unit:
// fp16 d of block 0 and of block 1, 8 bytes of fifth bits, block 0's 16 nibble bytes,
// block 1's (as in Q5_0). The fifth bit of element 16h+L of block k is bit
// 4·(L&1) + 2k + h of fifth-bit byte L/2.
//
//	W (rows, n) Q5_0x2 @ a (n,) Q8_0 -> y (rows,)     matvec_q5_0x2
//	W (rows, n) Q5_0x2 @ A (ntok, n) Q8_0 -> Y (ntok, rows)     matmul_q5_0x2
//
// The kernels are Q5_0's (q5_0.go) with the scales gathered and converted as x2.go's
// (a unit starts with its two scales, all finite) and another way to the u5 values 0..31
// of a block:
// once a unit, the 8 fifth-bit bytes load widened to i16 lanes (v128.load8x8_u) and are
// or-ed with themselves shifted left by 4 as i16, which leaves byte j's low nibble in the
// low four bits of byte lane 2j and its high nibble in those of lane 2j+1: lane L's bit t
// is then the fifth bit of element L of half t%2 of block t/2. Per half, an i16x8 shift
// left by 4-t and a mask with 0x10 give all sixteen fifth bits at once (the bits a 16-bit
// shift carries across bytes land below bit 4 and are masked off), or-ed into the
// nibbles: 3 operations a half, where Q5_0's byte shuffle, mask, compare and mask take 5
// plus a load and a splat a block. The blocks, their integer sums and the order the
// scaled sums are added are Q5_0's, so each result is the Q5_0 kernel's on the same
// weights bit for bit (wasm/simd and gen's TestRelaxedInChromium check it); the block
// counts are even, so the kernels never take their odd-block tails.

// q5x2Halves sets lo and hi to the u8 values 0..31 of elements 0-15 and 16-31 of block
// off/22 of the Q5_0x2 units at wp (off a multiple of 22: the block's place in Q5_0), with
// q scratch. hb holds the unit's spread fifth bits: set for the unit's first block, reused
// for its second (the callers take a unit's blocks in order).
func (f *Func) q5x2Halves(wp Local, off uint32, hb, q, lo, hi Local) {
	unit, k := off/44*44, off/22%2
	if k == 0 {
		f.load8(wp, unit+4, false)
		f.Tee(hb)
		f.Get(hb)
		f.I32(4)
		f.V(i16x8Shl, vOr)
		f.Set(hb)
	}
	f.Get(wp)
	f.VLoad(unit + 12 + 16*k)
	f.Set(q)
	for h, dst := range []Local{lo, hi} {
		f.nibbles(q, h)
		f.Get(hb)
		f.I32(int32(4 - (2*int(k) + h)))
		f.V(i16x8Shl)
		f.splat8(0x10)
		f.V(vAnd, vOr)
		f.Set(dst)
	}
}

// q5x2Scratch hands out the locals of q5x2Halves: hb one per weight row pointer (the pair
// kernels take two rows block by block), q shared.
type q5x2Scratch struct {
	hb map[Local]Local
	q  Local
}

func (s *q5x2Scratch) halves(f *Func, wp Local, off uint32, lo, hi Local) {
	if s.hb == nil {
		s.hb, s.q = map[Local]Local{}, f.Local(v128)
	}
	hb, ok := s.hb[wp]
	if !ok {
		hb = f.Local(v128)
		s.hb[wp] = hb
	}
	f.q5x2Halves(wp, off, hb, s.q, lo, hi)
}

// widenedQ5 pushes the i32x4 lane sums of the block with u5 values lo, hi (elements 0-15,
// 16-31) less 16, times the activation vectors act(k) (elements 8k..8k+7, i16), with x
// scratch.
func (f *Func) widenedQ5(lo, hi, x Local, act func(k uint32)) {
	for half, v := range []Local{lo, hi} {
		f.Get(v)
		f.splat8(0x10)
		f.V(i8x16Sub)
		f.Set(x)
		f.dotWidened(x, uint32(half), act)
	}
}

// matvecQ5_0x2 is matvec_q5_0 over Q5_0x2 rows (see the file comment).
func matvecQ5_0x2(relaxed bool) *Func {
	var sc q5x2Scratch
	var lo, hi, x Local
	locals := func(f *Func) {
		if lo == 0 {
			lo, hi, x = f.Local(v128), f.Local(v128), f.Local(v128)
		}
	}
	d := pairDot{widenedActs, 4, func(f *Func, wp Local, wOff uint32, av []Local) {
		locals(f)
		sc.halves(f, wp, wOff, lo, hi)
		f.widenedQ5(lo, hi, x, func(k uint32) { f.Get(av[k]) })
	}, nil}
	if !relaxed {
		return blocks32PairPrepared("matvec_q5_0x2", 22, x2(22).scales(), d, d)
	}
	r := relaxedZeroPoint(16)
	r.isum2 = func(f *Func, wp Local, wOff uint32, av []Local) {
		locals(f)
		sc.halves(f, wp, wOff, lo, hi)
		f.relaxedHalves(lo, hi, av)
	}
	return blocks32PairPrepared("matvec_q5_0x2", 22, x2(22).scales(), r, d)
}

// matmulQ5_0x2 is matmul_q5_0 over Q5_0x2 rows (see the file comment).
func matmulQ5_0x2(relaxed bool) *Func {
	var sc q5x2Scratch
	if relaxed {
		return matmulBlocks32("matmul_q5_0x2", 22, x2(22).scales(), blockDot{
			load: func(f *Func, wp Local, off uint32, dst [4]Local) {
				sc.halves(f, wp, off, dst[0], dst[1])
			},
			isum: relaxedZeroPointIsum(16),
		})
	}
	return matmulBlocks32("matmul_q5_0x2", 22, x2(22).scales(), widened(func(f *Func, wp Local, off uint32, dst [4]Local) {
		sc.halves(f, wp, off, dst[0], dst[2])
		f.widenQ5(dst)
	}))
}
