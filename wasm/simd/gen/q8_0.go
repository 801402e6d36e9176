package main

// Q8_0 weights × Q8_0 activations. Block (34 bytes): fp16 d, 32 int8 quants.
//
//	W (rows, n) Q8_0 @ a (n,) Q8_0 -> y (rows,)
//
// Per block: the exact int32 sum of the 32 products in four lanes (v128.load8x8_s widens
// eight int8 to i16 as it loads; i32x4.dot_i16x8_s), then scaled by d_w*d_a into four
// f32 lane sums (blocks32Kernel).
func matvecQ8_0() *Func {
	return blocks32Kernel("matvec_q8_0", 34, func(f *Func, wp, ap Local, wOff, aOff uint32) {
		for i := uint32(0); i < 4; i++ {
			f.load8(wp, wOff+2+8*i, true)
			f.load8(ap, aOff+2+8*i, true)
			f.V(i32x4DotI16x8S)
			if i > 0 {
				f.V(i32x4Add)
			}
		}
	})
}

// matmulQ8_0 is the several-token Q8_0 kernel over prepared activations (matmul32.go):
// each weight block's 32 quants widened to i16 once for a group of tokens.
func matmulQ8_0() *Func {
	return matmulBlocks32("matmul_q8_0", 34, func(f *Func, wp Local, off uint32, dst [4]Local) {
		for i := uint32(0); i < 4; i++ {
			f.load8(wp, off+2+8*i, true)
			f.Set(dst[i])
		}
	})
}
