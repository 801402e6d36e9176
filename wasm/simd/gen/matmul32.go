package main

// Several-token kernels for the 32-element block types (Q8_0, Q4_0) against prepared Q8_0
// activations:
//
//	name(w, row_bytes, a, a_row_bytes, ntok, n, y, y_rows, row_lo, row_hi)
//	W (rows, n) @ A (ntok, n) -> Y (ntok, y_rows): Y[t][r] for r in [row_lo, row_hi)
//
// Prepared activations (PrepQ8_0 in package simd): token t's row at a + t*a_row_bytes
// holds the nb = n/32 block scales as f32 (4·nb bytes), then nb i32 corrections (-8 × the
// block's sum of quants: Q4_0's zero point, used by the relaxed-SIMD kernel), then the nb
// blocks' 32 int8 quants (32·nb bytes); a_row_bytes = 40·nb. The scales are converted
// from fp16 once per product instead of once per weight row.
//
// For each weight row, tokens go four at a time (then one at a time for the rest): a pair
// of weight blocks is loaded and widened to i16 once and its fp16 scales converted once,
// then multiplied with the four tokens' activations. Per token the arithmetic is the same
// whatever the group size, so a token's result does not depend on how many tokens share
// the call (decode, through the one-token matvec kernels, rounds differently):
//
//	per block:  i32x4 lane sums of the 32 products (i32x4.dot_i16x8_s, exact integers)
//	per pair:   lanes [s0a+s0c, s1a+s1c, s0b+s0d, s1b+s1d] (two shuffles + one add),
//	            converted and multiplied by [dw0·da0, dw1·da1, dw0·da0, dw1·da1]
//	            (da from one v128.load64_splat), added to the token's f32x4 accumulator
//	an odd last block: its lane sums times splat(dw·da)
//	y = (acc0 + acc1) + (acc2 + acc3)
//
// bd computes one block's products: load prepares the weight block at wp+off in four
// v128 locals once for the group of tokens; isum pushes the i32x4 lane sums (exact
// integers) of that block times token quants at qp+off, whose correction is at cp+coff.
// matmulGroup is how many tokens share each widened weight block (2: 12% slower, 6 and 8:
// within noise of 4 under Node on this machine, and more registers spilled).
const matmulGroup = 4

type blockDot struct {
	load func(f *Func, wp Local, off uint32, dst [4]Local)
	isum func(f *Func, w [4]Local, qp Local, off uint32, cp Local, coff uint32)
}

// widened is the simd128 blockDot: load widens the weight block to four i16x8 vectors
// (elements 0-7, 8-15, 16-23, 24-31, already minus any zero point), isum dots them with
// the token's quants widened as they load (v128.load8x8_s, i32x4.dot_i16x8_s).
func widened(widen func(f *Func, wp Local, off uint32, dst [4]Local)) blockDot {
	return blockDot{load: widen, isum: func(f *Func, w [4]Local, qp Local, off uint32, _ Local, _ uint32) {
		for i := 0; i < 4; i++ {
			f.Get(w[i])
			f.load8(qp, off+uint32(8*i), true)
			f.V(i32x4DotI16x8S)
			if i > 0 {
				f.V(i32x4Add)
			}
		}
	}}
}

func matmulBlocks32(name string, wBlock uint32, scales scalesFn, bd blockDot) *Func {
	group := matmulGroup
	f := NewFunc(name, true, []byte{i32, i32, i32, i32, i32, i32, i32, i32, i32, i32}, nil)
	w, rowBytes, a, aRowBytes, ntok, n, y, yRows, lo, hi :=
		f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6), f.Param(7), f.Param(8), f.Param(9)
	r, nb, left, cnt, groups := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	wrow, ap, yp, wq := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	l := &tokenLoop{w: w, rowBytes: rowBytes, a: a, aRowBytes: aRowBytes, ntok: ntok, y: y, yRows: yRows, lo: lo, hi: hi,
		r: r, wrow: wrow, ap: ap, yp: yp, groups: groups, left: left}
	var qp, sp, cp [8]Local // token t's quants, scales and corrections of the current block
	for t := range qp {
		qp[t], sp[t], cp[t] = f.Local(i32), f.Local(i32), f.Local(i32)
	}
	var acc [8]Local
	for t := range acc {
		acc[t] = f.Local(v128)
	}
	var wv [2][4]Local
	for b := range wv {
		for i := range wv[b] {
			wv[b][i] = f.Local(v128)
		}
	}
	dw, s0, s1, hv, tv := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)

	// nb = n / 32
	f.ShrU(nb, n, 5)

	// pair multiplies k (1 or 2) weight blocks at wq by T tokens' blocks at qp/sp, then
	// advances wq, qp and sp past them.
	pair := func(T, k int) {
		// dw = [dw0, dw1, dw0, dw1] (k = 2) or splat(dw0)
		scales(f, wq, k, hv, tv)
		f.Tee(dw)
		f.Get(dw)
		if k == 2 {
			f.Shuffle(lanes32(0, 1, 0, 1))
		} else {
			f.Shuffle(lanes32(0, 0, 0, 0))
		}
		f.Set(dw)
		for b := 0; b < k; b++ {
			bd.load(f, wq, uint32(b)*wBlock, wv[b])
		}
		for t := 0; t < T; t++ {
			sums := [2]Local{s0, s1}
			for b := 0; b < k; b++ {
				bd.isum(f, wv[b], qp[t], uint32(32*b), cp[t], uint32(4*b))
				f.Set(sums[b])
			}
			if k == 2 {
				f.Get(s0)
				f.Get(s1)
				f.Shuffle(lanes32(0, 4, 1, 5))
				f.Get(s0)
				f.Get(s1)
				f.Shuffle(lanes32(2, 6, 3, 7))
				f.V(i32x4Add)
			} else {
				f.Get(s0)
			}
			f.V(f32x4ConvertI32x4S)
			f.Get(sp[t])
			if k == 2 {
				f.VMem(vLoad64Splat, 0)
			} else {
				f.VMem(vLoad32Splat, 0)
			}
			f.Get(dw)
			f.V(f32x4Mul, f32x4Mul)
			f.Get(acc[t])
			f.V(f32x4Add)
			f.Set(acc[t])
			f.Add(qp[t], int32(32*k))
			f.Add(sp[t], int32(4*k))
			f.Add(cp[t], int32(4*k))
		}
		f.Add(wq, int32(k)*int32(wBlock))
	}

	// tokens runs T tokens from ap against the row at wrow and stores their outputs.
	tokens := func(T int) {
		for t := 0; t < T; t++ {
			// sp[t] = ap + t*a_row_bytes, cp[t] = sp[t] + 4·nb, qp[t] = sp[t] + 8·nb
			f.Get(ap)
			if t > 0 {
				f.Get(aRowBytes)
				f.I32(int32(t))
				f.Op(opI32Mul, opI32Add)
			}
			f.Tee(sp[t])
			f.Get(nb)
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
			f.Tee(cp[t])
			f.Get(nb)
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
			f.Set(qp[t])
			f.VZero()
			f.Set(acc[t])
		}
		f.Get(wrow)
		f.Set(wq)
		f.ShrU(cnt, nb, 1)
		f.Repeat(cnt, func() { pair(T, 2) })
		f.Block()
		f.Get(nb)
		f.I32(1)
		f.Op(opI32And, opI32Eqz)
		f.BrIf(0)
		pair(T, 1)
		f.End()
		l.store(f, acc[:T])
	}

	l.rows(f, group, tokens)
	return f
}

// tokenLoop holds the parameters and loop locals of a several-token kernel
// (name(w, row_bytes, a, a_row_bytes, ntok, n, y, y_rows, row_lo, row_hi)).
type tokenLoop struct {
	w, rowBytes, a, aRowBytes, ntok, y, yRows, lo, hi Local // parameters
	r, wrow, ap, yp, groups, left                     Local // i32 locals
}

// rows emits the row loop: for each r in [row_lo, row_hi), wrow = w + r·row_bytes (the
// weight row), ap = a (the first token's activations), yp = y + 4r (its output), then
// tokens(group) for every whole group of tokens and tokens(1) for each one left; tokens
// ends with store.
func (l *tokenLoop) rows(f *Func, group int, tokens func(T int)) {
	f.Get(l.lo)
	f.Set(l.r)
	f.Block()
	f.Get(l.r)
	f.Get(l.hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		f.Get(l.w)
		f.Get(l.r)
		f.Get(l.rowBytes)
		f.Op(opI32Mul, opI32Add)
		f.Set(l.wrow)
		f.Get(l.a)
		f.Set(l.ap)
		f.Get(l.y)
		f.Get(l.r)
		f.I32(2)
		f.Op(opI32Shl, opI32Add)
		f.Set(l.yp)
		f.Get(l.ntok)
		f.I32(int32(group))
		f.Op(opI32DivU)
		f.Set(l.groups)
		f.Get(l.ntok)
		f.I32(int32(group))
		f.Op(opI32RemU)
		f.Set(l.left)
		f.Repeat(l.groups, func() { tokens(group) })
		f.Repeat(l.left, func() { tokens(1) })

		f.Add(l.r, 1)
		f.Get(l.r)
		f.Get(l.hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
}

// store stores the lane sums of token t's accumulator acc[t] at yp + 4·t·y_rows, for the
// T = len(acc) tokens just done, then moves ap and yp past them.
func (l *tokenLoop) store(f *Func, acc []Local) {
	T := len(acc)
	for t := 0; t < T; t++ {
		f.Get(l.yp)
		if t > 0 {
			f.Get(l.yRows)
			f.I32(int32(4 * t))
			f.Op(opI32Mul, opI32Add)
		}
		f.hsum(acc[t])
		f.Mem(opF32Store, 0, 0)
	}
	// ap += T·a_row_bytes, yp += 4·T·y_rows
	f.Get(l.ap)
	f.Get(l.aRowBytes)
	f.I32(int32(T))
	f.Op(opI32Mul, opI32Add)
	f.Set(l.ap)
	f.Get(l.yp)
	f.Get(l.yRows)
	f.I32(int32(4 * T))
	f.Op(opI32Mul, opI32Add)
	f.Set(l.yp)
}
