package quant

// Q5_0x2 is Q5_0 relaid for SIMD as a unit layout (units.go): the same numbers, the same
// 22 bytes a block, the same products bit for bit; the scales move first and the fifth bits
// are interleaved. A 44-byte unit holds Q5_0 blocks k = 0, 1:
//
//	[0:2] fp16 d of block 0, [2:4] fp16 d of block 1,
//	[4:12] the 64 fifth bits, [12:28] block 0's nibbles, [28:44] block 1's (as in Q5_0:
//	byte j holds element j low, element j+16 high).
//
// The fifth bit of element 16h+L (h = 0, 1 the block's half, L = 0..15) of block k is
// bit 4·(L&1) + 2k + h of byte 4 + L/2. Spread to sixteen byte lanes (byte j's low nibble
// to lane 2j, its high nibble to lane 2j+1: one widening load, a 16-bit shift and an or),
// lane L's bit t = 2k+h is then that half's fifth bit for element L, and one 16-bit shift
// left by 4-t and a mask put it at 0x10 for every lane at once. Q5_0 spreads each half's
// sixteen bits with a byte shuffle, a mask and a compare.

// q5x2Bit is where the fifth bit of element e (0..31) of block k (0, 1) lies in the 64
// bits of a unit's bytes 4..11: byte index and bit.
func q5x2Bit(k, e int) (int, uint) {
	h, l := e/16, e%16
	return l / 2, uint(4*(l&1) + 2*k + h)
}

// packQ5_0x2 relays two Q5_0 blocks (44 bytes) as one unit.
func packQ5_0x2(blocks, unit []byte) {
	var hb [8]byte
	for k := 0; k < 2; k++ {
		blk := blocks[22*k : 22*k+22]
		qh := uint32(blk[2]) | uint32(blk[3])<<8 | uint32(blk[4])<<16 | uint32(blk[5])<<24
		for e := 0; e < 32; e++ {
			i, bit := q5x2Bit(k, e)
			hb[i] |= byte(qh>>e&1) << bit
		}
		copy(unit[2*k:2*k+2], blk[0:2])
		copy(unit[12+16*k:28+16*k], blk[6:22])
	}
	copy(unit[4:12], hb[:])
}

// unpackQ5_0x2 is packQ5_0x2 undone: one unit (44 bytes) -> two Q5_0 blocks.
func unpackQ5_0x2(unit, blocks []byte) {
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
