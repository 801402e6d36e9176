package ggmlx86

// F32Kernel names the ggml-cpu routine that computes one element of an F32 (or F16)
// ggml_mul_mat: the dot product of a src0 row with a src1 column.
type F32Kernel int

const (
	// KernelVecDot is ggml_vec_dot_f32 (ggml_vec_dot_f16 for F16 data), reached through
	// ggml_compute_forward_mul_mat_one_chunk: single-token decode, and every mul_mat whose
	// src1 is not contiguous (K·Q with more than one head).
	KernelVecDot F32Kernel = iota
	// KernelSgemm is llamafile_sgemm's tinyBLAS<16, __m512> (AVX-512): one 16-lane FMA
	// accumulator per output, reduced with _mm512_reduce_add_ps. Used for batches of two or
	// more src1 columns when UseSgemmF32 holds.
	KernelSgemm
)

// UseSgemmF32 reports whether llamafile_sgemm takes an F32×F32 (or F16×F16) mul_mat with src0
// of m rows of k elements and n src1 columns, given that it is offered the product (F32: src1
// contiguous; F16: always, after src1 is converted to F16). llamafile_sgemm refuses n < 2
// ("only enable sgemm for prompt processing"), and tinyBLAS::matmul refuses k % 16 != 0 and
// m % 4 != 0; ggml then falls back to KernelVecDot.
func UseSgemmF32(m, n, k int) bool {
	return n >= 2 && k%16 == 0 && m%4 == 0
}

// AttnKernels returns the kernels llama.cpp (build_attn_mha, F32 KV cache, flash attention
// off, one sequence) uses for kq = mul_mat(k, q) and kqv = mul_mat(v, kq) when nTokens
// queries attend over a cache row of nKV cells.
//
// q is permuted to (headDim, nTokens, nHead), which is contiguous only when nTokens == 1 or
// nHead == 1, so K·Q goes to llamafile_sgemm only in the nHead == 1 prefill case (m = nKV,
// k = headDim). kq (the softmax output) is contiguous, so V·P goes to llamafile_sgemm for
// every prefill with headDim % 4 == 0 and nKV % 16 == 0 (m = headDim, k = nKV).
func AttnKernels(nTokens, nHead, headDim, nKV int) (kq, kqv F32Kernel) {
	kq, kqv = KernelVecDot, KernelVecDot
	if (nTokens == 1 || nHead == 1) && UseSgemmF32(nKV, nTokens, headDim) {
		kq = KernelSgemm
	}
	if UseSgemmF32(headDim, nTokens, nKV) {
		kqv = KernelSgemm
	}
	return kq, kqv
}

// NKVGGML is the number of KV cells llama.cpp's unified KV cache exposes to attention
// (llama_kv_cache::get_n_kv): the used cells rounded up to a multiple of 256, at least 256,
// at most the cache size. Cells past the used ones are masked with -INFINITY (softmax gives
// them exactly 0) and hold zeros, so any nKV that is a multiple of 64 and covers the used
// cells gives bit-identical attention; this one matches llama.cpp's graph.
func NKVGGML(used, cacheSize int) int {
	n := (used + 255) / 256 * 256
	n = max(n, 256)
	return min(n, cacheSize)
}

// Dot computes x·y (n,)·(n,) -> scalar with kernel k (F32 data).
func (k F32Kernel) Dot(x, y []float32) float32 {
	if k == KernelSgemm {
		return DotF32SgemmGGML(x, y)
	}
	return DotF32GGML(x, y)
}

// DotF32GGML is ggml_vec_dot_f32 on AVX-512: x (n,) · y (n,) -> scalar.
// GGML_F32_STEP = 64, GGML_F32_EPR = 16: four 16-lane accumulators, element i of each
// 64-block going to accumulator (i%64)/16, lane i%16, by FMA (x*y + acc); then
// GGML_F32x16_REDUCE: acc0 += acc2, acc1 += acc3, acc0 += acc1, _mm512_reduce_add_ps(acc0);
// then the n%64 leftovers, "sumf += x[i]*y[i]" in float, in order (see leftoverF32).
func DotF32GGML(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	np := n &^ 63
	var acc [4][16]float32
	for i := 0; i < np; i += 64 {
		for j := range acc {
			a := &acc[j]
			xs, ys := x[i+16*j:i+16*j+16], y[i+16*j:i+16*j+16]
			for l := range a {
				a[l] = fma32(xs[l], ys[l], a[l])
			}
		}
	}
	return leftoverF32(reduceF32x16x4(&acc), x[np:], y[np:])
}

// leftoverF32 is ggml_vec_dot_f32's scalar leftover loop "for (i = np; i < n; ++i) sumf +=
// x[i]*y[i];" as GCC 12 -O3 -march=native compiles it (checked against the generated code
// on an AVX-512 machine): the loop is vectorized as an in-order reduction — 16 products at a
// time (each rounded to float, then added to sumf one by one in order), then one block of 8
// the same way if at least 8 remain — and the last n%8 elements are a scalar epilogue that
// GCC contracts to FMA (sumf = fma(x, y, sumf)). A clang build (no in-order vectorization,
// -ffp-contract=on) would instead use the FMA for every leftover.
func leftoverF32(sum float32, x, y []float32) float32 {
	i, n := 0, len(x)
	for ; n-i >= 16; i += 16 {
		for l := i; l < i+16; l++ {
			sum += float32(x[l] * y[l])
		}
	}
	if n-i >= 8 {
		for l := i; l < i+8; l++ {
			sum += float32(x[l] * y[l])
		}
		i += 8
	}
	for ; i < n; i++ {
		sum = fma32(x[i], y[i], sum)
	}
	return sum
}

// reduceF32x16x4 is GGML_F32x16_REDUCE with GGML_F32_ARR = 4.
func reduceF32x16x4(acc *[4][16]float32) float32 {
	var r [16]float32
	for l := range r {
		a := acc[0][l] + acc[2][l]
		b := acc[1][l] + acc[3][l]
		r[l] = a + b
	}
	return reduceAdd16(&r)
}

// DotF32SgemmGGML is the dot product tinyBLAS<16, __m512> (llamafile sgemm.cpp, gemm_bloc)
// computes for one output: x (n,) · y (n,) -> scalar. Element i goes to lane i%16 of a single
// accumulator by FMA, in order; the result is _mm512_reduce_add_ps of the accumulator. The
// tinyBLAS of the examined sources requires n % 16 == 0 (see UseSgemmF32); for other n this
// computes what a masked-tail version would (the missing lanes stay untouched). The same
// kernel serves F16×F16 with F16-valued inputs (loads convert exactly with _mm512_cvtph_ps).
func DotF32SgemmGGML(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var acc [16]float32
	i := 0
	for ; i+16 <= n; i += 16 {
		xs, ys := x[i:i+16], y[i:i+16]
		for l := range acc {
			acc[l] = fma32(xs[l], ys[l], acc[l])
		}
	}
	for l := 0; i < n; i, l = i+1, l+1 {
		acc[l] = fma32(x[i], y[i], acc[l])
	}
	return reduceAdd16(&acc)
}

// DotF16GGML is ggml_vec_dot_f16 on AVX-512 (GGML_F32Cx16: F16 loads widened to float):
// x (n,) · y (n,) -> scalar, for inputs that already hold F16 values (the F16 weights, and
// the activations as ggml converts them, round-to-nearest-even). Four 16-lane FMA
// accumulators over 64-blocks and the same reduction as DotF32GGML, but the reduced value is
// kept in double and the leftovers are added as "sumf += (double)(x[i]*y[i])" (float
// product, double sum); the result is rounded to float at the end.
func DotF16GGML(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	np := n &^ 63
	var acc [4][16]float32
	for i := 0; i < np; i += 64 {
		for j := range acc {
			a := &acc[j]
			xs, ys := x[i+16*j:i+16*j+16], y[i+16*j:i+16*j+16]
			for l := range a {
				a[l] = fma32(xs[l], ys[l], a[l])
			}
		}
	}
	sum := float64(reduceF32x16x4(&acc))
	for i := np; i < n; i++ {
		sum += float64(float32(x[i] * y[i]))
	}
	return float32(sum)
}

// AttnValueGGML is one head of kqv = mul_mat(v, kq) over llama.cpp's transposed F32 V cache:
// p (nKV,) softmax row, V rows v[t*stride : t*stride+len(out)] -> out (headDim,),
// out[i] = Σ_t p[t]·V[t][i], each output computed with kernel k over t = 0..nKV-1 (for
// KernelVecDot: ggml_vec_dot_f32(nKV, Vᵀ[i], p); for KernelSgemm: tinyBLAS's dot).
// Terms with p[t] == 0 (masked or padding cells) are skipped, so v needs rows only where p is
// non-zero; in ggml they add ±0 to a lane, which can change only the sign of an all-zero
// result.
func AttnValueGGML(out, p, v []float32, stride int, k F32Kernel) {
	if k == KernelSgemm {
		for i := range out {
			var acc [16]float32
			for t, pt := range p {
				if pt != 0 {
					acc[t%16] = fma32(v[t*stride+i], pt, acc[t%16])
				}
			}
			out[i] = reduceAdd16(&acc)
		}
		return
	}
	n := len(p)
	np := n &^ 63
	var col [63]float32
	for i := range out {
		var acc [4][16]float32
		for t := 0; t < np; t++ {
			if pt := p[t]; pt != 0 {
				r := t % 64
				acc[r/16][r%16] = fma32(v[t*stride+i], pt, acc[r/16][r%16])
			}
		}
		sum := reduceF32x16x4(&acc)
		if np < n {
			for t := np; t < n; t++ {
				col[t-np] = 0 // unused cell: 0·0 adds +0, like a masked one
				if p[t] != 0 {
					col[t-np] = v[t*stride+i]
				}
			}
			sum = leftoverF32(sum, col[:n-np], p[np:])
		}
		out[i] = sum
	}
}
