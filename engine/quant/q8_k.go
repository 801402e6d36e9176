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
