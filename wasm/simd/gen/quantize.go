package main

// quantize_q8_0(x, nb, out, amax): nb blocks of 32 floats to Q8_0 activations, as the Go
// quantizer (engine/quant quantizeQ8_0, llama.cpp's AVX quantize_row_q8_0) does:
//
//	x (32·nb,) f32 -> out (nb blocks of 34 bytes), amax (nb,) f32
//
// amax = the largest |x| of the block (NaNs skipped: m = m < |x| ? |x| : m from 0, which
// is f32x4.pmax), id = 127/amax (0 when amax is 0), q = nearest(x·id), ties to even
// (f32x4.nearest, as _mm256_round_ps), saturated to int8, with NaN and values beyond
// int32 (±Inf: id overflows when amax is subnormal) giving -128 (the "integer indefinite"
// of _mm256_cvtps_epi32). The quants go to bytes 2..34 of each block;
// the fp16 scale amax/127 is written by the Go wrapper from amax[b], which keeps fp16
// rounding in one place (quant.F32ToF16).
func quantizeQ8_0() *Func {
	f := NewFunc("quantize_q8_0", true, []byte{i32, i32, i32, i32}, nil)
	x, nb, out, amax := f.Param(0), f.Param(1), f.Param(2), f.Param(3)
	m, id, p := f.Local(v128), f.Local(v128), f.Local(v128)
	var t [4]Local
	for i := range t {
		t[i] = f.Local(v128)
	}
	a := f.Local(f32)
	f.Repeat(nb, func() {
		// m: the lane-wise NaN-skipping |x| maximum, then across the lanes.
		f.VZero()
		f.Set(m)
		for i := uint32(0); i < 8; i++ {
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
		f.Set(a)
		f.Get(amax)
		f.Get(a)
		f.Mem(opF32Store, 2, 0)
		// id = amax != 0 ? 127/amax : 0
		f.F32(127)
		f.Get(a)
		f.Op(opF32Div)
		f.F32(0)
		f.Get(a)
		f.F32(0)
		f.Op(opF32Ne, opSelect)
		f.V(f32x4Splat)
		f.Set(id)
		for half := uint32(0); half < 2; half++ {
			f.Get(out) // store address
			for i := uint32(0); i < 4; i++ {
				f.Get(x)
				f.VLoad(16 * (4*half + i))
				f.Get(id)
				f.V(f32x4Mul)
				f.Tee(p)
				f.V(f32x4Nearest, i32x4TruncSatF32x4S)
				// NaN and |p| >= 2^31 (Inf when amax is subnormal: 127/amax overflows)
				// become 0x80000000, not trunc_sat's 0 or ±MAX: |p| < 2^31 ? q : MIN
				f.splat32(0x80000000)
				f.Get(p)
				f.V(f32x4Abs)
				f.splatF32(0x1p31)
				f.V(f32x4Lt, vBitselect)
				f.Set(t[i])
			}
			f.Get(t[0])
			f.Get(t[1])
			f.V(i16x8NarrowI32x4S)
			f.Get(t[2])
			f.Get(t[3])
			f.V(i16x8NarrowI32x4S, i8x16NarrowI16x8S)
			f.VMem(vStore, 2+16*half)
		}
		f.Add(x, 128)
		f.Add(out, 34)
		f.Add(amax, 4)
	})
	return f
}
