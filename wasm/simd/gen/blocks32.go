package main

// blocks32Kernel builds a kernel for a 32-element block type against Q8_0 activations
// (34-byte blocks): Q8_0 and Q4_0 weights. isum pushes the i32x4 lane sums of the
// products of the weight block at wp+wOff and the activation block at ap+aOff (exact
// integers, four lanes whose total is the block's sum).
//
// Four blocks at a time: their lane sums are reduced to one vector of four block totals
// (two rounds of i8x16.shuffle + i32x4.add), converted once and multiplied by the four
// products d_w*d_a, whose fp16 scales are gathered into i32 lanes and converted four at a
// time (f16x4): the scalar fp16 decoding per block would cost as much as the products.
// Of the remaining nb%4 blocks, two go the same way (lanes 0 and 1), one alone.
func blocks32Kernel(name string, wBlock uint32, isum func(f *Func, wp, ap Local, wOff, aOff uint32)) *Func {
	return rowsKernel(name, blocks32Dot(wBlock, isum))
}

// blocks32Dot is blocks32Kernel's dot product of one row (rowsKernel's dot).
func blocks32Dot(wBlock uint32, isum func(f *Func, wp, ap Local, wOff, aOff uint32)) func(f *Func, wp, ap, n Local) {
	const aBlock = 34
	return func(f *Func, wp, ap, n Local) {
		acc := f.Local(v128)
		var v [4]Local
		for i := range v {
			v[i] = f.Local(v128)
		}
		hv, tv := f.Local(v128), f.Local(v128)
		nb, cnt, h, em := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
		f.VZero()
		f.Set(acc)
		f.Get(n)
		f.I32(5)
		f.Op(opI32ShrU)
		f.Tee(nb)
		f.I32(2)
		f.Op(opI32ShrU)
		f.Set(cnt)
		// group handles k (4 or 2) blocks: their i32x4 sums interleaved pairwise into
		// [v0a+v0c, v1a+v1c, v0b+v0d, v1b+v1d] (zero for a missing pair), then the k totals
		// in lanes 0..k-1, times the k products d_w*d_a gathered into the same lanes (the
		// other lanes' scales are zero).
		group := func(k int) {
			for b := 0; b < k; b++ {
				isum(f, wp, ap, uint32(b)*wBlock, uint32(b)*aBlock)
				f.Set(v[b])
			}
			f.blockTotals(v[:], k)
			f.blockScales(wp, wBlock, k, hv, tv)
			f.blockScales(ap, aBlock, k, hv, tv)
			f.V(f32x4Mul, f32x4Mul)
			f.Get(acc)
			f.V(f32x4Add)
			f.Set(acc)
			f.Add(wp, int32(k)*int32(wBlock))
			f.Add(ap, int32(k)*aBlock)
		}
		f.Repeat(cnt, func() { group(4) })
		// Two blocks left (n = 576 = 18 blocks: most of SmolLM2's products).
		f.Block()
		f.Get(nb)
		f.I32(2)
		f.Op(opI32And, opI32Eqz)
		f.BrIf(0)
		group(2)
		f.End()
		f.Get(nb)
		f.I32(1)
		f.Op(opI32And)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			isum(f, wp, ap, 0, 0)
			f.accScaled(acc, false, func() {
				f.f16At(wp, 0, h, em)
				f.f16At(ap, 0, h, em)
				f.Op(opF32Mul)
			})
			f.Add(wp, int32(wBlock))
			f.Add(ap, aBlock)
		})
		f.hsum(acc)
	}
}

// blockTotals pushes, as f32x4, the totals of k (2 or 4) blocks' i32x4 lane sums v[0..k)
// in lanes 0..k-1 (zero in the others): v interleaved pairwise into [v0a+v0c, v1a+v1c,
// v0b+v0d, v1b+v1d] (v[0], v[1] are overwritten), then the lanes added.
func (f *Func) blockTotals(v []Local, k int) {
	for p := 0; p < 2; p++ {
		if 2*p < k {
			f.Get(v[2*p])
			f.Get(v[2*p+1])
			f.Shuffle(lanes32(0, 4, 1, 5))
			f.Get(v[2*p])
			f.Get(v[2*p+1])
			f.Shuffle(lanes32(2, 6, 3, 7))
			f.V(i32x4Add)
		} else {
			f.VZero()
		}
		f.Set(v[p])
	}
	f.Get(v[0])
	f.Get(v[1])
	f.Shuffle(lanes32(0, 1, 4, 5))
	f.Get(v[0])
	f.Get(v[1])
	f.Shuffle(lanes32(2, 3, 6, 7))
	f.V(i32x4Add, f32x4ConvertI32x4S)
}

// blockScales pushes, as f32x4, the fp16 scales at the starts of k blocks of step bytes
// from p in lanes 0..k-1 (zero in the others), with h and t scratch.
func (f *Func) blockScales(p Local, step uint32, k int, h, t Local) {
	f.VZero()
	for b := 0; b < k; b++ {
		f.Get(p)
		f.Mem(opI32Load16U, 0, uint32(b)*step)
		f.Lane(i32x4ReplaceLane, byte(b))
	}
	f.f16x4(h, t)
}

// lanes32 is the i8x16.shuffle immediate selecting four i32 lanes (0-3 from the first
// operand, 4-7 from the second).
func lanes32(a, b, c, d byte) [16]byte {
	var s [16]byte
	for i, l := range []byte{a, b, c, d} {
		for j := byte(0); j < 4; j++ {
			s[4*i+int(j)] = 4*l + j
		}
	}
	return s
}
