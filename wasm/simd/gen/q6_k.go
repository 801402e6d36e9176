package main

// Q6_K weights × Q8_K activations. Q6_K block (210 bytes): ql[128] (low 4 bits), qh[64]
// (high 2 bits), int8 scales[16] (one per 16 values), fp16 d; x = d*sc*(q-32). Per half k
// of 128 values, ql byte 64k+l holds values l (low nibble) and l+64 (high), byte 64k+32+l
// values l+32 and l+96; qh byte 32k+l holds the high bits of l, l+32, l+64, l+96 in bits
// 0-1, 2-3, 4-5, 6-7.
//
//	W (rows, n) Q6_K @ a (n,) Q8_K -> y (rows,)
//
// Each 16-byte vector of rebuilt values (q-32 as int8) is exactly one sub-block of 16:
// its exact int32 lane sums times the splatted scale go to four int32 lanes; per
// super-block f32 lanes += d·dy·isum.
//
// relaxed (the relaxed-SIMD module): each sub-block's values go as q (0..63, the i7
// operand of i32x4.relaxed_dot_i8x16_i7x16_add_s) into one relaxed dot with the 16
// activations as they load; four sub-blocks' lane sums are reduced to their four totals
// (laneTotals) and multiplied by their four scales at once; the zero point comes off once
// a super-block: isum -= 32·Σ_g sc_g·bsum_g (the Q8_K block sums; two
// i32x4.dot_i16x8_s). The integer total is the simd128 kernel's, its lanes hold other
// products, each lane scaled on its own: the results differ in the last bits from the
// simd128 kernel's and from the relaxed several-token kernel's (gen's
// TestRelaxedInChromium bounds both).

const blockQ6_K = 210

func matvecQ6_K(relaxed bool) *Func {
	return rowsKernel("matvec_q6_k", func(f *Func, wp, ap, n Local) {
		acc, isum, x := f.Local(v128), f.Local(v128), f.Local(v128)
		var ql [4]Local
		for i := range ql {
			ql[i] = f.Local(v128)
		}
		qh := [2]Local{f.Local(v128), f.Local(v128)}
		m4, c32 := f.Local(v128), f.Local(v128)
		var sub [4]Local // relaxed: four sub-blocks' lane sums
		if relaxed {
			for i := range sub {
				sub[i] = f.Local(v128)
			}
		}
		nb, h, em := f.Local(i32), f.Local(i32), f.Local(i32)
		f.VZero()
		f.Set(acc)
		f.splat8(0x0f)
		f.Set(m4)
		f.splat8(32)
		f.Set(c32)
		f.ShrU(nb, n, 8)
		f.Repeat(nb, func() {
			first := true
			for k := 0; k < 2; k++ {
				for i := range ql {
					f.Get(wp)
					f.VLoad(uint32(64*k + 16*i))
					f.Set(ql[i])
				}
				for i := range qh {
					f.Get(wp)
					f.VLoad(uint32(128 + 32*k + 16*i))
					f.Set(qh[i])
				}
				for tt := 0; tt < 2 && relaxed; tt++ { // sub-blocks 8k+4tt..8k+4tt+3
					for t := 2 * tt; t < 2*tt+2; t++ {
						for hf := 0; hf < 2; hf++ {
							f.Get(ap)
							f.VLoad(uint32(offQ8_KQs + 128*k + 32*t + 16*hf))
							f.q6Values(t, func() { f.Get(ql[2*(t%2)+hf]) }, func() { f.Get(qh[hf]) }, m4, 0)
							f.VZero()
							f.V(i32x4RelaxedDotI8x16I7x16AddS)
							f.Set(sub[2*(t-2*tt)+hf])
						}
					}
					f.laneTotals(sub[:], 4)
					// × the four int8 scales, sign-extended to i32 lanes
					f.Get(wp)
					f.VMem(vLoad32Zero, uint32(192+8*k+4*tt))
					f.V(i16x8ExtendLowI8x16S, i32x4ExtendLowI16x8S, i32x4Mul)
					if !first {
						f.Get(isum)
						f.V(i32x4Add)
					}
					first = false
					f.Set(isum)
				}
				for t := 0; t < 4 && !relaxed; t++ { // values 32t..32t+31 of this half
					for hf := 0; hf < 2; hf++ { // l in 16hf..16hf+15: sub-block 8k+2t+hf
						f.q6Values(t, func() { f.Get(ql[2*(t%2)+hf]) }, func() { f.Get(qh[hf]) }, m4, c32)
						f.Set(x)
						for e, ext := range []uint32{i16x8ExtendLowI8x16S, i16x8ExtendHighI8x16S} {
							f.Get(x)
							f.V(ext)
							f.load8(ap, uint32(offQ8_KQs+128*k+32*t+16*hf+8*e), true)
							f.V(i32x4DotI16x8S)
							if e == 1 {
								f.V(i32x4Add)
							}
						}
						f.Get(wp)
						f.Mem(opI32Load8S, 0, uint32(192+8*k+2*t+hf))
						f.V(i32x4Splat, i32x4Mul)
						if !first {
							f.Get(isum)
							f.V(i32x4Add)
						}
						first = false
						f.Set(isum)
					}
				}
			}
			f.Get(isum)
			if relaxed {
				f.q6ZeroPoint(func(i uint32) { f.load8(wp, 192+8*i, true) }, ap)
			}
			f.accScaled(acc, false, func() {
				f.f16At(wp, 208, h, em)
				f.Get(ap)
				f.Mem(opF32Load, 0, 0)
				f.Op(opF32Mul)
			})
			f.Add(wp, blockQ6_K)
			f.Add(ap, blockQ8_K)
		})
		f.hsum(acc)
	})
}

// q6ZeroPoint takes the relaxed Q6_K kernels' zero point off the i32x4 on the stack:
// - 32·Σ_g sc_g·bsum_g, scales(i) pushing the scales of sub-blocks 8i..8i+7 as i16 and
// the Q8_K block at ap holding the sums bsum_g (two i32x4.dot_i16x8_s).
func (f *Func) q6ZeroPoint(scales func(i uint32), ap Local) {
	for i := uint32(0); i < 2; i++ {
		scales(i)
		f.Get(ap)
		f.VLoad(offQ8_KBs + 16*i)
		f.V(i32x4DotI16x8S)
	}
	f.V(i32x4Add)
	f.I32(5)
	f.V(i32x4Shl, i32x4Sub)
}

// q6Values pushes 16 Q6_K values of span t (0..3) of a half, q-32 as i8x16: the low 4 bits
// from the ql bytes low pushes (low nibbles for t < 2, high ones after), the high 2 bits
// from the qh bytes qh pushes (bits 2t, 2t+1) moved to bits 4-5. m4 holds splat8(0x0f),
// c32 splat8(32); with c32 0, q itself (0..63).
func (f *Func) q6Values(t int, low, qh func(), m4, c32 Local) {
	// (8-bit shifts as 16-bit ones: the masks keep the bits that stay in their byte; see
	// shrU8)
	low()
	if t >= 2 {
		f.I32(4)
		f.V(i16x8ShrU)
	}
	f.Get(m4)
	f.V(vAnd)
	qh()
	switch t {
	case 0:
		f.splat8(0x03)
		f.V(vAnd)
		f.shl8Within(4)
	case 1:
		f.splat8(0x0c)
		f.V(vAnd)
		f.shl8Within(2)
	case 2:
		f.splat8(0x30)
		f.V(vAnd)
	case 3:
		f.I32(2)
		f.V(i16x8ShrU)
		f.splat8(0x30)
		f.V(vAnd)
	}
	f.V(vOr)
	if c32 != 0 {
		f.Get(c32)
		f.V(i8x16Sub)
	}
}
