package quant

import (
	"encoding/binary"
	"math"
)

// Q8_K is the activation type of the k-quants (block_q8_K): a float32 scale d, 256 int8
// quants (x = d*q), and the sums of each 16 quants as int16 (bsums), which the dot
// products use to apply the weight minimums without touching the quants.
//
//	offset 0    float32 d
//	offset 4    int8    qs[256]
//	offset 260  int16   bsums[16]
const (
	blockQ8_K    = 4 + QK_K + QK_K/16*2 // 292 bytes: 9.125 bits per value
	offQ8_KQs    = 4
	offQ8_KBsums = 4 + QK_K
)

func init() {
	traits[Q8_K].Dequantize = dequantizeQ8_K
	traits[Q8_K].Quantize = quantizeQ8_K
}

// quantizeQ8_K is quantize_row_q8_K_ref (which x86 and the generic CPU backend both use):
// per super-block the value of largest magnitude, with its sign, maps to -127
// (iscale = -127/max), every value is rounded with nearest_int and clamped at 127, and
// d = 1/iscale. An all-zero block stores d = 0 and zero quants and sums.
// src (n,) float32 -> dst (n/256 blocks of 292 bytes).
func quantizeQ8_K(src []float32, dst []byte) {
	nb := len(src) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[QK_K]float32)(src[i*QK_K:])
		y := (*[blockQ8_K]byte)(dst[i*blockQ8_K:])
		var xmax, amax float32
		for _, v := range x {
			if ax := kAbs(v); ax > amax {
				amax, xmax = ax, v
			}
		}
		if amax == 0 {
			clear(y[:])
			continue
		}
		iscale := -127 / xmax
		qs := (*[QK_K]byte)(y[offQ8_KQs:])
		for j, v := range x {
			q := kNearestInt(float32(iscale * v))
			if q > 127 {
				q = 127
			}
			qs[j] = byte(int8(q))
		}
		for j := 0; j < QK_K/16; j++ {
			sum := 0
			for _, q := range qs[16*j : 16*j+16] {
				sum += int(int8(q))
			}
			binary.LittleEndian.PutUint16(y[offQ8_KBsums+2*j:], uint16(int16(sum)))
		}
		binary.LittleEndian.PutUint32(y[0:], math.Float32bits(1/iscale))
	}
}

// dequantizeQ8_K: x = d*q. src (n/256 blocks) -> dst (n,).
func dequantizeQ8_K(src []byte, dst []float32) {
	nb := len(dst) / QK_K
	for i := 0; i < nb; i++ {
		x := (*[blockQ8_K]byte)(src[i*blockQ8_K:])
		y := (*[QK_K]float32)(dst[i*QK_K:])
		d := kF32(x[:], 0)
		for j := range y {
			y[j] = d * float32(int8(x[offQ8_KQs+j]))
		}
	}
}

// kBsum returns block sum j (0..15) of the Q8_K block y.
func kBsum(y []byte, j int) int16 {
	return int16(binary.LittleEndian.Uint16(y[offQ8_KBsums+2*j:]))
}

// Lane dot product over decoded quants: a holds 128 int8 values (a weight super-block
// half expanded by a fast path), y the matching 128 Q8_K quants. Lane l (0..7) collects
// the positions ≡ l mod 8, as the eight int32 sums of ggml's generic k-quant dot products
// do, so a fast path that uses it accumulates float32 exactly as the reference does.
// Unrolled: every index is a constant.

// kLaneDot16 adds Σ_j s[j] * Σ a[i]*y[i] over the positions i ≡ l (mod 8) of 16-value
// sub-block j (j = 0..7) to acc[l]. a, y (128,) int8 -> acc (8,).
func kLaneDot16(a, y *[128]byte, s *[8]int, acc *[8]int) {
	acc[0] += s[0]*kPair(a, y, 0) + s[1]*kPair(a, y, 16) + s[2]*kPair(a, y, 32) + s[3]*kPair(a, y, 48) +
		s[4]*kPair(a, y, 64) + s[5]*kPair(a, y, 80) + s[6]*kPair(a, y, 96) + s[7]*kPair(a, y, 112)
	acc[1] += s[0]*kPair(a, y, 1) + s[1]*kPair(a, y, 17) + s[2]*kPair(a, y, 33) + s[3]*kPair(a, y, 49) +
		s[4]*kPair(a, y, 65) + s[5]*kPair(a, y, 81) + s[6]*kPair(a, y, 97) + s[7]*kPair(a, y, 113)
	acc[2] += s[0]*kPair(a, y, 2) + s[1]*kPair(a, y, 18) + s[2]*kPair(a, y, 34) + s[3]*kPair(a, y, 50) +
		s[4]*kPair(a, y, 66) + s[5]*kPair(a, y, 82) + s[6]*kPair(a, y, 98) + s[7]*kPair(a, y, 114)
	acc[3] += s[0]*kPair(a, y, 3) + s[1]*kPair(a, y, 19) + s[2]*kPair(a, y, 35) + s[3]*kPair(a, y, 51) +
		s[4]*kPair(a, y, 67) + s[5]*kPair(a, y, 83) + s[6]*kPair(a, y, 99) + s[7]*kPair(a, y, 115)
	acc[4] += s[0]*kPair(a, y, 4) + s[1]*kPair(a, y, 20) + s[2]*kPair(a, y, 36) + s[3]*kPair(a, y, 52) +
		s[4]*kPair(a, y, 68) + s[5]*kPair(a, y, 84) + s[6]*kPair(a, y, 100) + s[7]*kPair(a, y, 116)
	acc[5] += s[0]*kPair(a, y, 5) + s[1]*kPair(a, y, 21) + s[2]*kPair(a, y, 37) + s[3]*kPair(a, y, 53) +
		s[4]*kPair(a, y, 69) + s[5]*kPair(a, y, 85) + s[6]*kPair(a, y, 101) + s[7]*kPair(a, y, 117)
	acc[6] += s[0]*kPair(a, y, 6) + s[1]*kPair(a, y, 22) + s[2]*kPair(a, y, 38) + s[3]*kPair(a, y, 54) +
		s[4]*kPair(a, y, 70) + s[5]*kPair(a, y, 86) + s[6]*kPair(a, y, 102) + s[7]*kPair(a, y, 118)
	acc[7] += s[0]*kPair(a, y, 7) + s[1]*kPair(a, y, 23) + s[2]*kPair(a, y, 39) + s[3]*kPair(a, y, 55) +
		s[4]*kPair(a, y, 71) + s[5]*kPair(a, y, 87) + s[6]*kPair(a, y, 103) + s[7]*kPair(a, y, 119)
}

// kPair is a[i]*y[i] + a[i+8]*y[i+8] (int8 values; inlined with a constant i).
func kPair(a, y *[128]byte, i int) int {
	return int(int8(a[i]))*int(int8(y[i])) + int(int8(a[i+8]))*int(int8(y[i+8]))
}
