package main

import (
	"bytes"
	"math"
)

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

// mulAdd replaces the two vectors on the stack, a and b, by a·b + acc: f32x4.mul and add
// (two roundings), or with fma one f32x4.relaxed_madd (relaxed SIMD only).
func (f *Func) mulAdd(acc Local, fma bool) {
	if fma {
		f.Get(acc)
		f.V(f32x4RelaxedMadd)
		return
	}
	f.V(f32x4Mul)
	f.Get(acc)
	f.V(f32x4Add)
}

// widenRaw pushes raw() of the four halves at p+off (see above).
func (f *Func) widenRaw(p Local, off uint32) {
	f.Get(p)
	f.VMem(vLoad16x4S, off)
	f.I32(13)
	f.V(i32x4Shl)
	f.splat32(0x8fffffff)
	f.V(vAnd)
}

// widenMulAdd adds raw(the four halves at p+off) × x(g) to acc(g) for each of n
// accumulators, the halves widened once (kept in tmp, a v128, when n > 1); x(g) pushes the
// f32x4 accumulator g's product takes.
func (f *Func) widenMulAdd(p Local, off uint32, n int, tmp Local, x func(g int), acc func(g int) Local, fma bool) {
	f.widenRaw(p, off)
	if n > 1 {
		f.Tee(tmp)
	}
	for g := 0; g < n; g++ {
		if g > 0 {
			f.Get(tmp)
		}
		x(g)
		f.mulAdd(acc(g), fma)
		f.Set(acc(g))
	}
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

func dotRowsF16() *Func { return dotRowsF16Heads("dot_rows_f16", true, 1, false) }

// dotRowsF16Heads is dot_rows_f16 for heads queries sharing the key rows (grouped-query
// attention: the heads of one K/V head), each row widened once for all of them:
//
//	(k, row_bytes, q'_0..q'_{heads-1}, n, y_0..y_{heads-1}, row_lo, row_hi) -> i32
//	K (rows, n) F16 @ q_g (n,) F32 -> y_g (rows,) for each g
//
// Every head's sums are dot_rows_f16's, in its order, bit for bit (heads = 1 is it). With
// fma (the relaxed-SIMD module's attention) each product and its sum is one
// f32x4.relaxed_madd instead: the same order, one rounding where there were two (on a CPU
// without FMA, V8 emits the multiply and the add, and the sums are dot_rows_f16's again),
// and each head's arithmetic still the same for any number of heads.
func dotRowsF16Heads(name string, export bool, heads int, fma bool) *Func {
	// (k, row_bytes, q'_0.., n, y_0.., row_lo, row_hi): all i32
	f := NewFunc(name, export, bytes.Repeat([]byte{i32}, 5+2*heads), []byte{i32})
	w, rowBytes := f.Param(0), f.Param(1)
	a, y := make([]Local, heads), make([]Local, heads)
	for g := range a {
		a[g], y[g] = f.Param(2+g), f.Param(3+heads+g)
	}
	n, lo, hi := f.Param(2+heads), f.Param(3+2*heads), f.Param(4+2*heads)
	r, wp := f.Local(i32), f.Local(i32)
	ap := make([]Local, heads)
	for g := range ap {
		ap[g] = f.Local(i32)
	}
	acc := make([][4]Local, heads)
	for g := range acc {
		for i := range acc[g] {
			acc[g][i] = f.Local(v128)
		}
	}
	mx := f.Local(v128)
	cnt, h, em := f.Local(i32), f.Local(i32), f.Local(i32)
	s := make([]Local, heads)
	for g := range s {
		s[g] = f.Local(f32)
	}
	var wv, hv Local
	if heads > 1 {
		wv, hv = f.Local(v128), f.Local(f32)
	}
	// acc_g[i] += raw(K[4i..4i+3]) * q_g[4i..4i+3], the keys widened once
	quad := func(i int, accOf func(g int) Local) {
		f.widenMulAdd(wp, uint32(8*i), heads, wv, func(g int) {
			f.Get(ap[g])
			f.VLoad(uint32(16 * i))
		}, accOf, fma)
	}
	advance := func(wBytes, aBytes int32) {
		f.Add(wp, wBytes)
		for g := range ap {
			f.Add(ap[g], aBytes)
		}
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
		for g := range ap {
			f.Get(a[g])
			f.Set(ap[g])
		}
		if heads == 1 {
			f.Get(y[0]) // store address y + 4r
			f.Get(r)
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
		}
		for g := range acc {
			for _, a := range acc[g] {
				f.VZero()
				f.Set(a)
			}
		}
		f.ShrU(cnt, n, 4)
		f.Repeat(cnt, func() {
			for i := 0; i < 4; i++ {
				quad(i, func(g int) Local { return acc[g][i] })
			}
			f.watch(mx, wp, 0, false)
			f.watch(mx, wp, 16, false)
			advance(32, 64)
		})
		for g := range acc {
			f.sum4(acc[g], f32x4Add)
			f.Set(acc[g][0])
		}
		f.ShrUAnd(cnt, n, 2, 3)
		f.Repeat(cnt, func() {
			quad(0, func(g int) Local { return acc[g][0] })
			f.watch(mx, wp, 0, true)
			advance(8, 16)
		})
		for g := range acc {
			f.hsum(acc[g][0])
			f.F32(0x1p48)
			f.Op(opF32Mul)
			f.Set(s[g])
		}
		f.Get(n)
		f.I32(3)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() { // exact: f16At handles every half; q' = q·2^64
			f.f16At(wp, 0, h, em)
			if heads > 1 {
				f.Set(hv)
			}
			for g := 0; g < heads; g++ {
				if heads > 1 {
					f.Get(hv)
				}
				f.Get(ap[g])
				f.Mem(opF32Load, 0, 0)
				f.Op(opF32Mul)
				f.F32(0x1p-64)
				f.Op(opF32Mul)
				f.Get(s[g])
				f.Op(opF32Add)
				f.Set(s[g])
			}
			advance(2, 4)
		})
		if heads == 1 {
			f.Get(s[0])
			f.Mem(opF32Store, 0, 0)
		} else {
			for g := range y {
				f.Get(y[g])
				f.Get(r)
				f.I32(2)
				f.Op(opI32Shl, opI32Add)
				f.Get(s[g])
				f.Mem(opF32Store, 0, 0)
			}
		}
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

func weightedRowsF16() *Func { return weightedRowsF16Heads("weighted_rows_f16", true, 1, false, false) }

// weightedRowsF16Attn is weighted_rows_f16 as attn_heads_f16 runs it: for heads
// probability rows sharing the value rows (grouped-query attention), each value row
// widened once for all of them, and the probabilities already times 2^112 (p' = p·2^112:
// exact, and never Inf for softmax output, p ≤ 1, so there is nothing to watch but the
// halves):
//
//	(v, stride, p'_0..p'_{heads-1}, rows, out_0..out_{heads-1}, n) -> i32
//	p_g (rows,) F32 @ V (rows, n) F16 -> out_g (n,) for each g
//
// Every head's sums are weighted_rows_f16's, bit for bit: the same products (raw(h)·p'),
// one running sum per column, rows in order; the last n%4 columns exactly, by p'·2^-112 =
// p (exact). With fma (the relaxed-SIMD module) each product and its sum is one
// f32x4.relaxed_madd, as in dotRowsF16Heads.
func weightedRowsF16Attn(name string, heads int, fma bool) *Func {
	return weightedRowsF16Heads(name, false, heads, true, fma)
}

// weightedRowsF16Heads generates weighted_rows_f16 (one head, p as it is: heads 1,
// prescaled false, byte for byte) and weightedRowsF16Attn's kernels: heads probability
// rows over the same value rows, each value row widened once for all, p given times 2^112
// when prescaled (then no Inf check on it), multiplied and added in one relaxed_madd with fma.
func weightedRowsF16Heads(name string, export bool, heads int, prescaled, fma bool) *Func {
	// (v, stride, p_0.., rows, out_0.., n): all i32
	f := NewFunc(name, export, bytes.Repeat([]byte{i32}, 4+2*heads), []byte{i32})
	v, stride := f.Param(0), f.Param(1)
	p, out := make([]Local, heads), make([]Local, heads)
	for g := range p {
		p[g], out[g] = f.Param(2+g), f.Param(3+heads+g)
	}
	rows, n := f.Param(2+heads), f.Param(3+2*heads)
	acc := make([][4]Local, heads)
	for g := range acc {
		for i := range acc[g] {
			acc[g][i] = f.Local(v128)
		}
	}
	chunks, cnt, vp := f.Local(i32), f.Local(i32), f.Local(i32)
	pp := make([]Local, heads)
	for g := range pp {
		pp[g] = f.Local(i32)
	}
	var bad Local
	if !prescaled {
		bad = f.Local(i32)
	}
	s := make([]Local, heads)
	for g := range s {
		s[g] = f.Local(v128)
	}
	mx := f.Local(v128)
	h, em := f.Local(i32), f.Local(i32)
	ps := make([]Local, heads)
	for g := range ps {
		ps[g] = f.Local(f32)
	}
	var wv, hv Local
	if heads > 1 {
		wv, hv = f.Local(v128), f.Local(f32)
	}
	// over every row t: body() with vp at V[t] + the pass's first column and pp at p[t]
	overRows := func(body func()) {
		f.Get(v)
		f.Set(vp)
		for g := range pp {
			f.Get(p[g])
			f.Set(pp[g])
		}
		f.Get(rows)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			body()
			f.AddLocal(vp, stride)
			for g := range pp {
				f.Add(pp[g], 4)
			}
		})
	}
	// 16 columns (width 4) or 4 (width 1) over every row
	pass := func(width int) {
		for g := range acc {
			for i := 0; i < width; i++ {
				f.VZero()
				f.Set(acc[g][i])
			}
		}
		overRows(func() {
			for g := range s {
				if prescaled {
					f.Get(pp[g])
					f.VMem(vLoad32Splat, 0)
					f.Set(s[g])
					continue
				}
				// s = splat(p' = p[t]·2^112); bad |= |p'| == Inf
				f.Get(pp[g])
				f.Mem(opF32Load, 0, 0)
				f.F32(0x1p112)
				f.Op(opF32Mul)
				f.Tee(ps[g])
				f.V(f32x4Splat)
				f.Set(s[g])
				f.Get(ps[g])
				f.Op(opF32Abs)
				f.F32(float32(math.Inf(1)))
				f.Op(opF32Eq)
				f.Get(bad)
				f.Op(opI32Or)
				f.Set(bad)
			}
			for i := 0; i < width; i++ {
				f.widenMulAdd(vp, uint32(8*i), heads, wv, func(g int) { f.Get(s[g]) }, func(g int) Local { return acc[g][i] }, fma)
			}
			if width == 4 {
				f.watch(mx, vp, 0, false)
				f.watch(mx, vp, 16, false)
			} else {
				f.watch(mx, vp, 0, true)
			}
		})
		for g := range acc {
			for i := 0; i < width; i++ {
				f.Get(out[g])
				f.Get(acc[g][i])
				f.VMem(vStore, uint32(16*i))
			}
		}
		f.Add(v, int32(8*width))
		for g := range out {
			f.Add(out[g], int32(16*width))
		}
	}
	f.VZero()
	f.Set(mx)
	f.ShrU(chunks, n, 4)
	f.Repeat(chunks, func() { pass(4) })
	f.ShrUAnd(chunks, n, 2, 3)
	f.Repeat(chunks, func() { pass(1) })
	// the last n%4 columns one at a time, exactly (f16At, unscaled p: p'·2^-112 is exact)
	f.Get(n)
	f.I32(3)
	f.Op(opI32And)
	f.Set(chunks)
	f.Repeat(chunks, func() {
		for g := range ps {
			f.F32(0)
			f.Set(ps[g])
		}
		overRows(func() {
			if heads > 1 {
				f.f16At(vp, 0, h, em)
				f.Set(hv)
			}
			for g := range ps {
				f.Get(pp[g])
				f.Mem(opF32Load, 0, 0)
				if prescaled {
					f.F32(0x1p-112)
					f.Op(opF32Mul)
				}
				if heads > 1 {
					f.Get(hv)
				} else {
					f.f16At(vp, 0, h, em)
				}
				f.Op(opF32Mul)
				f.Get(ps[g])
				f.Op(opF32Add)
				f.Set(ps[g])
			}
		})
		for g := range ps {
			f.Get(out[g])
			f.Get(ps[g])
			f.Mem(opF32Store, 0, 0)
		}
		f.Add(v, 2)
		for g := range out {
			f.Add(out[g], 4)
		}
	})
	if !prescaled {
		f.Get(bad)
	}
	f.sawInfNaN(mx)
	if !prescaled {
		f.Op(opI32Or)
	}
	return f
}
