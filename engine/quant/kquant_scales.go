package quant

import (
	"encoding/binary"
	"math"
)

// Shared pieces of the k-quant super-block formats: the 12-byte packing of eight 6-bit
// scale/min pairs (Q4_K, Q5_K), the 12-byte packing of sixteen 6-bit scales (Q3_K), and the
// little-endian field readers (k-prefixed: the package is shared with the 32-block types).

// getScaleMinK4 returns scale j and min j (6 bits each, j in 0..7) of a Q4_K/Q5_K scales
// field, as ggml's get_scale_min_k4 does. Bytes 0..3 hold the low 6 bits of scales 0..3,
// bytes 4..7 those of mins 0..3; bytes 8..11 hold the low nibbles of scales 4..7 (low) and
// mins 4..7 (high), whose top 2 bits sit in bits 6..7 of bytes 0..3 (scales) and 4..7 (mins).
func getScaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xF | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// unpackScaleMinK4 unpacks all eight scale/min pairs of a Q4_K/Q5_K scales field at once,
// with the 32-bit mask arithmetic of ggml's vec_dot (kmask1..3 on utmp[0..3]): the scales
// come out as the bytes of utmp[0..1], the mins as those of utmp[2..3].
func unpackScaleMinK4(q *[12]byte) (scales, mins [8]uint8) {
	const kmask1, kmask2, kmask3 = 0x3f3f3f3f, 0x0f0f0f0f, 0x03030303
	u0 := binary.LittleEndian.Uint32(q[0:4])
	u1 := binary.LittleEndian.Uint32(q[4:8])
	u2 := binary.LittleEndian.Uint32(q[8:12])
	u3 := (u2>>4)&kmask2 | ((u1>>6)&kmask3)<<4
	uaux := u1 & kmask1
	u1 = u2&kmask2 | ((u0>>6)&kmask3)<<4
	u2 = uaux
	u0 &= kmask1
	binary.LittleEndian.PutUint32(scales[0:4], u0)
	binary.LittleEndian.PutUint32(scales[4:8], u1)
	binary.LittleEndian.PutUint32(mins[0:4], u2)
	binary.LittleEndian.PutUint32(mins[4:8], u3)
	return
}

// unpackScalesQ3K unpacks the sixteen 6-bit scales of a Q3_K block (values 0..63; the
// signed scale is the value minus 32), with ggml's kmask arithmetic on aux[0..3]. Bytes
// 0..7 hold the low nibbles of scales 0..7 (low) and 8..15 (high); the top 2 bits of scale
// j sit in byte 8 + j%4 at bit 2*(j/4).
func unpackScalesQ3K(q *[12]byte) (scales [16]uint8) {
	const kmask1, kmask2 = 0x03030303, 0x0f0f0f0f
	a0 := binary.LittleEndian.Uint32(q[0:4])
	a1 := binary.LittleEndian.Uint32(q[4:8])
	tmp := binary.LittleEndian.Uint32(q[8:12])
	binary.LittleEndian.PutUint32(scales[8:12], (a0>>4)&kmask2|((tmp>>4)&kmask1)<<4)
	binary.LittleEndian.PutUint32(scales[12:16], (a1>>4)&kmask2|((tmp>>6)&kmask1)<<4)
	binary.LittleEndian.PutUint32(scales[0:4], a0&kmask2|(tmp&kmask1)<<4)
	binary.LittleEndian.PutUint32(scales[4:8], a1&kmask2|((tmp>>2)&kmask1)<<4)
	return
}

// kF16 reads the little-endian fp16 at b[off:off+2] as float32.
func kF16(b []byte, off int) float32 {
	return F16ToF32(binary.LittleEndian.Uint16(b[off:]))
}

// kPutF16 stores f as a little-endian fp16 at b[off:off+2].
func kPutF16(b []byte, off int, f float32) {
	binary.LittleEndian.PutUint16(b[off:], F32ToF16(f))
}

// kF32 reads the little-endian float32 at b[off:off+4].
func kF32(b []byte, off int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
}
