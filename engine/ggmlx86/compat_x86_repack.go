package ggmlx86

import "hearth/engine/quant"

// llama.cpp's CPU weight repacking ("extra buffer type", ggml-cpu/repack.cpp, on by
// default) and llamafile's tinyBLAS for quantized prefill, as float results: the memory
// layouts differ from a plain row, the integer sums do not, so one output is computed here
// from the plain row with the kernel's float order.

// Repacked reports whether llama.cpp's CPU backend on an AVX-512 machine (Zen 4,
// GGML_NATIVE) repacks a 2-D weight of type t with the given number of rows for
// MUL_MAT (ggml_repack_get_optimal_repack_type): Q4_0 and IQ4_NL to 8x8 interleaved blocks
// and Q4_K to 8x8 (AVX2), Q2_K to 8x8 (AVX-512), each when rows % 8 == 0. A tensor that is
// also read by GET_ROWS (token_embd, and so a tied output matrix) is never placed in the
// repack buffer; the caller decides that.
func Repacked(t quant.Type, rows int) bool {
	switch t {
	case quant.Q4_0, quant.IQ4_NL, quant.Q4_K, quant.Q2_K:
		return rows%8 == 0
	}
	return false
}

// VecDotRepackX86 returns the per-output float arithmetic of the x86 gemv/gemm kernels of a
// repacked type (ggml_gemv_q4_0_8x8_q8_0, ggml_gemv_iq4_nl_8x8_q8_0, ggml_gemv_q4_K_8x8_q8_K,
// ggml_gemv_q2_K_8x8_q8_K and their gemm forms, which differ only in how many outputs they
// compute at once): w (n,) of type t · a (n,) -> float32. Nil when t is not repacked.
//
// Each output column keeps its whole per-block integer sum in one 32-bit lane:
//
//	Q4_0, IQ4_NL: acc = fma(float(sumi), dw*da, acc)                per 32-block
//	Q4_K, Q2_K:   acc  = fma(float(Σ sc·q·q8), dw*da, acc)         per super-block
//	              accm = fma(float(Σ m·bsum), dminw*da, accm)
//	              result acc - accm
func VecDotRepackX86(t quant.Type) func(n int, w, a []byte) float32 {
	switch t {
	case quant.Q4_0, quant.IQ4_NL:
		return func(n int, w, a []byte) float32 { return gemvQ32X86(t, n, w, a) }
	case quant.Q4_K, quant.Q2_K:
		return func(n int, w, a []byte) float32 { return gemvKX86(t, n, w, a) }
	}
	return nil
}

// VecDotTinyBLASX86 returns the per-output float arithmetic of llamafile's tinyBLAS_Q0_AVX
// (llamafile_sgemm on Q8_0 activations, taken for prefill, n ≥ 2, of Q8_0, Q4_0, Q5_0 and
// IQ4_NL weights that are not repacked): per block Cv = fma(dw*da, updot(w, a), Cv) into
// eight lanes, then hsum. Nil for other types.
func VecDotTinyBLASX86(t quant.Type) func(n int, w, a []byte) float32 {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL:
		return func(n int, w, a []byte) float32 { return dotQ0X86(t, n, w, a) }
	}
	return nil
}

func gemvQ32X86(t quant.Type, n int, w, a []byte) float32 {
	bw := blockBytes(t)
	var acc float32
	var q [32]int32
	for ib := 0; ib < n/32; ib++ {
		dw, _ := decodeQ32(t, w[ib*bw:(ib+1)*bw], &q)
		y := a[ib*34 : ib*34+34]
		var sumi int32
		for e := range q {
			sumi += q[e] * int32(int8(y[2+e]))
		}
		acc = fmaF32(float32(sumi), float32(dw*f16At(y[0], y[1])), acc)
	}
	return acc
}

func gemvKX86(t quant.Type, n int, w, a []byte) float32 {
	var acc, accm float32
	kBlocks(t, n, w, a, func(k *kBlock, a []byte) {
		da, q8, bsum := q8K(a)
		var isum, imin int32
		for e, wv := range k.w {
			isum += wv * int32(int8(q8[e]))
		}
		if t == quant.Q2_K {
			for j := 0; j < 16; j++ {
				imin += k.mins[j] * bsum(j)
			}
		} else {
			for j := 0; j < 8; j++ {
				imin += k.mins[j] * (bsum(2*j) + bsum(2*j+1))
			}
		}
		acc = fmaF32(float32(isum), float32(k.d*da), acc)
		accm = fmaF32(float32(imin), float32(k.dmin*da), accm)
	})
	return acc - accm
}

// VecDotRepackGemmX86 returns the per-output float arithmetic of the x86 repacked gemm
// kernel of type t (the rows of a prefill batch that go in groups of four), where it differs
// from the gemv one (VecDotRepackX86), or nil where it does not (Q4_0, IQ4_NL).
// ggml_gemm_q4_K_8x8_q8_K scales and accumulates in float once per 64 elements (two
// 32-element sub-blocks), ggml_gemm_q2_K_8x8_q8_K once per 128 (eight 16-element
// sub-blocks), instead of once per super-block:
//
//	acc  = fma(float(Σ sc·q·q8 over the step), dw*da, acc)
//	accm = fma(float(Σ m·bsum over the step's sub-blocks), dminw*da, accm)
//	result acc - accm
func VecDotRepackGemmX86(t quant.Type) func(n int, w, a []byte) float32 {
	switch t {
	case quant.Q4_K:
		return func(n int, w, a []byte) float32 { return gemmKX86(quant.Q4_K, n, w, a) }
	case quant.Q2_K:
		return func(n int, w, a []byte) float32 { return gemmKX86(quant.Q2_K, n, w, a) }
	}
	return nil
}

func gemmKX86(t quant.Type, n int, w, a []byte) float32 {
	var acc, accm float32
	step := 64 // quant.Q4_K: two 32-element sub-blocks per float step
	if t == quant.Q2_K {
		step = 128 // quant.Q2_K: eight 16-element sub-blocks
	}
	kBlocks(t, n, w, a, func(k *kBlock, a []byte) {
		da, q8, bsum := q8K(a)
		d, dmin := float32(k.d*da), float32(k.dmin*da)
		for e0 := 0; e0 < quant.QK_K; e0 += step {
			var isum, imin int32
			for e := e0; e < e0+step; e++ {
				isum += k.w[e] * int32(int8(q8[e]))
			}
			if t == quant.Q2_K {
				for j := e0 / 16; j < (e0+step)/16; j++ {
					imin += k.mins[j] * bsum(j)
				}
			} else {
				for j := e0 / 32; j < (e0+step)/32; j++ {
					imin += k.mins[j] * (bsum(2*j) + bsum(2*j+1))
				}
			}
			acc = fmaF32(float32(isum), d, acc)
			accm = fmaF32(float32(imin), dmin, accm)
		}
	})
	return acc - accm
}
