package main

import "math"

// add_f32(dst, src, n): the residual sum, dst (n,) += src (n,), n a multiple of 4, four
// lanes at a time: each element's one f32 add, as ops.Add's.
func addF32() *Func {
	f := NewFunc("add_f32", true, []byte{i32, i32, i32}, nil)
	dst, src, n := f.Param(0), f.Param(1), f.Param(2)
	f.ShrU(n, n, 2)
	f.Repeat(n, func() {
		f.Get(dst)
		f.Get(dst)
		f.VLoad(0)
		f.Get(src)
		f.VLoad(0)
		f.V(f32x4Add)
		f.VMem(vStore, 0)
		f.Add(dst, 16)
		f.Add(src, 16)
	})
	return f
}

// scale_f32(src, dst, n, s) -> i32: dst (n,) = src (n,) · s, n a multiple of 4, four lanes
// at a time (each element's one f32 multiply); returns 1 when some product is ±Inf, else 0.
// Attention's queries times 2^64 (what dot_rows_f16 takes).
func scaleF32() *Func {
	f := NewFunc("scale_f32", true, []byte{i32, i32, i32, f32}, []byte{i32})
	src, dst, n, s := f.Param(0), f.Param(1), f.Param(2), f.Param(3)
	sv, inf, p := f.Local(v128), f.Local(v128), f.Local(v128)
	f.Get(s)
	f.V(f32x4Splat)
	f.Set(sv)
	f.VZero()
	f.Set(inf)
	f.ShrU(n, n, 2)
	f.Repeat(n, func() {
		f.Get(dst)
		f.Get(src)
		f.VLoad(0)
		f.Get(sv)
		f.V(f32x4Mul)
		f.Tee(p)
		f.VMem(vStore, 0)
		// inf |= |p| == Inf
		f.Get(inf)
		f.Get(p)
		f.V(f32x4Abs)
		f.splatF32(float32(math.Inf(1)))
		f.V(f32x4Eq, vOr)
		f.Set(inf)
		f.Add(src, 16)
		f.Add(dst, 16)
	})
	f.Get(inf)
	f.V(vAnyTrue)
	return f
}
