package main

// quantize_prep_q8_0(x, nb, rows, out, prep): rows rows of nb blocks of 32 floats to Q8_0
// activations and, from the same quants, the prepared layout the 32-element block
// kernels read (PrepQ8_0 in package simd), in one pass:
//
//	x (rows, 32·nb) f32 -> out (rows, nb blocks of 34 bytes), prep (rows, 40·nb bytes)
//
// Each block as the Go quantizer (engine/quant quantizeQ8_0, llama.cpp's AVX
// quantize_row_q8_0) does it: amax = the largest |x| of the block (NaNs skipped: m = m <
// |x| ? |x| : m from 0, which is f32x4.pmax), id = 127/amax (0 when amax is 0), q =
// nearest(x·id), ties to even (f32x4.nearest, as _mm256_round_ps), saturated to int8, with
// NaN and values beyond int32 (±Inf: id overflows when amax is subnormal) giving -128 (the
// "integer indefinite" of _mm256_cvtps_epi32); its fp16 scale h = fp16(amax/127) rounded as
// quant.F32ToF16 (halves4) written before its quants; in prep, per row, the nb scales
// as f32 (h widened exactly, f16x4), the nb corrections -8 × the block's sum of quants,
// then the nb blocks' quants.
func quantizePrepQ8_0() *Func {
	f := NewFunc("quantize_prep_q8_0", true, []byte{i32, i32, i32, i32, i32}, nil)
	x, nb, rows, out, prep := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4)
	s := newQuantScratch(f)
	hs := &f16Scratch{f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)}
	cnt, ps, pc, pq, h, tv, q0, q1 := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	f.Repeat(rows, func() {
		// ps, pc, pq: this row's scales, corrections and quants in prep
		f.Get(prep)
		f.Set(ps)
		f.Get(nb)
		f.I32(2)
		f.Op(opI32Shl)
		f.Get(prep)
		f.Op(opI32Add)
		f.Tee(pc)
		f.Get(nb)
		f.I32(2)
		f.Op(opI32Shl)
		f.Op(opI32Add)
		f.Set(pq)
		f.Get(nb)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			f.blockAmax(s, x)
			// h = fp16(amax / 127), to out; its f32 value to prep's scales
			f.Get(s.a)
			f.F32(127)
			f.Op(opF32Div)
			f.V(f32x4Splat)
			f.halves4(hs)
			f.Tee(h)
			f.Set(tv)
			f.Get(out)
			f.Get(tv)
			f.Lane(i32x4ExtractLane, 0)
			f.Mem(opI32Store16, 1, 0)
			f.Get(ps)
			f.Get(h)
			f.f16x4(h, tv)
			f.Lane(f32x4ExtractLane, 0)
			f.Mem(opF32Store, 2, 0)
			for half := uint32(0); half < 2; half++ {
				q := []Local{q0, q1}[half]
				f.blockQuants(s, x, half)
				f.Set(q)
				f.Get(out)
				f.Get(q)
				f.VMem(vStore, 2+16*half)
				f.Get(pq)
				f.Get(q)
				f.VMem(vStore, 16*half)
			}
			// the correction: -8 × the sum of the 32 quants
			f.Get(pc)
			f.Get(q0)
			f.V(i16x8ExtaddPairwiseI8x16S, i32x4ExtaddPairwiseI16x8S)
			f.Get(q1)
			f.V(i16x8ExtaddPairwiseI8x16S, i32x4ExtaddPairwiseI16x8S, i32x4Add)
			f.Set(tv)
			for l := byte(0); l < 4; l++ {
				f.Get(tv)
				f.Lane(i32x4ExtractLane, l)
				if l > 0 {
					f.Op(opI32Add)
				}
			}
			f.I32(-8)
			f.Op(opI32Mul)
			f.Mem(opI32Store, 2, 0)
			f.Add(x, 128)
			f.Add(out, 34)
			f.Add(ps, 4)
			f.Add(pc, 4)
			f.Add(pq, 32)
		})
		// the next row's prep starts after this one's quants
		f.Get(pq)
		f.Set(prep)
	})
	return f
}

// quantScratch holds blockAmax's and blockQuants' locals: a is the block's amax, id the
// splat 127/amax (0 when amax is 0).
type quantScratch struct {
	m, id, p Local
	t        [4]Local
	a        Local
}

func newQuantScratch(f *Func) *quantScratch {
	s := &quantScratch{m: f.Local(v128), id: f.Local(v128), p: f.Local(v128)}
	for i := range s.t {
		s.t[i] = f.Local(v128)
	}
	s.a = f.Local(f32)
	return s
}

// blockAmax sets s.a to the largest |x| of the 32 floats at x (the lane-wise NaN-skipping
// maximum, then across the lanes) and s.id to splat(amax != 0 ? 127/amax : 0).
func (f *Func) blockAmax(s *quantScratch, x Local) {
	f.VZero()
	f.Set(s.m)
	for i := uint32(0); i < 8; i++ {
		f.Get(s.m)
		f.Get(x)
		f.VLoad(16 * i)
		f.V(f32x4Abs, f32x4Pmax)
		f.Set(s.m)
	}
	for _, sh := range [][16]byte{lanes32(2, 3, 0, 1), lanes32(1, 0, 3, 2)} {
		f.Get(s.m)
		f.Get(s.m)
		f.Get(s.m)
		f.Shuffle(sh)
		f.V(f32x4Pmax)
		f.Set(s.m)
	}
	f.Get(s.m)
	f.Lane(f32x4ExtractLane, 0)
	f.Set(s.a)
	f.F32(127)
	f.Get(s.a)
	f.Op(opF32Div)
	f.F32(0)
	f.Get(s.a)
	f.F32(0)
	f.Op(opF32Ne, opSelect)
	f.V(f32x4Splat)
	f.Set(s.id)
}

// blockQuants pushes the 16 int8 quants of floats 16·half..16·half+15 of the block at x
// (after blockAmax): nearest(x·id), ties to even, saturated; NaN and |x·id| >= 2^31 give
// -128.
func (f *Func) blockQuants(s *quantScratch, x Local, half uint32) {
	for i := uint32(0); i < 4; i++ {
		f.Get(x)
		f.VLoad(16 * (4*half + i))
		f.Get(s.id)
		f.V(f32x4Mul)
		f.Tee(s.p)
		f.V(f32x4Nearest, i32x4TruncSatF32x4S)
		// NaN and |p| >= 2^31 (Inf when amax is subnormal: 127/amax overflows)
		// become 0x80000000, not trunc_sat's 0 or ±MAX: |p| < 2^31 ? q : MIN
		f.splat32(0x80000000)
		f.Get(s.p)
		f.V(f32x4Abs)
		f.splatF32(0x1p31)
		f.V(f32x4Lt, vBitselect)
		f.Set(s.t[i])
	}
	f.Get(s.t[0])
	f.Get(s.t[1])
	f.V(i16x8NarrowI32x4S)
	f.Get(s.t[2])
	f.Get(s.t[3])
	f.V(i16x8NarrowI32x4S, i8x16NarrowI16x8S)
}
