package main

import "math"

// Attention over an F16 KV cache (engine/model's default): keys and values are IEEE
// halves, queries and probabilities float32.
//
//	dot_rows_f16(k, row_bytes, q', n, y, row_lo, row_hi) -> i32
//	    K (rows, n) F16 @ q (n,) F32 -> y (rows,): y[r] = Σ_i f32(K[r][i])·q[i],
//	    given q' = q·2^64 (see below)
//	weighted_rows_f16(v, stride, p, rows, out, n) -> i32
//	    p (rows,) F32 @ V (rows, n) F16 -> out (n,): out[i] = Σ_t p[t]·f32(V[t][i])
//
// Rows are row_bytes / stride bytes apart (the cache's NHeadKV*HeadDim halves: one head's
// slice of each position). Any n: 16 elements at a time in four f32x4 accumulators, then
// four at a time, then one (the last exactly as ops.DotRowsF16 / WeightedRowsF16 do).
//
// Widening. The exact conversion (f16x4, as matvec_f16 uses) costs about twelve vector
// instructions per four halves and made these kernels 7-9× slower than their F32
// counterparts, which a decode step runs for every cached position, layer and head. So the
// vector paths widen a half h to its value scaled by 2^-112 instead:
//
//	raw(h) = bits (sign(h) << 31 | (h & 0x7fff) << 13) = f32(h) · 2^-112
//
// exactly, for normal and subnormal halves alike (the scaled subnormals are f32
// subnormals), in two instructions on a sign-extending load: (h << 13) & 0x8fffffff. The
// scale goes back on the other operand, so that every product is the same real number
// times a power of two, rounds the same way, and lands in f32's normal range (a subnormal
// operand or result costs ~100 cycles on x86):
//
//   - weighted_rows_f16 multiplies each p[t] by 2^112 (exact while |p| < 2^16): raw(h)·p'
//     is f32(h)·p exactly before rounding, so with the Go loop's order (one running sum
//     per column, rows in order) its results equal the Go loop's bit for bit.
//   - dot_rows_f16 takes q already multiplied by 2^64 (the Go wrapper does it, and checks
//     it is finite): raw(k)·q' = k·q·2^-48, and the sum times 2^48 is exactly what exact
//     widening would give in the kernel's order (16 lanes, then a tree), which differs
//     from the Go loop's.
//
// Halves with exponent 31 (±Inf, NaN) have no raw form (they would read as ±2^16·(1.m)),
// nor does a p' that overflows: the kernels track the largest |h| they load (i16x8 max of
// h << 1) and whether some p' is infinite, and return 1 when either happened — the results
// are then wrong and the Go wrapper runs the Go loop instead (an F16 cache only holds Inf
// when a key or value overflowed 65504). They return 0 otherwise. The n%4 last elements go
// one at a time through the exact scalar conversion (f16At).

// widenRaw pushes raw() of the four halves at p+off (see above).
func (f *Func) widenRaw(p Local, off uint32) {
	f.Get(p)
	f.VMem(vLoad16x4S, off)
	f.I32(13)
	f.V(i32x4Shl)
	f.splat32(0x8fffffff)
	f.V(vAnd)
}

// watch folds the eight halves at p+off (four when half, the rest zero) into mx: mx =
// max_u(mx, h << 1), so that at the end some |h| had exponent 31 iff some lane ≥ 0xf800.
func (f *Func) watch(mx, p Local, off uint32, half bool) {
	f.Get(mx)
	f.Get(p)
	if half {
		f.VMem(vLoad64Zero, off)
	} else {
		f.VMem(vLoad, off)
	}
	f.I32(1)
	f.V(i16x8Shl, i16x8MaxU)
	f.Set(mx)
}

// sawInfNaN pushes 1 if a half folded into mx had exponent 31, else 0.
func (f *Func) sawInfNaN(mx Local) {
	f.Get(mx)
	f.splat16(0xf800)
	f.V(i16x8GeU, vAnyTrue)
}

func dotRowsF16() *Func {
	f := NewFunc("dot_rows_f16", true, []byte{i32, i32, i32, i32, i32, i32, i32}, []byte{i32})
	w, rowBytes, a, n, y, lo, hi := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6)
	r, wp, ap := f.Local(i32), f.Local(i32), f.Local(i32)
	var acc [4]Local
	for i := range acc {
		acc[i] = f.Local(v128)
	}
	mx := f.Local(v128)
	cnt, h, em, s := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(f32)
	// acc += raw(K[4i..4i+3]) * q[4i..4i+3]
	quad := func(i int, acc Local) {
		f.widenRaw(wp, uint32(8*i))
		f.Get(ap)
		f.VLoad(uint32(16 * i))
		f.V(f32x4Mul)
		f.Get(acc)
		f.V(f32x4Add)
		f.Set(acc)
	}
	f.VZero()
	f.Set(mx)
	f.Get(lo)
	f.Set(r)
	f.Block()
	f.Get(r)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		f.Get(w)
		f.Get(r)
		f.Get(rowBytes)
		f.Op(opI32Mul, opI32Add)
		f.Set(wp)
		f.Get(a)
		f.Set(ap)
		f.Get(y) // store address y + 4r
		f.Get(r)
		f.I32(2)
		f.Op(opI32Shl, opI32Add)
		for _, a := range acc {
			f.VZero()
			f.Set(a)
		}
		f.Get(n)
		f.I32(4)
		f.Op(opI32ShrU)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			for i, a := range acc {
				quad(i, a)
			}
			f.watch(mx, wp, 0, false)
			f.watch(mx, wp, 16, false)
			f.Add(wp, 32)
			f.Add(ap, 64)
		})
		f.Get(acc[0])
		f.Get(acc[1])
		f.V(f32x4Add)
		f.Get(acc[2])
		f.Get(acc[3])
		f.V(f32x4Add, f32x4Add)
		f.Set(acc[0])
		f.Get(n)
		f.I32(2)
		f.Op(opI32ShrU)
		f.I32(3)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			quad(0, acc[0])
			f.watch(mx, wp, 0, true)
			f.Add(wp, 8)
			f.Add(ap, 16)
		})
		f.hsum(acc[0])
		f.F32(0x1p48)
		f.Op(opF32Mul)
		f.Set(s)
		f.Get(n)
		f.I32(3)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() { // exact: f16At handles every half; q' = q·2^64
			f.f16At(wp, 0, h, em)
			f.Get(ap)
			f.Mem(opF32Load, 0, 0)
			f.Op(opF32Mul)
			f.F32(0x1p-64)
			f.Op(opF32Mul)
			f.Get(s)
			f.Op(opF32Add)
			f.Set(s)
			f.Add(wp, 2)
			f.Add(ap, 4)
		})
		f.Get(s)
		f.Mem(opF32Store, 0, 0)
		f.Add(r, 1)
		f.Get(r)
		f.Get(hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	f.sawInfNaN(mx)
	return f
}

func weightedRowsF16() *Func {
	f := NewFunc("weighted_rows_f16", true, []byte{i32, i32, i32, i32, i32, i32}, []byte{i32})
	v, stride, p, rows, out, n := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5)
	var acc [4]Local
	for i := range acc {
		acc[i] = f.Local(v128)
	}
	chunks, cnt, vp, pp, bad := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	s, mx := f.Local(v128), f.Local(v128)
	h, em, ps := f.Local(i32), f.Local(i32), f.Local(f32)
	// over every row t: body() with vp at V[t] + the pass's first column and pp at p[t]
	overRows := func(body func()) {
		f.Get(v)
		f.Set(vp)
		f.Get(p)
		f.Set(pp)
		f.Get(rows)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			body()
			f.Get(vp)
			f.Get(stride)
			f.Op(opI32Add)
			f.Set(vp)
			f.Add(pp, 4)
		})
	}
	// 16 columns (width 4) or 4 (width 1) over every row
	pass := func(width int) {
		for i := 0; i < width; i++ {
			f.VZero()
			f.Set(acc[i])
		}
		overRows(func() {
			// s = splat(p' = p[t]·2^112); bad |= |p'| == Inf
			f.Get(pp)
			f.Mem(opF32Load, 0, 0)
			f.F32(0x1p112)
			f.Op(opF32Mul)
			f.Tee(ps)
			f.V(f32x4Splat)
			f.Set(s)
			f.Get(ps)
			f.Op(opF32Abs)
			f.F32(float32(math.Inf(1)))
			f.Op(opF32Eq)
			f.Get(bad)
			f.Op(opI32Or)
			f.Set(bad)
			for i := 0; i < width; i++ {
				f.widenRaw(vp, uint32(8*i))
				f.Get(s)
				f.V(f32x4Mul)
				f.Get(acc[i])
				f.V(f32x4Add)
				f.Set(acc[i])
			}
			if width == 4 {
				f.watch(mx, vp, 0, false)
				f.watch(mx, vp, 16, false)
			} else {
				f.watch(mx, vp, 0, true)
			}
		})
		for i := 0; i < width; i++ {
			f.Get(out)
			f.Get(acc[i])
			f.VMem(vStore, uint32(16*i))
		}
		f.Add(v, int32(8*width))
		f.Add(out, int32(16*width))
	}
	f.VZero()
	f.Set(mx)
	f.Get(n)
	f.I32(4)
	f.Op(opI32ShrU)
	f.Set(chunks)
	f.Repeat(chunks, func() { pass(4) })
	f.Get(n)
	f.I32(2)
	f.Op(opI32ShrU)
	f.I32(3)
	f.Op(opI32And)
	f.Set(chunks)
	f.Repeat(chunks, func() { pass(1) })
	// the last n%4 columns one at a time, exactly (f16At, unscaled p)
	f.Get(n)
	f.I32(3)
	f.Op(opI32And)
	f.Set(chunks)
	f.Repeat(chunks, func() {
		f.F32(0)
		f.Set(ps)
		overRows(func() {
			f.Get(pp)
			f.Mem(opF32Load, 0, 0)
			f.f16At(vp, 0, h, em)
			f.Op(opF32Mul)
			f.Get(ps)
			f.Op(opF32Add)
			f.Set(ps)
		})
		f.Get(out)
		f.Get(ps)
		f.Mem(opF32Store, 0, 0)
		f.Add(v, 2)
		f.Add(out, 4)
	})
	f.Get(bad)
	f.sawInfNaN(mx)
	f.Op(opI32Or)
	return f
}
