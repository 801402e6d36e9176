package main

// Q4_K and Q5_K weights × Q8_K activations. The two share their first 16 bytes (fp16 d,
// fp16 dmin, 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32) and their nibble
// layout (bytes 32k..32k+31 of qs: low nibbles are values 64k..64k+31, high nibbles
// 64k+32..64k+63); Q5_K adds a fifth bit per value in qh (byte l, bit 2k: value 64k+l;
// bit 2k+1: value 64k+32+l). Q8_K block (292 bytes): f32 d, 256 int8, 16 int16 bsums.
//
//	W (rows, n) Q4_K|Q5_K @ a (n,) Q8_K -> y (rows,)
//
// Per super-block: Σ_j sc_j·(q·y over sub-block j) in four exact int32 lanes (each
// sub-block's lane sums times its splatted scale), and the min correction
// Σ_j m_j·(bsum_2j + bsum_2j+1) in four int32 lanes; then f32 lanes += d·dy·isum −
// dmin·dy·msum.

const (
	blockQ4_K = 144
	blockQ5_K = 176
	blockQ8_K = 292
	offQ8_KQs = 4
	offQ8_KBs = 260
)

func matvecQ4_K(relaxed bool) *Func {
	return kquantK4("matvec_q4_k", blockQ4_K, relaxed, func(f *Func, k *k4, j int) {
		for p := 0; p < 2; p++ {
			f.Get(k.wp)
			f.VLoad(uint32(16 + 32*j + 16*p))
			f.Set(k.q[p])
		}
	}, func(f *Func, k *k4, j, half, p int) {
		f.nibbles(k.q[p], half)
	})
}

func matvecQ5_K(relaxed bool) *Func {
	k5 := &k4{}
	return kquantK4("matvec_q5_k", blockQ5_K, relaxed, func(f *Func, k *k4, j int) {
		if k5.qh[0] == 0 {
			k5.qh = [2]Local{f.Local(v128), f.Local(v128)}
		}
		for p := 0; p < 2; p++ {
			f.Get(k.wp)
			f.VLoad(uint32(48 + 32*j + 16*p))
			f.Set(k.q[p])
			if j == 0 {
				f.Get(k.wp)
				f.VLoad(uint32(16 + 16*p))
			} else {
				f.Get(k5.qh[p])
				f.shrU8(2)
			}
			f.Set(k5.qh[p])
		}
	}, func(f *Func, k *k4, j, half, p int) {
		// nibble | (fifth bit << 4); qh is shifted right by 2 after each span of 64
		f.Get(k.q[p])
		if half == 0 {
			f.splat8(0x0f)
			f.V(vAnd)
			f.Get(k5.qh[p])
			f.splat8(1)
			f.V(vAnd)
			f.shl8Within(4)
		} else {
			f.shrU8(4)
			f.Get(k5.qh[p])
			f.splat8(2)
			f.V(vAnd)
			f.shl8Within(3)
		}
		f.V(vOr)
	})
}

// k4 holds the locals of a Q4_K/Q5_K kernel.
type k4 struct {
	wp, ap        Local
	q, qh         [2]Local // v128: a span's 32 quant bytes; Q5_K's 32 qh bytes
	sc0, sc1      Local    // i32: scales 0..3 and 4..7, one a byte
	u0, u1, u2, t Local
	tv            Local // v128 scratch
	h, em         Local
	sub           [4]Local // relaxed: four sub-blocks' lane sums
}

// kquantK4 builds a Q4_K-family kernel. span(j) runs before span j (values
// 64j..64j+63), quants(j, half, p) pushes the u8x16 values 64j+32*half+16p.. (of
// sub-block 2j+half): the bit work is done sixteen bytes at a time, then the values are
// widened with i16x8.extend_*_u and the activations with v128.load8x8_s.
//
// relaxed (the relaxed-SIMD module): a sub-block's 32 values (below 32: the i7 operand)
// go into two i32x4.relaxed_dot_i8x16_i7x16_add_s with the activations as they are (one
// v128.load each), the second adding onto the first: where the simd128 kernel widens,
// loads eight, dots and adds four times. Four sub-blocks' lane sums are then reduced to
// one vector of their four totals (laneTotals) and multiplied by the four scales at once
// (one i32x4.mul where simd128 splats and multiplies each sub-block's). The super-block's
// integer total is the same, its lanes not (lane i: sub-blocks i and 4+i), and each lane is
// scaled on its own: the results differ from the simd128 kernel's in the last bits, and
// from the relaxed several-token kernel's (gen's TestRelaxedInChromium bounds both).
func kquantK4(name string, block int32, relaxed bool, span func(f *Func, k *k4, j int), quants func(f *Func, k *k4, j, half, p int)) *Func {
	return rowsKernel(name, func(f *Func, wp, ap, n Local) {
		k := &k4{wp: wp, ap: ap}
		acc, isum := f.Local(v128), f.Local(v128)
		k.tv = f.Local(v128)
		k.q = [2]Local{f.Local(v128), f.Local(v128)}
		nb := f.Local(i32)
		k.sc0, k.sc1, k.u0, k.u1, k.u2, k.t = f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
		k.h, k.em = f.Local(i32), f.Local(i32)
		if relaxed {
			for i := range k.sub {
				k.sub[i] = f.Local(v128)
			}
		}
		f.VZero()
		f.Set(acc)
		f.ShrU(nb, n, 8)
		f.Repeat(nb, func() {
			f.scalesMinsK4(k)
			f.accScaled(acc, true, func() {
				f.f16At(wp, 2, k.h, k.em)
				f.Get(ap)
				f.Mem(opF32Load, 0, 0)
				f.Op(opF32Mul)
			})
			if relaxed {
				for g := 0; g < 2; g++ { // sub-blocks 4g..4g+3: spans 2g, 2g+1
					for j := 2 * g; j < 2*g+2; j++ {
						span(f, k, j)
						for half := 0; half < 2; half++ {
							// relaxed_dot(a_1, q_1, relaxed_dot(a_0, q_0, 0))
							for p := 1; p >= 0; p-- {
								f.Get(ap)
								f.VLoad(uint32(offQ8_KQs + 64*j + 32*half + 16*p))
								quants(f, k, j, half, p)
							}
							f.VZero()
							f.V(i32x4RelaxedDotI8x16I7x16AddS, i32x4RelaxedDotI8x16I7x16AddS)
							f.Set(k.sub[2*(j-2*g)+half])
						}
					}
					f.laneTotals(k.sub[:], 4)
					// × [sc_4g .. sc_4g+3]: the scale bytes zero-extended to i32 lanes
					f.Get([]Local{k.sc0, k.sc1}[g])
					f.V(i32x4Splat)
					f.VZero()
					f.Shuffle([16]byte{0, 16, 16, 16, 1, 16, 16, 16, 2, 16, 16, 16, 3, 16, 16, 16})
					f.V(i32x4Mul)
					if g > 0 {
						f.Get(isum)
						f.V(i32x4Add)
					}
					f.Set(isum)
				}
			}
			for j := 0; j < 4 && !relaxed; j++ {
				span(f, k, j)
				for half := 0; half < 2; half++ {
					for p := 0; p < 2; p++ {
						quants(f, k, j, half, p)
						f.Set(k.tv)
						for e, ext := range []uint32{i16x8ExtendLowI8x16U, i16x8ExtendHighI8x16U} {
							f.Get(k.tv)
							f.V(ext)
							f.load8(ap, uint32(offQ8_KQs+64*j+32*half+16*p+8*e), true)
							f.V(i32x4DotI16x8S)
							if p > 0 || e > 0 {
								f.V(i32x4Add)
							}
						}
					}
					f.scaleK4(k, 2*j+half)
					f.V(i32x4Splat, i32x4Mul)
					if j > 0 || half > 0 {
						f.Get(isum)
						f.V(i32x4Add)
					}
					f.Set(isum)
				}
			}
			f.Get(isum)
			f.accScaled(acc, false, func() {
				f.f16At(wp, 0, k.h, k.em)
				f.Get(ap)
				f.Mem(opF32Load, 0, 0)
				f.Op(opF32Mul)
			})
			f.Add(wp, block)
			f.Add(ap, blockQ8_K)
		})
		f.hsum(acc)
	})
}

// unpackScalesK4 unpacks the 12-byte scales field at wp+4 of a Q4_K/Q5_K block with
// ggml's kmask arithmetic: the eight 6-bit scales as the bytes of sc0 (0..3) and sc1
// (4..7), and pushes the eight mins as u16 lanes. u0, u1, u2, t are i32 scratch.
func (f *Func) unpackScalesK4(wp, u0, u1, u2, t, sc0, sc1 Local) {
	const kmask1, kmask2, kmask3 = 0x3f3f3f3f, 0x0f0f0f0f, 0x03030303
	for i, u := range []Local{u0, u1, u2} {
		f.Get(wp)
		f.Mem(opI32Load, 0, uint32(4+4*i))
		f.Set(u)
	}
	// t = (u2>>4)&kmask2 | ((u1>>6)&kmask3)<<4   (mins 4..7)
	f.Get(u2)
	f.I32(4)
	f.Op(opI32ShrU)
	f.I32(kmask2)
	f.Op(opI32And)
	f.Get(u1)
	f.I32(6)
	f.Op(opI32ShrU)
	f.I32(kmask3)
	f.Op(opI32And)
	f.I32(4)
	f.Op(opI32Shl, opI32Or)
	f.Set(t)
	// sc1 = u2&kmask2 | ((u0>>6)&kmask3)<<4   (scales 4..7)
	f.Get(u2)
	f.I32(kmask2)
	f.Op(opI32And)
	f.Get(u0)
	f.I32(6)
	f.Op(opI32ShrU)
	f.I32(kmask3)
	f.Op(opI32And)
	f.I32(4)
	f.Op(opI32Shl, opI32Or)
	f.Set(sc1)
	// sc0 = u0 & kmask1 (scales 0..3); mins 0..3 = u1 & kmask1
	f.Get(u0)
	f.I32(kmask1)
	f.Op(opI32And)
	f.Set(sc0)
	f.Get(u1)
	f.I32(kmask1)
	f.Op(opI32And)
	f.V(i32x4Splat)
	f.Get(t)
	f.Lane(i32x4ReplaceLane, 1)
	f.V(i16x8ExtendLowI8x16U) // mins as u16 lanes
}

// scalesMinsK4 unpacks the scales field at wp+4 (unpackScalesK4) and pushes the i32x4
// min correction [Σ m_j·(bsum_2j+bsum_2j+1) for j ≡ lane mod 4].
func (f *Func) scalesMinsK4(k *k4) {
	f.unpackScalesK4(k.wp, k.u0, k.u1, k.u2, k.t, k.sc0, k.sc1)
	f.Set(k.tv)
	for i := 0; i < 2; i++ {
		f.Get(k.tv)
		if i == 0 {
			f.V(i32x4ExtendLowI16x8U)
		} else {
			f.V(i32x4ExtendHighI16x8U)
		}
		f.Get(k.ap)
		f.VLoad(uint32(offQ8_KBs + 16*i))
		f.V(i32x4ExtaddPairwiseI16x8S, i32x4Mul)
		if i == 1 {
			f.V(i32x4Add)
		}
	}
}

// scaleK4 pushes the 6-bit scale of sub-block j as an i32.
func (f *Func) scaleK4(k *k4, j int) {
	if j < 4 {
		f.Get(k.sc0)
	} else {
		f.Get(k.sc1)
	}
	if s := 8 * (j % 4); s > 0 {
		f.I32(int32(s))
		f.Op(opI32ShrU)
	}
	if j%4 != 3 {
		f.I32(0xff)
		f.Op(opI32And)
	}
}
