package main

// rope_f32(x, heads, head_bytes, ndims, cos, sin, neox, tokens, x_stride, angle_stride):
// rotary embedding of tokens tokens' heads in place, each by the angles of its position
// (token t's heads at x + t·x_stride, its angles at cos, sin + t·angle_stride bytes):
//
//	x (tokens, heads, head_bytes/4) f32, cos (tokens, ndims/2), sin (tokens, ndims/2) -> x   (the first ndims of each head)
//
// Bit for bit ops.(*RoPE).Apply, four lanes at a time:
//   - normal (adjacent pairs; ndims a multiple of 4): X = x[4j..4j+3], Xs = X with each
//     pair swapped, C = [c0,c0,c1,c1], S = [-s0,s0,-s1,s1]: X·C + Xs·S gives x0·c - x1·s
//     and x1·c + x0·s (a + (-b) is a - b, and the sum's order does not change it);
//   - neox (halves; ndims a multiple of 8): A = x[i..i+3], B = x[i+half..]: A·C - B·S and
//     A·S + B·C.
func ropeF32() *Func {
	f := NewFunc("rope_f32", true, []byte{i32, i32, i32, i32, i32, i32, i32, i32, i32, i32}, nil)
	x, heads, headBytes, ndims, cos, sin, neox := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6)
	tokens, xStride, angleStride := f.Param(7), f.Param(8), f.Param(9)
	p, cp, sp, cnt, halfBytes := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	xh, h := f.Local(i32), f.Local(i32) // the head's address, the heads left of this token
	a, b, c, s := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	// halfBytes = ndims/2 · 4
	f.Get(ndims)
	f.I32(1)
	f.Op(opI32Shl)
	f.Set(halfBytes)
	f.Repeat(tokens, func() {
		f.Get(x)
		f.Set(xh)
		f.Get(heads)
		f.Set(h)
		// the head at xh, by the angles at cos, sin; then xh to the next head
		f.Repeat(h, func() {
			f.Get(xh)
			f.Set(p)
			f.Get(cos)
			f.Set(cp)
			f.Get(sin)
			f.Set(sp)
			f.Get(neox)
			f.Op(opIf, 0x40)
			// neox: half/4 groups
			f.ShrU(cnt, ndims, 3)
			f.Repeat(cnt, func() {
				f.Get(p)
				f.VLoad(0)
				f.Set(a)
				f.Get(p)
				f.Get(halfBytes)
				f.Op(opI32Add)
				f.VLoad(0)
				f.Set(b)
				f.Get(cp)
				f.VLoad(0)
				f.Set(c)
				f.Get(sp)
				f.VLoad(0)
				f.Set(s)
				f.Get(p) // A·C - B·S
				f.Get(a)
				f.Get(c)
				f.V(f32x4Mul)
				f.Get(b)
				f.Get(s)
				f.V(f32x4Mul, f32x4Sub)
				f.VMem(vStore, 0)
				f.Get(p) // A·S + B·C at p + half
				f.Get(halfBytes)
				f.Op(opI32Add)
				f.Get(a)
				f.Get(s)
				f.V(f32x4Mul)
				f.Get(b)
				f.Get(c)
				f.V(f32x4Mul, f32x4Add)
				f.VMem(vStore, 0)
				f.Add(p, 16)
				f.Add(cp, 16)
				f.Add(sp, 16)
			})
			f.Op(opElse)
			// normal: ndims/4 groups of two pairs
			f.ShrU(cnt, ndims, 2)
			f.Repeat(cnt, func() {
				f.Get(p) // store address
				f.Get(p)
				f.VLoad(0)
				f.Tee(a)
				f.Get(cp)
				f.VMem(vLoad64Splat, 0)
				f.Tee(c)
				f.Get(c)
				f.Shuffle(lanes32(0, 0, 1, 1))
				f.V(f32x4Mul)
				f.Get(a)
				f.Get(a)
				f.Shuffle(lanes32(1, 0, 3, 2))
				f.Get(sp)
				f.VMem(vLoad64Splat, 0)
				f.Tee(s)
				f.Get(s)
				f.Shuffle(lanes32(0, 0, 1, 1))
				f.VConst([16]byte{3: 0x80, 11: 0x80}) // -s0, s0, -s1, s1
				f.V(vXor, f32x4Mul, f32x4Add)
				f.VMem(vStore, 0)
				f.Add(p, 16)
				f.Add(cp, 8)
				f.Add(sp, 8)
			})
			f.Op(opEnd)
			f.AddLocal(xh, headBytes)
		})
		f.AddLocal(x, xStride)
		f.AddLocal(cos, angleStride)
		f.AddLocal(sin, angleStride)
	})
	return f
}
