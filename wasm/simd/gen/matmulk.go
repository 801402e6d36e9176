package main

// Several-token kernels for the k-quants against Q8_K activations (292-byte blocks: f32 d,
// 256 int8, 16 int16 bsums), the same signature as matmul.go's:
//
//	name(w, row_bytes, a, a_row_bytes, ntok, n, y, y_rows, row_lo, row_hi)
//	W (rows, n) @ A (ntok, n) -> Y (ntok, y_rows): Y[t][r] for r in [row_lo, row_hi)
//
// For each weight row, tokens go four at a time (then one at a time): each super-block's
// scales and mins are unpacked once, each sub-block's quants rebuilt and widened to i16
// once, and used for the four tokens. A token's arithmetic is the one-token kernel's (the
// same exact int32 lanes, the same float operations in the same order), so the results
// equal matvec_q4_k / matvec_q6_k bit for bit, whatever the number of tokens.
//
// relaxed (the relaxed-SIMD module): as the relaxed one-token kernels do, a sub-block's
// values stay unsigned bytes (Q6_K's q without its -32) and go with each token's
// activations, as they load, into i32x4.relaxed_dot_i8x16_i7x16_add_s (two for 32 values,
// the second adding onto the first; one for 16); Q6_K's zero point comes off once a
// super-block per token (32·Σ sc·bsum). The integer totals are the one-token kernels',
// not their lanes (the relaxed matvec kernels multiply four sub-blocks' totals by their
// scales at once; here each token's sub-block is scaled as it comes, which needs no more
// registers per token): within the last bits of them (gen's TestRelaxedInChromium).

// kSuper describes one k-quant type for matmulKQuant.
type kSuper struct {
	relaxed bool  // the relaxed-SIMD forms (see the file comment)
	block   int32 // bytes per super-block of 256 values
	subs    int   // sub-blocks per super-block
	// prep unpacks what a super-block's sub-blocks share (scales, mins) into locals.
	prep func(f *Func, m *kMat)
	// sub rebuilds sub-block j's values as i16x8 vectors into m.w (256/subs/8 of them;
	// relaxed: as u8x16, 256/subs/16 of them) and returns their activation offset inside
	// the Q8_K block's quants.
	sub func(f *Func, m *kMat, j int) uint32
	// scale pushes sub-block j's integer scale (i32).
	scale func(f *Func, m *kMat, j int)
	// final adds the super-block's sums of token t to its f32 accumulator; ap is the
	// token's Q8_K block.
	final func(f *Func, m *kMat, t int, ap Local)
}

// kMat holds the locals of a k-quant several-token kernel.
type kMat struct {
	wp            Local    // the current weight super-block
	ap            [4]Local // token t's current Q8_K block
	acc, isum     [4]Local // token t's f32 lanes and int32 lanes of this super-block
	w             [4]Local // the current sub-block's values, i16x8
	tv, sv        Local    // v128 scratch; the splatted sub-block scale
	mins          [2]Local // Q4_K: mins 0-3 and 4-7 as i32x4
	sc0, sc1      Local    // Q4_K: scales 0..3 and 4..7, one a byte
	u0, u1, u2, t Local    // i32 scratch
	h, em         Local    // fp16 scratch
	d, dmin       Local    // f32: the super-block's scales
	m4, c32       Local    // Q6_K constants
	x             Local    // v128 scratch
}

func matmulKQuant(name string, ks kSuper) *Func {
	const group = 4
	f := NewFunc(name, true, []byte{i32, i32, i32, i32, i32, i32, i32, i32, i32, i32}, nil)
	w, rowBytes, a, aRowBytes, ntok, n, y, yRows, lo, hi :=
		f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6), f.Param(7), f.Param(8), f.Param(9)
	r, nb, left, cnt, groups := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	wrow, ap0, yp := f.Local(i32), f.Local(i32), f.Local(i32)
	l := &tokenLoop{w: w, rowBytes: rowBytes, a: a, aRowBytes: aRowBytes, ntok: ntok, y: y, yRows: yRows, lo: lo, hi: hi,
		r: r, wrow: wrow, ap: ap0, yp: yp, groups: groups, left: left}
	m := &kMat{}
	m.wp = f.Local(i32)
	for t := 0; t < group; t++ {
		m.ap[t] = f.Local(i32)
		m.acc[t] = f.Local(v128)
		m.isum[t] = f.Local(v128)
	}
	for i := range m.w {
		m.w[i] = f.Local(v128)
	}
	m.tv, m.sv, m.x = f.Local(v128), f.Local(v128), f.Local(v128)
	m.mins = [2]Local{f.Local(v128), f.Local(v128)}
	m.m4, m.c32 = f.Local(v128), f.Local(v128)
	m.sc0, m.sc1, m.u0, m.u1, m.u2, m.t = f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	m.h, m.em = f.Local(i32), f.Local(i32)
	m.d, m.dmin = f.Local(f32), f.Local(f32)

	f.splat8(0x0f)
	f.Set(m.m4)
	f.splat8(32)
	f.Set(m.c32)
	f.ShrU(nb, n, 8)

	tokens := func(T int) {
		for t := 0; t < T; t++ {
			f.Get(ap0)
			if t > 0 {
				f.Get(aRowBytes)
				f.I32(int32(t))
				f.Op(opI32Mul, opI32Add)
			}
			f.Set(m.ap[t])
			f.VZero()
			f.Set(m.acc[t])
		}
		f.Get(wrow)
		f.Set(m.wp)
		f.Get(nb)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			ks.prep(f, m)
			for j := 0; j < ks.subs; j++ {
				off := ks.sub(f, m, j)
				ks.scale(f, m, j)
				f.V(i32x4Splat)
				f.Set(m.sv)
				nv := 256 / ks.subs / 8
				for t := 0; t < T; t++ {
					if ks.relaxed { // relaxed_dot(a_1, w_1, relaxed_dot(a_0, w_0, 0))
						nq := nv / 2
						for i := nq - 1; i >= 0; i-- {
							f.Get(m.ap[t])
							f.VLoad(uint32(offQ8_KQs) + off + uint32(16*i))
							f.Get(m.w[i])
						}
						f.VZero()
						for i := 0; i < nq; i++ {
							f.V(i32x4RelaxedDotI8x16I7x16AddS)
						}
					}
					for i := 0; i < nv && !ks.relaxed; i++ {
						f.Get(m.w[i])
						f.load8(m.ap[t], uint32(offQ8_KQs)+off+uint32(8*i), true)
						f.V(i32x4DotI16x8S)
						if i > 0 {
							f.V(i32x4Add)
						}
					}
					f.Get(m.sv)
					f.V(i32x4Mul)
					if j > 0 {
						f.Get(m.isum[t])
						f.V(i32x4Add)
					}
					f.Set(m.isum[t])
				}
			}
			for t := 0; t < T; t++ {
				ks.final(f, m, t, m.ap[t])
				f.Add(m.ap[t], blockQ8_K)
			}
			f.Add(m.wp, ks.block)
		})
		l.store(f, m.acc[:T])
	}

	l.rows(f, group, tokens)
	return f
}

// matmulQ4_K: sub-block j (32 values) is span j/2's 32 quant bytes at wp+16+32·(j/2), low
// nibbles for even j, high for odd; the min correction Σ m_j·(bsum_2j + bsum_2j+1) and
// the scales as matvec_q4_k computes them.
func matmulQ4_K(relaxed bool) *Func {
	return matmulKQuant("matmul_q4_k", kSuper{
		relaxed: relaxed,
		block:   blockQ4_K,
		subs:    8,
		prep:    prepK4,
		sub: func(f *Func, m *kMat, j int) uint32 {
			span, half := j/2, j%2
			for p := 0; p < 2; p++ {
				f.Get(m.wp)
				f.VLoad(uint32(16 + 32*span + 16*p))
				if half == 0 {
					f.Get(m.m4)
					f.V(vAnd)
				} else {
					f.shrU8(4)
				}
				if relaxed {
					f.Set(m.w[p])
					continue
				}
				f.Tee(m.tv)
				f.V(i16x8ExtendLowI8x16U)
				f.Set(m.w[2*p])
				f.Get(m.tv)
				f.V(i16x8ExtendHighI8x16U)
				f.Set(m.w[2*p+1])
			}
			return uint32(64*span + 32*half)
		},
		scale: func(f *Func, m *kMat, j int) {
			f.scaleK4(&k4{sc0: m.sc0, sc1: m.sc1}, j)
		},
		final: q4final,
	})
}

// prepK4 is the Q4_K/Q5_K super-block start: scales and mins unpacked, d and dmin.
func prepK4(f *Func, m *kMat) {
	f.unpackK4(m)
	f.f16At(m.wp, 0, m.h, m.em)
	f.Set(m.d)
	f.f16At(m.wp, 2, m.h, m.em)
	f.Set(m.dmin)
}

// q4final is the Q4_K/Q5_K super-block end for token t: acc -= f32(Σ m_j·bsums)·(dmin·dy),
// then acc += f32(isum)·(d·dy), as the one-token kernels do.
func q4final(f *Func, m *kMat, t int, ap Local) {
	// acc -= f32(Σ m_j·bsums)·(dmin·dy); acc += f32(isum)·(d·dy)
	for i := 0; i < 2; i++ {
		f.Get(m.mins[i])
		f.Get(ap)
		f.VLoad(uint32(offQ8_KBs + 16*i))
		f.V(i32x4ExtaddPairwiseI16x8S, i32x4Mul)
		if i == 1 {
			f.V(i32x4Add)
		}
	}
	f.accScaled(m.acc[t], true, func() {
		f.Get(m.dmin)
		f.Get(ap)
		f.Mem(opF32Load, 0, 0)
		f.Op(opF32Mul)
	})
	f.Get(m.isum[t])
	f.accScaled(m.acc[t], false, func() {
		f.Get(m.d)
		f.Get(ap)
		f.Mem(opF32Load, 0, 0)
		f.Op(opF32Mul)
	})
}

// unpackK4 unpacks a Q4_K/Q5_K block's scales shared by several tokens
// (unpackScalesK4): the scales as the bytes of sc0, sc1 and the mins widened to two
// i32x4 (mins 0-3, 4-7).
func (f *Func) unpackK4(m *kMat) {
	f.unpackScalesK4(m.wp, m.u0, m.u1, m.u2, m.t, m.sc0, m.sc1)
	f.Tee(m.tv)
	f.V(i32x4ExtendLowI16x8U)
	f.Set(m.mins[0])
	f.Get(m.tv)
	f.V(i32x4ExtendHighI16x8U)
	f.Set(m.mins[1])
}

// matmulQ6_K: sub-block s = 8k+2t+hf (16 values) rebuilt as matvec_q6_k does, from ql
// and qh loaded for it; its int8 scale at wp+192+s; per super-block acc += f32(isum)·(d·dy).
func matmulQ6_K(relaxed bool) *Func {
	return matmulKQuant("matmul_q6_k", kSuper{
		relaxed: relaxed,
		block:   blockQ6_K,
		subs:    16,
		prep: func(f *Func, m *kMat) {
			f.f16At(m.wp, 208, m.h, m.em)
			f.Set(m.d)
			if relaxed { // the 16 scales as i16, for the zero point
				for i := uint32(0); i < 2; i++ {
					f.load8(m.wp, 192+8*i, true)
					f.Set(m.mins[i])
				}
			}
		},
		sub: func(f *Func, m *kMat, s int) uint32 {
			k, t, hf := s/8, (s/2)%4, s%2
			c32 := m.c32
			if relaxed {
				c32 = 0 // q unsigned
			}
			f.q6Values(t, func() {
				f.Get(m.wp)
				f.VLoad(uint32(64*k + 16*(2*(t%2)+hf)))
			}, func() {
				f.Get(m.wp)
				f.VLoad(uint32(128 + 32*k + 16*hf))
			}, m.m4, c32)
			if relaxed {
				f.Set(m.w[0])
				return uint32(128*k + 32*t + 16*hf)
			}
			f.Tee(m.x)
			f.V(i16x8ExtendLowI8x16S)
			f.Set(m.w[0])
			f.Get(m.x)
			f.V(i16x8ExtendHighI8x16S)
			f.Set(m.w[1])
			return uint32(128*k + 32*t + 16*hf)
		},
		scale: func(f *Func, m *kMat, s int) {
			f.Get(m.wp)
			f.Mem(opI32Load8S, 0, uint32(192+s))
		},
		final: func(f *Func, m *kMat, t int, ap Local) {
			f.Get(m.isum[t])
			if relaxed { // as matvec_q6_k
				f.q6ZeroPoint(func(i uint32) { f.Get(m.mins[i]) }, ap)
			}
			f.accScaled(m.acc[t], false, func() {
				f.Get(m.d)
				f.Get(ap)
				f.Mem(opF32Load, 0, 0)
				f.Op(opF32Mul)
			})
		},
	})
}

// matmulQ5_K: Q4_K's layout with the quants at wp+48 and a fifth bit per value in qh
// (wp+16, 32 bytes: bit 2·span+half of byte l for value 64·span+32·half+l), as
// matvec_q5_k rebuilds it.
func matmulQ5_K(relaxed bool) *Func {
	return matmulKQuant("matmul_q5_k", kSuper{
		relaxed: relaxed,
		block:   blockQ5_K,
		subs:    8,
		prep:    prepK4,
		sub: func(f *Func, m *kMat, j int) uint32 {
			span, half := j/2, j%2
			for p := 0; p < 2; p++ {
				f.Get(m.wp)
				f.VLoad(uint32(48 + 32*span + 16*p))
				if half == 0 {
					f.Get(m.m4)
					f.V(vAnd)
				} else {
					f.shrU8(4)
				}
				f.Get(m.wp)
				f.VLoad(uint32(16 + 16*p))
				if b := 2*span + half; b > 0 {
					// (the 16-bit shift's bits from the next byte land above bit 0)
					f.I32(int32(b))
					f.V(i16x8ShrU)
				}
				f.splat8(1)
				f.V(vAnd)
				f.shl8Within(4)
				f.V(vOr)
				if relaxed {
					f.Set(m.w[p])
					continue
				}
				f.Tee(m.tv)
				f.V(i16x8ExtendLowI8x16U)
				f.Set(m.w[2*p])
				f.Get(m.tv)
				f.V(i16x8ExtendHighI8x16U)
				f.Set(m.w[2*p+1])
			}
			return uint32(64*span + 32*half)
		},
		scale: func(f *Func, m *kMat, j int) {
			f.scaleK4(&k4{sc0: m.sc0, sc1: m.sc1}, j)
		},
		final: q4final,
	})
}
