package main

// Q4_0 weights × Q8_0 activations. Q4_0 block (18 bytes): fp16 d, 16 bytes of nibbles
// (byte j: element j low, element j+16 high), x = d*(q-8).
//
//	W (rows, n) Q4_0 @ a (n,) Q8_0 -> y (rows,)
//
// Per block: nibbles split with v128.and / i8x16.shr_u, 8 subtracted in int8, then as
// Q8_0: exact int32 lane sums scaled by d_w*d_a into four f32 lane sums.
func matvecQ4_0() *Func {
	return rowsKernel("matvec_q4_0", func(f *Func, wp, ap, n Local) {
		acc, q, x, y, m4, eight := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
		nb, h, em := f.Local(i32), f.Local(i32), f.Local(i32)
		f.VZero()
		f.Set(acc)
		f.splat8(0x0f)
		f.Set(m4)
		f.splat8(8)
		f.Set(eight)
		f.Get(n)
		f.I32(5)
		f.Op(opI32ShrU)
		f.Set(nb)
		f.Repeat(nb, func() {
			f.Get(wp)
			f.VLoad(2)
			f.Set(q)
			// low nibbles · a[0:16]
			f.Get(q)
			f.Get(m4)
			f.V(vAnd)
			f.Get(eight)
			f.V(i8x16Sub)
			f.Set(x)
			f.Get(ap)
			f.VLoad(2)
			f.Set(y)
			f.dotI8(x, y)
			// high nibbles · a[16:32]
			f.Get(q)
			f.I32(4)
			f.V(i8x16ShrU)
			f.Get(eight)
			f.V(i8x16Sub)
			f.Set(x)
			f.Get(ap)
			f.VLoad(18)
			f.Set(y)
			f.dotI8(x, y)
			f.V(i32x4Add)
			f.accScaled(acc, false, func() {
				f.f16At(wp, 0, h, em)
				f.f16At(ap, 0, h, em)
				f.Op(opF32Mul)
			})
			f.Add(wp, 18)
			f.Add(ap, 34)
		})
		f.hsum(acc)
	})
}
