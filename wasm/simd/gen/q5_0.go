package main

// Q5_0 weights × Q8_0 activations. Q5_0 block (22 bytes): fp16 d, u32 qh (the fifth bit of
// element j in bit j), 16 bytes of nibbles (byte j: element j low, element j+16 high),
// x = d*((nibble | fifth<<4) - 16).
//
//	W (rows, n) Q5_0 @ a (n,) Q8_0 -> y (rows,)
//
// Per block: the 16 nibble bytes in one load, split into low (elements 0..15) and high
// (16..31) nibbles as i8 lanes; the fifth bits spread to byte lanes (qh's bytes 0,1 or
// 2,3 shuffled eight times each, ANDed with the lane's bit and compared), and each quant
// becomes nibble - 16 where its fifth bit is clear, nibble where set; then widened to
// i16 and dotted with the activations as Q8_0 (exact int32 lane sums, scaled by d_w*d_a
// in blocks32Kernel).
func matvecQ5_0() *Func {
	var q, bits, x Local
	var bitOf [16]byte // lane i tests bit i%8 of its qh byte
	for i := range bitOf {
		bitOf[i] = 1 << (i % 8)
	}
	return blocks32Kernel("matvec_q5_0", 22, func(f *Func, wp, ap Local, wOff, aOff uint32) {
		if q == 0 {
			q, bits, x = f.Local(v128), f.Local(v128), f.Local(v128)
		}
		f.Get(wp)
		f.VLoad(wOff + 6)
		f.Set(q)
		f.Get(wp)
		f.Mem(opI32Load, 0, wOff+2)
		f.V(i32x4Splat)
		f.Set(bits)
		for half := byte(0); half < 2; half++ { // elements 16*half .. 16*half+15
			f.Get(q) // nibbles
			if half == 0 {
				f.splat8(0x0f)
				f.V(vAnd)
			} else {
				f.I32(4)
				f.V(i8x16ShrU)
			}
			f.splat8(0x10) // minus 16 where the fifth bit is clear
			f.Get(bits)
			f.Get(bits)
			var sel [16]byte // qh byte 2*half for lanes 0-7, 2*half+1 for 8-15
			for i := range sel {
				sel[i] = 2*half + byte(i/8)
			}
			f.Shuffle(sel)
			f.VConst(bitOf)
			f.V(vAnd)
			f.VConst(bitOf)
			f.V(i8x16Eq, vAndNot, i8x16Sub)
			f.Set(x)
			for part := uint32(0); part < 2; part++ {
				f.Get(x)
				if part == 0 {
					f.V(i16x8ExtendLowI8x16S)
				} else {
					f.V(i16x8ExtendHighI8x16S)
				}
				f.load8(ap, aOff+2+16*uint32(half)+8*part, true)
				f.V(i32x4DotI16x8S)
				if half+byte(part) > 0 {
					f.V(i32x4Add)
				}
			}
		}
	})
}
