package quant

import "fmt"

// Q5_0x2 is Q5_0 relaid for SIMD, two blocks at a time: Hearth's own layout, never read
// from a file (Traits.Internal), made in place at load from Q5_0 rows of a multiple of 64
// elements (RepackQ5_0x2) when the kernels prefer it (ops.PreferredLayouts). The same
// numbers, the same 22 bytes a block, the same products bit for bit; only the fifth bits
// move. A 44-byte unit holds Q5_0 blocks k = 0, 1:
//
//	[0:2] fp16 d of block 0, [2:4] fp16 d of block 1,
//	[4:12] the 64 fifth bits, [12:28] block 0's nibbles, [28:44] block 1's (as in Q5_0:
//	byte j holds element j low, element j+16 high).
//
// Every scale is finite (a row with an Inf or NaN scale stays Q5_0), so the kernels
// convert four scales with the fp16 conversion's finite path alone.
//
// The fifth bit of element 16h+L (h = 0, 1 the block's half, L = 0..15) of block k is
// bit 4·(L&1) + 2k + h of byte 4 + L/2. Spread to sixteen byte lanes (byte j's low nibble
// to lane 2j, its high nibble to lane 2j+1: one widening load, a 16-bit shift and an or),
// lane L's bit t = 2k+h is then that half's fifth bit for element L, and one 16-bit shift
// left by 4-t and a mask put it at 0x10 for every lane at once. Q5_0 spreads each half's
// sixteen bits with a byte shuffle, a mask and a compare.
const q5x2Unit = 44

func init() {
	traits[Q5_0x2].Dequantize = dequantizeQ5_0x2
	traits[Q5_0x2].VecDot = vecDotQ5_0x2Q8_0
}

// q5x2Bit is where the fifth bit of element e (0..31) of block k (0, 1) lies in the 64
// bits of a unit's bytes 4..11: byte index and bit.
func q5x2Bit(k, e int) (int, uint) {
	h, l := e/16, e%16
	return l / 2, uint(4*(l&1) + 2*k + h)
}

// RepackQ5_0x2 converts Q5_0 rows into Q5_0x2 in place: data holds whole rows of cols
// elements, cols a multiple of 64 (the size is unchanged), and every block's scale is
// finite (the kernels convert the scales without the Inf/NaN case). Otherwise it changes
// nothing and says why.
func RepackQ5_0x2(data []byte, cols int) error {
	if cols <= 0 || cols%64 != 0 || len(data)%(cols/32*22) != 0 {
		return fmt.Errorf("Q5_0x2 needs whole rows of a multiple of 64 elements (%d bytes of %d-element rows)", len(data), cols)
	}
	if b := nonFiniteScale(data, 22, 0); b >= 0 {
		return fmt.Errorf("Q5_0x2 needs finite scales; block %d's is Inf or NaN", b)
	}
	var src [q5x2Unit]byte
	for u := 0; u+q5x2Unit <= len(data); u += q5x2Unit {
		dst := (*[q5x2Unit]byte)(data[u:])
		src = *dst
		var hb [8]byte
		for k := 0; k < 2; k++ {
			blk := src[22*k : 22*k+22]
			qh := uint32(blk[2]) | uint32(blk[3])<<8 | uint32(blk[4])<<16 | uint32(blk[5])<<24
			for e := 0; e < 32; e++ {
				i, bit := q5x2Bit(k, e)
				hb[i] |= byte(qh>>e&1) << bit
			}
			copy(dst[2*k:2*k+2], blk[0:2])
			copy(dst[12+16*k:28+16*k], blk[6:22])
		}
		copy(dst[4:12], hb[:])
	}
	return nil
}

// unpackQ5_0x2 is RepackQ5_0x2 undone: one unit (44 bytes) -> two Q5_0 blocks.
func unpackQ5_0x2(unit []byte, blocks *[44]byte) {
	for k := 0; k < 2; k++ {
		blk := blocks[22*k : 22*k+22]
		var qh uint32
		for e := 0; e < 32; e++ {
			i, bit := q5x2Bit(k, e)
			qh |= uint32(unit[4+i]>>bit&1) << e
		}
		blk[0], blk[1] = unit[2*k], unit[2*k+1]
		blk[2], blk[3], blk[4], blk[5] = byte(qh), byte(qh>>8), byte(qh>>16), byte(qh>>24)
		copy(blk[6:22], unit[12+16*k:28+16*k])
	}
}

// dequantizeQ5_0x2 is dequantizeQ5_0 of the unpacked blocks: units (n/64,) -> x (n,).
func dequantizeQ5_0x2(src []byte, dst []float32) {
	var blocks [44]byte
	for i := 0; i+64 <= len(dst); i += 64 {
		unpackQ5_0x2(src[i/64*q5x2Unit:], &blocks)
		dequantizeQ5_0(blocks[:], dst[i:i+64])
	}
}

// vecDotQ5_0x2Q8_0 is vecDotQ5_0Q8_0 of the unpacked blocks, the blocks' products summed
// in the same order: w (n,) Q5_0x2 · a (n,) Q8_0 -> float32, bit for bit the Q5_0 row's.
func vecDotQ5_0x2Q8_0(n int, w, a []byte) float32 {
	var blocks [44]byte
	var sumf float32
	for u := 0; u < n/64; u++ {
		unpackQ5_0x2(w[u*q5x2Unit:], &blocks)
		for k := 0; k < 2; k++ {
			b := 2*u + k
			sumf += vecDotQ5_0Q8_0(32, blocks[22*k:22*k+22], a[34*b:34*b+34])
		}
	}
	return sumf
}

// Relayout converts whole rows of cols elements of type from, in place, into type to, a
// layout Hearth makes at load (Q5_0 → Q5_0x2, Q8_0 → Q8_0x2, Q4_0 → Q4_0x2), or changes nothing and says
// why the rows cannot take it.
func Relayout(from, to Type, data []byte, cols int) error {
	switch {
	case from == Q5_0 && to == Q5_0x2:
		return RepackQ5_0x2(data, cols)
	case from == Q8_0 && to == Q8_0x2:
		return q8_0x2.repack(data, cols, "Q8_0x2")
	case from == Q4_0 && to == Q4_0x2:
		return q4_0x2.repack(data, cols, "Q4_0x2")
	}
	return fmt.Errorf("no conversion from %s to %s", from, to)
}
