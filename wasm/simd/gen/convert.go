package main

// f32_to_f16(src, dst, n): n floats to IEEE half floats, rounded to nearest even, for n
// a multiple of 8, eight at a time (the F16 KV cache's store):
//
//	src (n,) f32 -> dst (n,) f16
//
// Bit for bit quant.F32ToF16 (TestF32ToF16 checks every f32 bit pattern against it through
// the same steps in Go): on |x|'s bits a (the sign put back at the end),
//   - a ≥ 65536 (0x47800000): Inf (0x7c00), or for a NaN (a > 0x7f800000) 0x7e00;
//   - a < 2^-14 (0x38800000, the result subnormal or 0): f32(a) + 0.5 rounds |x| to a
//     multiple of 2^-24 in the float unit (nearest even), whose low bits are the half;
//   - otherwise: the exponent rebased (a - 112·2^23), rounded at bit 13 to nearest even by
//     adding 0xfff plus bit 13, shifted down 13 (a carry into the exponent is right, up to
//     Inf for 65520 ≤ |x| < 65536).
func f32ToF16() *Func {
	f := NewFunc("f32_to_f16", true, []byte{i32, i32, i32}, nil)
	src, dst, n := f.Param(0), f.Param(1), f.Param(2)
	s := &f16Scratch{f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)}
	f.ShrU(n, n, 3)
	f.Repeat(n, func() {
		f.Get(dst) // store address
		f.Get(src)
		f.VLoad(0)
		f.halves4(s)
		f.Get(src)
		f.VLoad(16)
		f.halves4(s)
		f.V(i16x8NarrowI32x4U) // every lane is in [0, 0xffff]
		f.VMem(vStore, 0)
		f.Add(src, 32)
		f.Add(dst, 16)
	})
	return f
}

// f16Scratch holds halves4's locals.
type f16Scratch struct{ sign, a, normal, small Local }

// halves4 replaces the four f32 on the stack by their halves in the low 16 bits of each
// i32 lane (see f32ToF16).
func (f *Func) halves4(s *f16Scratch) {
	f.Tee(s.a)
	f.splat32(0x80000000)
	f.V(vAnd)
	f.Tee(s.sign)
	f.Get(s.a)
	f.V(vXor)
	f.Set(s.a) // |x|'s bits
	// normal: (a - 112<<23 + 0xfff + (a>>13 & 1)) >> 13
	f.Get(s.a)
	f.splat32(0xc8000fff)
	f.V(i32x4Add)
	f.Get(s.a)
	f.I32(13)
	f.V(i32x4ShrU)
	f.splat32(1)
	f.V(vAnd, i32x4Add)
	f.I32(13)
	f.V(i32x4ShrU)
	f.Set(s.normal)
	// subnormal or zero: bits(f32(a) + 0.5) - bits(0.5)
	f.Get(s.a)
	f.splatF32(0.5)
	f.V(f32x4Add)
	f.splat32(0x3f000000)
	f.V(i32x4Sub)
	f.Set(s.small)
	// small where a < 0x38800000, else normal (v128.bitselect(v1, v2, mask): v1 where set)
	f.Get(s.small)
	f.Get(s.normal)
	f.Get(s.a)
	f.splat32(0x38800000)
	f.V(i32x4LtS, vBitselect)
	f.Set(s.normal)
	// Inf or NaN where a >= 0x47800000
	f.splat32(0x7e00)
	f.splat32(0x7c00)
	f.Get(s.a)
	f.splat32(0x7f800000)
	f.V(i32x4GtS, vBitselect)
	f.Get(s.normal)
	f.Get(s.a)
	f.splat32(0x477fffff)
	f.V(i32x4GtS, vBitselect)
	f.Get(s.sign)
	f.I32(16)
	f.V(i32x4ShrU, vOr)
}
