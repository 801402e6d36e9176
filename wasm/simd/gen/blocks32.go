package main

// The 32-element block types (Q8_0, Q4_0, Q5_0) against Q8_0 activations, one row: per
// block, the i32x4 lane sums of the products of a weight block and an activation block
// (exact integers, four lanes whose total is the block's sum). Four blocks at a time, their
// lane sums are reduced to one vector of four block totals (blockTotals: two rounds of
// i8x16.shuffle + i32x4.add), converted once and multiplied by the four products d_w*d_a,
// whose fp16 scales are gathered into i32 lanes and converted four at a time (blockScales,
// f16x4): the scalar fp16 decoding per block would cost as much as the products. Of the
// remaining nb%4 blocks, two go the same way (lanes 0 and 1), one alone (its four lane
// sums scaled lane by lane). The decode kernels (pairs.go) and the several-token ones
// (matmul32.go) are built of these pieces.

// blockTotals pushes, as f32x4, the totals of k (2 or 4) blocks' i32x4 lane sums v[0..k)
// in lanes 0..k-1 (zero in the others): laneTotals, converted.
func (f *Func) blockTotals(v []Local, k int) {
	f.laneTotals(v, k)
	f.V(f32x4ConvertI32x4S)
}

// laneTotals pushes, as i32x4, the totals of k (2 or 4) i32x4 vectors' lanes v[0..k) in
// lanes 0..k-1 (zero in the others): v interleaved pairwise into [v0a+v0c, v1a+v1c,
// v0b+v0d, v1b+v1d] (v[0], v[1] are overwritten), then the lanes added.
func (f *Func) laneTotals(v []Local, k int) {
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
	f.V(i32x4Add)
}

// blockScales pushes, as f32x4, the fp16 scales of k blocks, block b's at p+at(b), in
// lanes 0..k-1 (zero in the others), with h and t scratch.
func (f *Func) blockScales(p Local, at func(b int) uint32, k int, h, t Local) {
	f.VZero()
	for b := 0; b < k; b++ {
		f.Get(p)
		f.Mem(opI32Load16U, 0, at(b))
		f.Lane(i32x4ReplaceLane, byte(b))
	}
	f.f16x4(h, t)
}

// scalesFn pushes, as f32x4, the fp16 scales of the k blocks of a group starting at p in
// lanes 0..k-1 (zero in the others), with h and t scratch (blockScales for a layout).
type scalesFn func(f *Func, p Local, k int, h, t Local)

// nibbles pushes the low (half 0) or high (half 1) nibbles of the 16 bytes in q as u8x16.
func (f *Func) nibbles(q Local, half int) {
	f.Get(q)
	if half == 0 {
		f.splat8(0x0f)
		f.V(vAnd)
	} else {
		f.shrU8(4)
	}
}

// shrU8 shifts every byte of the v128 on the stack right by n (i8x16.shr_u's result) with
// a 16-bit shift and a mask. x86 has no 8-bit shifts: V8 emits i8x16.shr_u as the same
// 16-bit shift plus a mask it builds from a general register every time (five
// instructions on x64, where these are two and a constant).
func (f *Func) shrU8(n int) {
	f.I32(int32(n))
	f.V(i16x8ShrU)
	f.splat8(0xff >> n)
	f.V(vAnd)
}

// shl8Within shifts every byte of the v128 on the stack left by n where every byte is
// below 1<<(8-n) (masked before): no bit crosses into the next byte, so one 16-bit shift
// is i8x16.shl's result (which V8 emits as that shift plus a mask, like shrU8).
func (f *Func) shl8Within(n int) {
	f.I32(int32(n))
	f.V(i16x8Shl)
}

// strided is blockScales for blocks of step bytes, each starting with its scale.
func strided(step uint32) scalesFn {
	return func(f *Func, p Local, k int, h, t Local) {
		f.blockScales(p, func(b int) uint32 { return uint32(b) * step }, k, h, t)
	}
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
