package main

// rmsnorm(x, w, out, n, eps, rows): RMSNorm of each of rows rows, for n a multiple of 4:
//
//	x (rows, n), w (n,) -> out (rows, n) = x · f32(1/sqrt(f32(Σ f64(x²)/n) + eps)) · w   (out may alias x)
//
// Bit for bit ops.RMSNorm: each square in f32 (f32x4.mul), widened to f64 and added to
// the sum one at a time in index order (the sum's rounding is the Go loop's), the mean
// and scale in the same f64/f32 steps, then (x·scale)·w four lanes at a time.
func rmsNorm() *Func {
	f := NewFunc("rmsnorm", true, []byte{i32, i32, i32, i32, f32, i32}, nil)
	x, w0, out, n, eps, rows := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5)
	sum, sq, scale, p, count, w := f.Local(f64), f.Local(v128), f.Local(v128), f.Local(i32), f.Local(i32), f.Local(i32)
	f.Repeat(rows, func() { rmsNormRow(f, x, w0, w, out, n, eps, sum, sq, scale, p, count) })
	return f
}

// rmsNormRow emits one row of rmsnorm, leaving x and out at the next row.
func rmsNormRow(f *Func, x, w0, w, out, n, eps, sum, sq, scale, p, count Local) {
	f.F64(0)
	f.Set(sum)
	f.Get(w0)
	f.Set(w)
	f.Get(x)
	f.Set(p)
	f.ShrU(count, n, 2)
	f.Repeat(count, func() {
		f.Get(p)
		f.VLoad(0)
		f.Tee(sq)
		f.Get(sq)
		f.V(f32x4Mul)
		f.Set(sq)
		for lane := byte(0); lane < 4; lane++ {
			f.Get(sum)
			f.Get(sq)
			f.Lane(f32x4ExtractLane, lane)
			f.Op(opF64PromoteF32, opF64Add)
			f.Set(sum)
		}
		f.Add(p, 16)
	})
	// scale = f32(1 / sqrt(f64(f32(sum / f64(n)) + eps)))
	f.F64(1)
	f.Get(sum)
	f.Get(n)
	f.Op(opF64ConvertI32U, opF64Div, opF32DemoteF64)
	f.Get(eps)
	f.Op(opF32Add, opF64PromoteF32, opF64Sqrt, opF64Div, opF32DemoteF64)
	f.V(f32x4Splat)
	f.Set(scale)
	f.ShrU(count, n, 2)
	f.Repeat(count, func() {
		f.Get(out) // store address
		f.Get(x)
		f.VLoad(0)
		f.Get(scale)
		f.V(f32x4Mul)
		f.Get(w)
		f.VLoad(0)
		f.V(f32x4Mul)
		f.VMem(vStore, 0)
		f.Add(x, 16)
		f.Add(w, 16)
		f.Add(out, 16)
	})
}
