package main

import "bytes"

// dotRowsF16Lanes is dotRowsF16Heads for a decode step's attention (attn_heads_f16 calls
// it when n % 4 == 0, every model's head size): the same signature and the same result
// for each row and head, computed rows-in-lanes instead of one row at a time:
//
//	(k, row_bytes, q'_0..q'_{heads-1}, n, y_0..y_{heads-1}, row_lo, row_hi) -> i32
//	K (rows, n) F16 @ q_g (n,) F32 -> y_g (rows,) for each g, q' = q·2^64 (raw widening)
//
// A block of R rows (3 for three heads, 4 for fewer) keeps one f32x4 accumulator per
// (head, row), four columns at a time: each widened key vector feeds every head, each
// query vector every row, and at the end of the block one head's R sums are folded into
// one vector (fold4) and stored together — where one row at a time kept four accumulators
// a head and folded each row's sums apart (a third of dot_rows_f16x3's instructions per
// row, on a 64-dimension head). The rows past the last whole block go one at a time through
// the same per-row arithmetic, so a row's score does not depend on the block it falls in,
// nor on how many heads share the call (TestAttentionHeadsPairing). Halves with exponent 31
// are watched as in dotRowsF16Heads: the result is then 1 (the caller's Go fallback).
func dotRowsF16Lanes(name string, heads int, fma bool) *Func {
	f := NewFunc(name, false, bytes.Repeat([]byte{i32}, 5+2*heads), []byte{i32})
	w, rowBytes := f.Param(0), f.Param(1)
	q, y := make([]Local, heads), make([]Local, heads)
	for g := range q {
		q[g], y[g] = f.Param(2+g), f.Param(3+heads+g)
	}
	n, lo, hi := f.Param(2+heads), f.Param(3+2*heads), f.Param(4+2*heads)
	R := 4
	if heads == 3 {
		R = 3
	}
	r, cnt := f.Local(i32), f.Local(i32)
	wp := make([]Local, R)
	for i := range wp {
		wp[i] = f.Local(i32)
	}
	ap := make([]Local, heads)
	for g := range ap {
		ap[g] = f.Local(i32)
	}
	acc := make([][4]Local, heads)
	for g := range acc {
		for i := 0; i < R; i++ {
			acc[g][i] = f.Local(v128)
		}
	}
	qv := make([]Local, heads)
	for g := range qv {
		qv[g] = f.Local(v128)
	}
	kv, mx, u, zero := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	f.VZero()
	f.Set(mx)
	f.VZero()
	f.Set(zero)

	// block computes rows r..r+nr-1 (nr ≤ R) and advances r
	block := func(nr int) {
		for i := 0; i < nr; i++ {
			f.Get(w)
			f.Get(r)
			if i > 0 {
				f.I32(int32(i))
				f.Op(opI32Add)
			}
			f.Get(rowBytes)
			f.Op(opI32Mul, opI32Add)
			f.Set(wp[i])
			for g := range acc {
				f.VZero()
				f.Set(acc[g][i])
			}
		}
		for g := range ap {
			f.Get(q[g])
			f.Set(ap[g])
		}
		// step: four columns at K offset 8s, q offset 16s
		step := func(s uint32) {
			for g := range qv {
				f.Get(ap[g])
				f.VLoad(16 * s)
				f.Set(qv[g])
			}
			for i := 0; i < nr; i++ {
				f.widenMulAdd(wp[i], 8*s, heads, kv, func(g int) { f.Get(qv[g]) }, func(g int) Local { return acc[g][i] }, fma)
			}
		}
		advance := func(wBytes, aBytes int32) {
			for i := 0; i < nr; i++ {
				f.Add(wp[i], wBytes)
			}
			for g := range ap {
				f.Add(ap[g], aBytes)
			}
		}
		f.ShrU(cnt, n, 4)
		f.Repeat(cnt, func() {
			for s := uint32(0); s < 4; s++ {
				step(s)
			}
			for i := 0; i < nr; i++ {
				f.watch(mx, wp[i], 0, false)
				f.watch(mx, wp[i], 16, false)
			}
			advance(32, 64)
		})
		f.ShrUAnd(cnt, n, 2, 3)
		f.Repeat(cnt, func() {
			step(0)
			for i := 0; i < nr; i++ {
				f.watch(mx, wp[i], 0, true)
			}
			advance(8, 16)
		})
		// y_g[r..r+nr) = fold of the rows' accumulators · 2^48
		for g := range acc {
			var four [4]Local
			for i := range four {
				four[i] = zero
				if i < nr {
					four[i] = acc[g][i]
				}
			}
			if nr == R && R == 4 {
				f.Get(y[g])
				f.Get(r)
				f.I32(2)
				f.Op(opI32Shl, opI32Add)
				f.fold4(four, u)
				f.splatF32(0x1p48)
				f.V(f32x4Mul)
				f.VMem(vStore, 0)
				continue
			}
			f.fold4(four, u)
			f.splatF32(0x1p48)
			f.V(f32x4Mul)
			f.Set(u)
			for i := 0; i < nr; i++ {
				f.Get(y[g])
				f.Get(r)
				f.I32(2)
				f.Op(opI32Shl, opI32Add)
				f.Get(u)
				f.Lane(f32x4ExtractLane, byte(i))
				f.Mem(opF32Store, 2, uint32(4*i))
			}
			// (zero stays zero: fold4 overwrote acc[g][0] only)
		}
		f.Add(r, int32(nr))
	}

	f.Get(lo)
	f.Set(r)
	// whole blocks while r + R <= hi
	f.Block()
	f.Loop()
	f.Get(r)
	f.I32(int32(R))
	f.Op(opI32Add)
	f.Get(hi)
	f.Op(opI32GtS)
	f.BrIf(1)
	block(R)
	f.Op(opBr, 0)
	f.End()
	f.End()
	// the rest one at a time
	f.Block()
	f.Loop()
	f.Get(r)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(1)
	block(1)
	f.Op(opBr, 0)
	f.End()
	f.End()
	f.sawInfNaN(mx)
	return f
}
