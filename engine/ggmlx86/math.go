package ggmlx86

import (
	"math"

	"hearth/engine/ops"
)

// Bit-exact emulations of the float arithmetic ggml-cpu performs on an x86-64 machine with
// AVX-512F/DQ, FMA and F16C (llama.cpp built with GGML_NATIVE=ON on Zen 4, GCC, glibc):
// the operations whose results are later quantized to Q8_0/Q8_K, where a one-ulp difference
// can flip a rounded activation. Each function names the ggml routine it follows; the
// notes on which routine llama.cpp actually calls for which shape are on the functions.
//
// Go may fuse x*y+z into one FMA on some targets (arm64, and amd64 with GOAMD64=v3); every
// product below that ggml rounds separately is therefore wrapped in float32(), which the
// language spec guarantees is rounded before the add. Every product that ggml fuses goes
// through fma32.

// fma32 is ops.FMA32: a*b+c rounded once to float32, as VFMADD*PS does.
func fma32(a, b, c float32) float32 { return ops.FMA32(a, b, c) }

// reduceAdd16 is _mm512_reduce_add_ps as GCC's avx512fintrin.h (and clang's tree
// reduction) computes it: the upper 8 lanes are added to the lower 8, then the upper 4 to
// the lower 4, then lanes 2,3 to 0,1, then lane 1 to lane 0.
func reduceAdd16(v *[16]float32) float32 {
	var a [8]float32
	for i := range a {
		a[i] = v[i] + v[i+8]
	}
	var b [4]float32
	for i := range b {
		b[i] = a[i] + a[i+4]
	}
	return (b[0] + b[2]) + (b[1] + b[3])
}

// hsumFloat8 is ggml's hsum_float_8 (x86/quants.c) and tinyBLAS's hsum(__m256): high 128
// bits added to the low 128, then movehl (lanes 2,3 onto 0,1), then movehdup (lane 1 onto 0).
func hsumFloat8(v *[8]float32) float32 {
	var a [4]float32
	for i := range a {
		a[i] = v[i+4] + v[i]
	}
	return (a[0] + a[2]) + (a[1] + a[3])
}

// RMSNormGGML is ggml_compute_forward_rms_norm_f32 followed by ggml_mul with the weight
// (or the fused rms_norm+mul of newer ggml, which rounds identically):
// x (n,), w (n,) -> out (n,).
//
//	sum   += (double)(x[i]*x[i])        // float square, double running sum, in order
//	mean   = (float)(sum/n)
//	scale  = 1.0f/sqrtf(mean + eps)     // float add, correctly rounded sqrtf, float divide
//	out[i] = (x[i]*scale)*w[i]          // two float multiplies (ggml_vec_scale_f32, ggml_mul)
//
// out may alias x.
func RMSNormGGML(out, x, w []float32, eps float32) {
	n := len(x)
	if n == 0 {
		return
	}
	w = w[:n]
	out = out[:n]
	var sum float64
	for _, v := range x {
		sum += float64(float32(v * v))
	}
	mean := float32(sum / float64(n))
	scale := 1 / float32(math.Sqrt(float64(mean+eps)))
	for i, v := range x {
		out[i] = float32(v*scale) * w[i]
	}
}

// KQScaleGGML is the attention scale llama.cpp's llama/qwen2/qwen3 graphs pass to
// ggml_soft_max_ext: 1.0f/sqrtf((float)headDim), all in float (it can differ in the last bit
// from float32(1/math.Sqrt(headDim))).
func KQScaleGGML(headDim int) float32 {
	return 1 / float32(math.Sqrt(float64(float32(headDim))))
}
