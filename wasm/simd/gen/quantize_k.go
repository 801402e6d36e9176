package main

// quantize_q8_k(x, nb, out): nb blocks of 256 floats to Q8_K activations (the k-quants'
// vec_dot type), byte for byte the Go quantizer (engine/quant quantizeQ8_K, llama.cpp's
// quantize_row_q8_K_ref):
//
//	x (256·nb,) f32 -> out (nb blocks of 292 bytes: d f32, 256 int8 quants, 16 int16 sums)
//
// amax = the largest |x| (NaNs skipped, f32x4.pmax from 0); an all-zero block is all
// zero bytes. xmax = the first x with |x| = amax (a scalar search: its sign decides the
// scale's), iscale = -127/xmax, q = nearest(iscale·x) ties to even (Go's 1.5·2^23 trick),
// at most 127; where iscale·x is not finite (iscale overflows to ±Inf when xmax is
// tiny) the trick gives 0, and so does this; d = 1/iscale; each group of 16 quants'
// sum as int16.
func quantizeQ8_K() *Func {
	f := NewFunc("quantize_q8_k", true, []byte{i32, i32, i32}, nil)
	x, nb, out := f.Param(0), f.Param(1), f.Param(2)
	m, is, p, sum := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	var t [4]Local
	for i := range t {
		t[i] = f.Local(v128)
	}
	amax, xp, j, bs := f.Local(f32), f.Local(i32), f.Local(i32), f.Local(i32)
	f.Repeat(nb, func() {
		f.VZero()
		f.Set(m)
		for i := uint32(0); i < 64; i++ {
			f.Get(m)
			f.Get(x)
			f.VLoad(16 * i)
			f.V(f32x4Abs, f32x4Pmax)
			f.Set(m)
		}
		for _, sh := range [][16]byte{lanes32(2, 3, 0, 1), lanes32(1, 0, 3, 2)} {
			f.Get(m)
			f.Get(m)
			f.Get(m)
			f.Shuffle(sh)
			f.V(f32x4Pmax)
			f.Set(m)
		}
		f.Get(m)
		f.Lane(f32x4ExtractLane, 0)
		f.Tee(amax)
		f.F32(0)
		f.Op(opF32Eq)
		f.Op(opIf, 0x40) // an all-zero block
		for i := uint32(0); i < 18; i++ {
			f.Get(out)
			f.VZero()
			f.VMem(vStore, 16*i)
		}
		f.Get(out)
		f.I32(0)
		f.Mem(opI32Store, 2, 288)
		f.Op(opElse)
		// xp = the address of the first x with |x| = amax
		f.Get(x)
		f.Set(xp)
		f.Block()
		f.Loop()
		f.Get(xp)
		f.Mem(opF32Load, 2, 0)
		f.Op(opF32Abs)
		f.Get(amax)
		f.Op(opF32Eq)
		f.BrIf(1)
		f.Add(xp, 4)
		f.Op(opBr, 0)
		f.End()
		f.End()
		// iscale = -127 / xmax; d = 1 / iscale
		f.F32(-127)
		f.Get(xp)
		f.Mem(opF32Load, 2, 0)
		f.Op(opF32Div)
		f.V(f32x4Splat)
		f.Set(is)
		f.Get(out)
		f.F32(1)
		f.Get(is)
		f.Lane(f32x4ExtractLane, 0)
		f.Op(opF32Div)
		f.Mem(opF32Store, 2, 0)
		// sixteen groups of 16 quants and their sums
		f.Get(out)
		f.I32(260)
		f.Op(opI32Add)
		f.Set(bs)
		f.I32(16)
		f.Set(j)
		f.Repeat(j, func() {
			for i := uint32(0); i < 4; i++ {
				f.Get(x)
				f.VLoad(16 * i)
				f.Get(is)
				f.V(f32x4Mul)
				f.Tee(p)
				f.V(f32x4Nearest, i32x4TruncSatF32x4S)
				f.splat32(127)
				f.V(i32x4MinS)
				f.VZero()
				f.Get(p)
				f.V(f32x4Abs)
				f.splatF32(0x1p31)
				f.V(f32x4Lt, vBitselect)
				f.Set(t[i])
			}
			f.Get(out)
			f.Get(t[0])
			f.Get(t[1])
			f.V(i16x8NarrowI32x4S)
			f.Get(t[2])
			f.Get(t[3])
			f.V(i16x8NarrowI32x4S, i8x16NarrowI16x8S)
			f.Tee(sum)
			f.VMem(vStore, 4)
			// the group's sum as int16 at bs
			f.Get(bs)
			f.Get(sum)
			f.V(i16x8ExtaddPairwiseI8x16S, i32x4ExtaddPairwiseI16x8S)
			f.Set(sum)
			for l := byte(0); l < 4; l++ {
				f.Get(sum)
				f.Lane(i32x4ExtractLane, l)
				if l > 0 {
					f.Op(opI32Add)
				}
			}
			f.Mem(opI32Store16, 1, 0)
			f.Add(x, 64)
			f.Add(out, 16)
			f.Add(bs, 2)
		})
		// x and out moved 256 floats and 256 bytes: out back to the block start
		f.Add(out, -256)
		f.Add(x, -1024)
		f.Op(opEnd)
		f.Add(x, 1024)
		f.Add(out, 292)
	})
	return f
}
