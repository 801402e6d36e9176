package ggmlx86

import (
	"math"

	"hearth/engine/quant"
)

// The float arithmetic of llama.cpp's x86 dot-product kernels (ggml-cpu/arch/x86/quants.c,
// repack.cpp and llamafile's tinyBLAS, built for an AVX-512 machine with GGML_NATIVE, GCC):
// the same integer products as the generic VecDot of each type, but summed into eight
// 32-bit lanes, scaled by FMA into eight float lanes and reduced with hsum_float_8, so the
// float results differ from the generic ones in the last bits. llama.cpp quantizes every
// activation before the next product, so those bits decide whether greedy decoding follows
// llama.cpp's. Every product that ggml rounds separately is wrapped in float32(); every one
// it fuses goes through fmaF32.
//
// Lane convention of the AVX2 integer code (maddubs + madd, or dpbusd): a 32-byte register
// of int8 products is summed four adjacent bytes per 32-bit lane, so within each aligned
// run of 32 elements, element e lands in lane (e%32)/4.

// VecDotX86 returns llama.cpp's x86 (AVX2/AVX-512) ggml_vec_dot_<type>_<vec_dot_type> for
// the weight type t: w (n,) of type t · a (n,) of t's VecDotType -> float32. It returns nil
// for types whose x86 kernel is the generic one or which have none here (F32, F16, BF16:
// see package ops).
func VecDotX86(t quant.Type) func(n int, w, a []byte) float32 {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0:
		return func(n int, w, a []byte) float32 { return dotQ0X86(t, n, w, a) }
	case quant.Q4_1, quant.Q5_1:
		return func(n int, w, a []byte) float32 { return dotQ1X86(t, n, w, a) }
	case quant.IQ4_NL:
		return dotIQ4_NLX86
	case quant.Q2_K:
		return dotQ2_KX86
	case quant.Q3_K:
		return dotQ3_KX86
	case quant.Q4_K:
		return dotQ4_KX86
	case quant.Q5_K:
		return dotQ5_KX86
	case quant.Q6_K:
		return dotQ6_KX86
	}
	return nil
}

// fmaF32 returns a*b+c rounded once to float32 (VFMADD*PS). The product is exact in
// float64; the sum is rounded to odd in float64 (TwoSum gives its exact error), which makes
// the final rounding to float32 correct: plain float32(math.FMA(...)) can double-round.
func fmaF32(a, b, c float32) float32 {
	p := float64(a) * float64(b) // exact: 24+24 bits
	cd := float64(c)
	s := p + cd
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	bv := s - p
	e := (p - (s - bv)) + (cd - bv)
	if e != 0 {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			if (e > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}

// hsum8 is hsum_float_8 (and tinyBLAS's hsum of an __m256): the high 128 bits added to the
// low, then lanes 2,3 onto 0,1, then lane 1 onto 0.
func hsum8(v *[8]float32) float32 {
	var a [4]float32
	for i := range a {
		a[i] = v[i+4] + v[i]
	}
	return (a[0] + a[2]) + (a[1] + a[3])
}

// fmaLanes is acc[l] = fma(d, float(lanes[l]), acc[l]) for the eight lanes
// (_mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi), acc)).
func fmaLanes(acc *[8]float32, d float32, lanes *[8]int32) {
	for l := range acc {
		acc[l] = fmaF32(d, float32(lanes[l]), acc[l])
	}
}

// f16At reads the little-endian fp16 made of bytes b0, b1 as float32.
func f16At(b0, b1 byte) float32 { return quant.F16ToF32(uint16(b0) | uint16(b1)<<8) }

// kF16 reads the fp16 at b[off:].
func kF16(b []byte, off int) float32 { return f16At(b[off], b[off+1]) }

// blockBytes is the size of one block of t.
func blockBytes(t quant.Type) int {
	tr, _ := t.Traits()
	return tr.BlockBytes
}
