package main

// Two weight rows per pass for the one-token (decode) kernels of the 32-element block
// types: the activation block's widened quants are loaded once and multiplied into both
// rows. Each row's arithmetic is the one-row scheme of blocks32.go (the same block groups,
// lane reductions, scale products and sums), whichever row it is paired with.
//
//	W (rows, n) @ a (n,) -> y (rows,), row r with row r + half, half = (hi-lo)/2; an odd
//	last row alone
//
// Row r goes with the row half the range away, not with row r+1, so that the pass reads
// the weights as two sequential streams. Neighbouring rows made two fronts a row apart
// that jump two rows at a time, and from memory (not from cache) the CPU's prefetchers
// kept up with that only for short rows: in Chromium on this machine (AMD Zen 5),
// matvec_q8_0x2 over 200 MB of 576-column rows ran at 8.2 GB/s against 26 GB/s on 256 KB
// (in cache) and 28 GB/s for a plain v128 sum over the same 200 MB; Q4_0x2 at 1152 columns
// 8.5 GB/s. Paired half a range apart: 19.3 and 13.7 GB/s, and SmolLM2-135M Q8_0 decode at
// one thread 53 → 118 tok/s.

// pairRowsKernel is rowsKernel with rows in pairs: pair(f, wp0, wp1, ap, n, y0, y1) leaves
// rows r and r+half's dot products in the f32 locals y0 and y1; one(f, wp, ap, n) pushes a
// single row's (the last row of an odd range).
func pairRowsKernel(name string, pair func(f *Func, wp0, wp1, ap, n, y0, y1 Local), one func(f *Func, wp, ap, n Local)) *Func {
	f := NewFunc(name, true, []byte{i32, i32, i32, i32, i32, i32, i32}, nil)
	w, rowBytes, a, n, y, lo, hi := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6)
	r, wp0, wp1, ap, half, end := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	y0, y1 := f.Local(f32), f.Local(f32)
	// half = (hi - lo) / 2: row r pairs with row r + half, r in [lo, lo + half)
	f.Get(hi)
	f.Get(lo)
	f.Op(opI32Sub)
	f.I32(1)
	f.Op(opI32ShrS)
	f.Tee(half)
	f.Get(lo)
	f.Op(opI32Add)
	f.Set(end)
	f.Get(lo)
	f.Set(r)
	f.Block()
	f.Get(r)
	f.Get(end)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		f.Get(w)
		f.Get(r)
		f.Get(rowBytes)
		f.Op(opI32Mul, opI32Add)
		f.Tee(wp0)
		f.Get(half)
		f.Get(rowBytes)
		f.Op(opI32Mul, opI32Add)
		f.Set(wp1)
		f.Get(a)
		f.Set(ap)
		pair(f, wp0, wp1, ap, n, y0, y1)
		for i, v := range []Local{y0, y1} {
			f.Get(y)
			f.Get(r)
			if i == 1 {
				f.Get(half)
				f.Op(opI32Add)
			}
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
			f.Get(v)
			f.Mem(opF32Store, 0, 0)
		}
		f.Add(r, 1)
		f.Get(r)
		f.Get(end)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	f.Get(end)
	f.Get(half)
	f.Op(opI32Add)
	f.Set(r)
	// the odd last row
	f.Block()
	f.Get(r)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Get(w)
	f.Get(r)
	f.Get(rowBytes)
	f.Op(opI32Mul, opI32Add)
	f.Set(wp0)
	f.Get(a)
	f.Set(ap)
	f.Get(y)
	f.Get(r)
	f.I32(2)
	f.Op(opI32Shl, opI32Add)
	one(f, wp0, ap, n)
	f.Mem(opF32Store, 0, 0)
	f.End()
	return f
}

// widenedActs is the loadA of the simd128 pair kernels: the activation block's 32 quants
// widened to i16 as they load, elements 8k..8k+7 in av[k].
func widenedActs(f *Func, ap Local, aOff uint32, av []Local) {
	for k := uint32(0); k < 4; k++ {
		f.load8(ap, aOff+2+8*k, true)
		f.Set(av[k])
	}
}

// pairDot is how blocks32PairPrepared multiplies an activation block into a weight block:
// loadA fills the locals av (nA of them) from the activation block's quants, at ap+aOff+2
// as in a Q8_0 block; isum2 pushes the i32x4 lane sums of the weight block at wp+wOff
// times av. corr, when set, is called after loadA with the block's prepared correction
// (-8·Σa, an i32) at cp+cOff, for the zero point of unsigned weights.
type pairDot struct {
	loadA func(f *Func, ap Local, aOff uint32, av []Local)
	nA    int
	isum2 func(f *Func, wp Local, wOff uint32, av []Local)
	corr  func(f *Func, cp Local, cOff uint32, av []Local)
}

// blocks32PairPrepared is blocks32.go's product for two rows at once (see the file
// comment) over prepared activations (PrepQ8_0's layout in
// wasm/simd: nb f32 scales, nb i32 corrections, then the 32·nb quants): a group's
// activation scales are one load instead of four fp16 conversions per pair of rows. Each
// row's arithmetic is blocks32.go's one-row scheme, with the blocks of the groups of four
// and two multiplied by grouped and a last odd block by tail: a lone block's four lane
// sums are scaled lane by lane, so its lanes (not only their total) decide the rounding,
// and a grouped dot whose lanes hold other products than the simd128 one's must leave it
// to one that does. loadA gets the quants as if in Q8_0 blocks (aOff+2 is block aOff/34's
// first quant, aOff a multiple of 32 here). An odd last row goes through the pair code with
// itself as the second row (computed twice, stored once).
//
//	W (rows, n) @ a (n,) prepared -> y (rows,)
func blocks32PairPrepared(name string, wBlock uint32, scales scalesFn, grouped, tail pairDot) *Func {
	var pair func(f *Func, wp0, wp1, ap, n, y0, y1 Local)
	pair = func(f *Func, wp0, wp1, ap, n, y0, y1 Local) {
		wps := [2]Local{wp0, wp1}
		var acc [2]Local
		var v [2][4]Local
		for r := range acc {
			acc[r] = f.Local(v128)
			for i := range v[r] {
				v[r][i] = f.Local(v128)
			}
		}
		av := make([]Local, max(grouped.nA, tail.nA))
		for i := range av {
			av[i] = f.Local(v128)
		}
		as, hv, tv := f.Local(v128), f.Local(v128), f.Local(v128)
		nb, cnt, h, em, sp, qp := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
		for r := range acc {
			f.VZero()
			f.Set(acc[r])
		}
		// sp: the scales; qp: two bytes before the quants (loadA adds Q8_0's 2)
		f.Get(ap)
		f.Set(sp)
		f.Get(ap)
		f.Get(n)
		f.I32(2)
		f.Op(opI32ShrU, opI32Add)
		f.I32(2)
		f.Op(opI32Sub)
		f.Set(qp)
		f.Get(n)
		f.I32(5)
		f.Op(opI32ShrU)
		f.Tee(nb)
		f.I32(2)
		f.Op(opI32ShrU)
		f.Set(cnt)
		// cp: the corrections, after the nb scales (only for a dot that takes them)
		var cp Local
		if grouped.corr != nil || tail.corr != nil {
			cp = f.Local(i32)
			f.Get(sp)
			f.Get(nb)
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
			f.Set(cp)
		}
		load := func(d pairDot, aOff uint32, av []Local) {
			d.loadA(f, qp, aOff, av)
			if d.corr != nil {
				d.corr(f, cp, aOff/8, av)
			}
		}
		group := func(k int) {
			for b := 0; b < k; b++ {
				load(grouped, uint32(32*b), av)
				for r := range wps {
					grouped.isum2(f, wps[r], uint32(b)*wBlock, av)
					f.Set(v[r][b])
				}
			}
			// the activation scales of the k blocks in lanes 0..k-1 (zero in the others)
			f.Get(sp)
			if k == 4 {
				f.VLoad(0)
			} else {
				f.VMem(vLoad64Zero, 0)
			}
			f.Set(as)
			for r := range wps {
				f.blockTotals(v[r][:], k)
				scales(f, wps[r], k, hv, tv)
				f.Get(as)
				f.V(f32x4Mul, f32x4Mul)
				f.Get(acc[r])
				f.V(f32x4Add)
				f.Set(acc[r])
				f.Add(wps[r], int32(k)*int32(wBlock))
			}
			f.Add(qp, int32(32*k))
			f.Add(sp, int32(4*k))
			if cp != 0 {
				f.Add(cp, int32(4*k))
			}
		}
		f.Repeat(cnt, func() { group(4) })
		f.Block()
		f.Get(nb)
		f.I32(2)
		f.Op(opI32And, opI32Eqz)
		f.BrIf(0)
		group(2)
		f.End()
		f.Get(nb)
		f.I32(1)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			load(tail, 0, av)
			for r := range wps {
				tail.isum2(f, wps[r], 0, av)
				f.accScaled(acc[r], false, func() {
					f.f16At(wps[r], 0, h, em)
					f.Get(sp)
					f.Mem(opF32Load, 2, 0)
					f.Op(opF32Mul)
				})
				f.Add(wps[r], int32(wBlock))
			}
			f.Add(qp, 32)
			f.Add(sp, 4)
			if cp != 0 {
				f.Add(cp, 4)
			}
		})
		for r, y := range []Local{y0, y1} {
			f.hsum(acc[r])
			f.Set(y)
		}
	}
	return pairRowsKernel(name, pair, func(f *Func, wp, ap, n Local) {
		wq, y0, y1 := f.Local(i32), f.Local(f32), f.Local(f32)
		f.Get(wp)
		f.Set(wq)
		pair(f, wp, wq, ap, n, y0, y1)
		f.Get(y0)
	})
}
