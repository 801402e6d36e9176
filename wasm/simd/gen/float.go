package main

// F32 × F32 and F16 × F16 rows (block size 1: n need not be a multiple of anything).
//
//	W (rows, n) F32 @ a (n,) F32 -> y (rows,)
//	W (rows, n) F16 @ a (n,) F16 -> y (rows,)
//
// Four f32x4 accumulators over 16 values at a time (F32) or two over 8 (F16, converted
// with f16x4), then the rest four (F32) and one at a time.

func matvecF32() *Func {
	return rowsKernel("matvec_f32", func(f *Func, wp, ap, n Local) {
		var acc [4]Local
		for i := range acc {
			acc[i] = f.Local(v128)
			f.VZero()
			f.Set(acc[i])
		}
		cnt, s := f.Local(i32), f.Local(f32)
		f.ShrU(cnt, n, 4)
		f.Repeat(cnt, func() {
			for i := range acc {
				f.Get(wp)
				f.VLoad(uint32(16 * i))
				f.Get(ap)
				f.VLoad(uint32(16 * i))
				f.V(f32x4Mul)
				f.Get(acc[i])
				f.V(f32x4Add)
				f.Set(acc[i])
			}
			f.Add(wp, 64)
			f.Add(ap, 64)
		})
		f.sum4(acc, f32x4Add)
		f.Set(acc[0])
		f.ShrUAnd(cnt, n, 2, 3)
		f.Repeat(cnt, func() {
			f.Get(wp)
			f.VLoad(0)
			f.Get(ap)
			f.VLoad(0)
			f.V(f32x4Mul)
			f.Get(acc[0])
			f.V(f32x4Add)
			f.Set(acc[0])
			f.Add(wp, 16)
			f.Add(ap, 16)
		})
		f.hsum(acc[0])
		f.Set(s)
		f.Get(n)
		f.I32(3)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			f.Get(wp)
			f.Mem(opF32Load, 0, 0)
			f.Get(ap)
			f.Mem(opF32Load, 0, 0)
			f.Op(opF32Mul)
			f.Get(s)
			f.Op(opF32Add)
			f.Set(s)
			f.Add(wp, 4)
			f.Add(ap, 4)
		})
		f.Get(s)
	})
}

func matvecF16() *Func {
	return rowsKernel("matvec_f16", func(f *Func, wp, ap, n Local) {
		acc := [2]Local{f.Local(v128), f.Local(v128)}
		xw, xa, hv, tv := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
		cnt, h, em := f.Local(i32), f.Local(i32), f.Local(i32)
		s := f.Local(f32)
		for _, a := range acc {
			f.VZero()
			f.Set(a)
		}
		f.ShrU(cnt, n, 3)
		f.Repeat(cnt, func() {
			f.Get(wp)
			f.VLoad(0)
			f.Set(xw)
			f.Get(ap)
			f.VLoad(0)
			f.Set(xa)
			for i, a := range acc {
				ext := uint32(i32x4ExtendLowI16x8U)
				if i == 1 {
					ext = i32x4ExtendHighI16x8U
				}
				f.Get(xw)
				f.V(ext)
				f.f16x4(hv, tv)
				f.Get(xa)
				f.V(ext)
				f.f16x4(hv, tv)
				f.V(f32x4Mul)
				f.Get(a)
				f.V(f32x4Add)
				f.Set(a)
			}
			f.Add(wp, 16)
			f.Add(ap, 16)
		})
		f.Get(acc[0])
		f.Get(acc[1])
		f.V(f32x4Add)
		f.Set(acc[0])
		f.hsum(acc[0])
		f.Set(s)
		f.Get(n)
		f.I32(7)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			f.f16At(wp, 0, h, em)
			f.f16At(ap, 0, h, em)
			f.Op(opF32Mul)
			f.Get(s)
			f.Op(opF32Add)
			f.Set(s)
			f.Add(wp, 2)
			f.Add(ap, 2)
		})
		f.Get(s)
	})
}
