package main

// x2 is the unit layout of engine/quant's Q8_0x2 and Q4_0x2 (units.go) for blocks of w
// bytes (fp16 d, then w-2 bytes of quants): two blocks to a unit of 2w bytes, both scales
// first, then block 0's quants, block 1's. Q5_0x2 (q5_0x2.go) starts its units with the
// two scales too. The base type's block code runs on it unchanged with its weight
// offsets moved (pair, block): a block's code reads its quants from off+2, off = b·w
// within a group of blocks, so off becomes the unit's start + 2 + k·(w-2) for block k of
// the unit.
//
//	W (rows, n) Q8_0x2|Q4_0x2 @ a (n,) Q8_0 -> y (rows,)
//
// The scales (scales): a unit's two are one 32-bit load, a shuffle puts each fp16 in the
// high half of its own i32 lane, and, the scales being finite (engine/quant keeps a row
// with an Inf or NaN scale in its file type), fp16's finite path alone converts them,
// (h << 16 >> 3, arithmetic) & 0x8fffe000 times 2^112: the same f32 bit for bit in 8
// operations, where gathering four scales 18 or 34 bytes apart and the full conversion
// take 26. The blocks, their integer sums and the order the scaled sums are added are the
// base kernels', so each result is theirs on the same weights bit for bit.
type x2 uint32

// at moves a base block offset (b·w in a group) to the unit layout.
func (w x2) at(off uint32) uint32 {
	u, k := off/(2*uint32(w))*2*uint32(w), off/uint32(w)%2
	return u + 2 + k*(uint32(w)-2)
}

// pair is the base type's pairDot on the unit layout.
func (w x2) pair(d pairDot) pairDot {
	isum2 := d.isum2
	d.isum2 = func(f *Func, wp Local, wOff uint32, av []Local) { isum2(f, wp, w.at(wOff), av) }
	return d
}

// block is the base type's blockDot on the unit layout.
func (w x2) block(bd blockDot) blockDot {
	load := bd.load
	bd.load = func(f *Func, wp Local, off uint32, dst [4]Local) { load(f, wp, w.at(off), dst) }
	return bd
}

// scales is blockScales for the unit layout (see the type's comment).
func (w x2) scales() scalesFn {
	unit := 2 * uint32(w)
	return func(f *Func, p Local, k int, h, t Local) {
		if k != 2 && k != 4 { // a lone block: never (rows are whole units)
			f.blockScales(p, func(b int) uint32 { return uint32(b/2)*unit + uint32(b%2*2) }, k, h, t)
			return
		}
		f.Get(p)
		f.VMem(vLoad32Zero, 0)
		if k == 4 {
			f.Get(p)
			f.Mem(opI32Load, 0, unit)
			f.Lane(i32x4ReplaceLane, 1)
		}
		f.VZero()
		f.Shuffle([16]byte{16, 16, 0, 1, 16, 16, 2, 3, 16, 16, 4, 5, 16, 16, 6, 7})
		f.I32(3)
		f.V(i32x4ShrS)
		f.splat32(0x8fffe000)
		f.V(vAnd)
		f.splatF32(0x1p112)
		f.V(f32x4Mul)
	}
}

// matvecQ8_0x2 and the others: the base kernels on the unit layout.
func matvecQ8_0x2(relaxed bool) *Func {
	grouped, tail := q8_0PairDots(relaxed)
	return blocks32PairPrepared("matvec_q8_0x2", 34, x2(34).scales(), x2(34).pair(grouped), x2(34).pair(tail))
}

func matmulQ8_0x2(relaxed bool) *Func {
	return matmulBlocks32("matmul_q8_0x2", 34, x2(34).scales(), x2(34).block(q8_0BlockDot(relaxed)))
}

func matvecQ4_0x2(relaxed bool) *Func {
	grouped, tail := q4_0PairDots(relaxed)
	return blocks32PairPrepared("matvec_q4_0x2", 18, x2(18).scales(), x2(18).pair(grouped), x2(18).pair(tail))
}

func matmulQ4_0x2(relaxed bool) *Func {
	return matmulBlocks32("matmul_q4_0x2", 18, x2(18).scales(), x2(18).block(q4_0BlockDot(relaxed)))
}
