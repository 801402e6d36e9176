package main

// weighted_rows_f32(v, stride, p, rows, out, n): the rows of V weighted by p and summed,
// attention's P·V over the value cache:
//
//	p (rows,) @ V (rows, n; rows stride bytes apart) -> out (n,)
//	out[i] = Σ_t p[t] * V[t][i]
//
// n must be a multiple of 4 (the Go wrapper checks). Sixteen columns at a time in four
// f32x4 accumulators (one pass over the rows each), then four at a time.
func weightedRowsF32() *Func {
	f := NewFunc("weighted_rows_f32", true, []byte{i32, i32, i32, i32, i32, i32}, nil)
	v, stride, p, rows, out, n := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5)
	var acc [4]Local
	for i := range acc {
		acc[i] = f.Local(v128)
	}
	chunks, cnt, vp, pp, s := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(v128)
	pass := func(width int) {
		for i := 0; i < width; i++ {
			f.VZero()
			f.Set(acc[i])
		}
		f.Get(v)
		f.Set(vp)
		f.Get(p)
		f.Set(pp)
		f.Get(rows)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			f.Get(pp)
			f.Mem(opF32Load, 0, 0)
			f.V(f32x4Splat)
			f.Set(s)
			for i := 0; i < width; i++ {
				f.Get(vp)
				f.VLoad(uint32(16 * i))
				f.Get(s)
				f.V(f32x4Mul)
				f.Get(acc[i])
				f.V(f32x4Add)
				f.Set(acc[i])
			}
			f.AddLocal(vp, stride)
			f.Add(pp, 4)
		})
		for i := 0; i < width; i++ {
			f.Get(out)
			f.Get(acc[i])
			f.VMem(vStore, uint32(16*i))
		}
		f.Add(v, int32(16*width))
		f.Add(out, int32(16*width))
	}
	f.ShrU(chunks, n, 4)
	f.Repeat(chunks, func() { pass(4) })
	f.ShrUAnd(chunks, n, 2, 3)
	f.Repeat(chunks, func() { pass(1) })
	return f
}
