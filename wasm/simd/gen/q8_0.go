package main

// Q8_0 weights × Q8_0 activations. Block (34 bytes): fp16 d, 32 int8 quants.
//
//	W (rows, n) Q8_0 @ a (n,) Q8_0 -> y (rows,)
//
// Per block: the exact int32 sum of the 32 products in four lanes (i8 → i16,
// i32x4.dot_i16x8_s), converted to f32 and scaled by d_w*d_a into four f32 lane sums.
func matvecQ8_0() *Func {
	return rowsKernel("matvec_q8_0", func(f *Func, wp, ap, n Local) {
		acc, x, y := f.Local(v128), f.Local(v128), f.Local(v128)
		nb, h, em := f.Local(i32), f.Local(i32), f.Local(i32)
		f.VZero()
		f.Set(acc)
		f.Get(n)
		f.I32(5)
		f.Op(opI32ShrU)
		f.Set(nb)
		f.Repeat(nb, func() {
			for i, off := range []uint32{2, 18} {
				f.Get(wp)
				f.VLoad(off)
				f.Set(x)
				f.Get(ap)
				f.VLoad(off)
				f.Set(y)
				f.dotI8(x, y)
				if i == 1 {
					f.V(i32x4Add)
				}
			}
			f.accScaled(acc, false, func() {
				f.f16At(wp, 0, h, em)
				f.f16At(ap, 0, h, em)
				f.Op(opF32Mul)
			})
			f.Add(wp, 34)
			f.Add(ap, 34)
		})
		f.hsum(acc)
	})
}
