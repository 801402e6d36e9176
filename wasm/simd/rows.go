//go:build js && wasm

package simd

import (
	"math"
	"unsafe"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// The per-token work around the products, bit for bit the Go functions they replace
// (gen/convert.go, gen/norm.go): Go's wasm has no SIMD, and this work ran there as a
// few percent of a decode step and more of a prefill, all on the engine thread.

// src (n,) f32 -> dst (n,) f16, n a multiple of 8.
//
//go:wasmimport hearth_simd f32_to_f16
func f32ToF16Kernel(src, dst unsafe.Pointer, n int32)

// x (rows, n), w (n,) -> out (rows, n), n a multiple of 4.
//
//go:wasmimport hearth_simd rmsnorm
func rmsNormKernel(x, w, out unsafe.Pointer, n int32, eps float32, rows int32)

// f32ToF16 is ops.F32ToF16Hook over f32_to_f16: the multiple-of-8 prefix in the kernel,
// the rest in Go.
func f32ToF16(dst []uint16, src []float32) bool {
	n := len(src)
	if len(dst) < n || n >= 1<<28 {
		return false
	}
	if m := n &^ 7; m > 0 {
		f32ToF16Kernel(unsafe.Pointer(unsafe.SliceData(src)), unsafe.Pointer(unsafe.SliceData(dst)), int32(m))
	}
	if n%8 != 0 {
		defer ops.GoCode()()
	}
	for i := n &^ 7; i < n; i++ {
		dst[i] = quant.F32ToF16(src[i])
	}
	return true
}

// rmsNorm is ops.RMSNormHook over rmsnorm, every row in one call, for rows whose length
// is a multiple of 4 (every model's widths are); others go the Go way.
func rmsNorm(out, x, w []float32, eps float32) bool {
	n := len(w)
	if n == 0 || n%4 != 0 || len(x)%n != 0 || len(x) == 0 || len(out) < len(x) || len(x) >= 1<<28 {
		return false
	}
	rmsNormKernel(unsafe.Pointer(unsafe.SliceData(x)), unsafe.Pointer(unsafe.SliceData(w)), unsafe.Pointer(unsafe.SliceData(out)), int32(n), eps, int32(len(x)/n))
	return true
}

// x (rows, 32·nb) f32 -> out (rows, nb Q8_0 blocks), prep (rows, 40·nb bytes: PrepQ8_0's
// layout, corrections included).
//
//go:wasmimport hearth_simd quantize_prep_q8_0
func quantizePrepQ8_0Kernel(x unsafe.Pointer, nb, rows int32, out, prep unsafe.Pointer)

// quantizeActsQ8_0 is ops.ActsQuantizers[Q8_0] over quantize_prep_q8_0: every row of a in
// one call, the rows prepared for the 32-element block kernels at the same time (what
// prepared would otherwise make from a.Data in Go, with the corrections), so a product of
// these activations finds them ready.
func quantizeActsQ8_0(x []float32, a *ops.Acts) bool {
	nb := a.Cols / 32
	if a.Cols%32 != 0 || nb == 0 || a.N < 1 || len(x) < a.N*a.Cols || a.RowBytes != 34*nb ||
		len(a.Data) < a.N*a.RowBytes || a.N*a.Cols >= 1<<28 {
		return false
	}
	need := a.N * 40 * nb
	if cap(prepBuf) < need {
		ops.GoCode()() // queued products may still read the old buffer
		prepBuf = make([]byte, need)
	}
	prepBuf = prepBuf[:need]
	quantizePrepQ8_0Kernel(unsafe.Pointer(unsafe.SliceData(x)), int32(nb), int32(a.N),
		unsafe.Pointer(unsafe.SliceData(a.Data)), unsafe.Pointer(unsafe.SliceData(prepBuf)))
	prepFor, prepVersion, prepSums = a, a.Version, true
	return true
}

// x (256·nb,) f32 -> out (nb Q8_K blocks of 292 bytes).
//
//go:wasmimport hearth_simd quantize_q8_k
func quantizeQ8_KKernel(x unsafe.Pointer, nb int32, out unsafe.Pointer)

// quantizeActsQ8_K is ops.ActsQuantizers[Q8_K] over quantize_q8_k: a Q8_K row is its
// blocks one after another, so all the rows are one call.
func quantizeActsQ8_K(x []float32, a *ops.Acts) bool {
	nb := a.N * a.Cols / 256
	if a.Cols%256 != 0 || nb == 0 || len(x) < a.N*a.Cols || a.RowBytes != 292*(a.Cols/256) ||
		len(a.Data) < 292*nb || a.N*a.Cols >= 1<<28 {
		return false
	}
	quantizeQ8_KKernel(unsafe.Pointer(unsafe.SliceData(x)), int32(nb), unsafe.Pointer(unsafe.SliceData(a.Data)))
	return true
}

// x (tokens, heads, head_bytes/4) f32 (token t at x + t·x_stride bytes) rotated in place
// by cos, sin (tokens, ndims/2; token t's at + t·angle_stride bytes); neox: 1 (halves) or
// 0 (adjacent pairs).
//
//go:wasmimport hearth_simd rope_f32
func ropeKernel(x unsafe.Pointer, heads, headBytes, ndims int32, cos, sin unsafe.Pointer, neox, tokens, xStride, angleStride int32)

// rope is ops.RopeHook over rope_f32: one token.
func rope(r *ops.RoPE, x []float32, nHeads, headSize int, cos, sin []float32) bool {
	return ropeTokens(r, x, 1, nHeads*headSize, nHeads, headSize, cos, sin)
}

// ropeTokens is ops.RopeTokensHook over rope_f32: tokens tokens' heads (token t's at
// x[t·stride:]) by their angles (token t's at cos, sin [t·NDims/2:]), in one call, for
// rotated widths of whole vector groups (a multiple of 4 dimensions for adjacent pairs, 8
// for halves: every model's).
func ropeTokens(r *ops.RoPE, x []float32, tokens, stride, nHeads, headSize int, cos, sin []float32) bool {
	nd, neox := r.NDims, int32(0)
	if r.Style == ops.RoPENeoX {
		neox = 1
	}
	if nd <= 0 || nd%(4+4*int(neox)) != 0 || nHeads <= 0 || headSize < nd || tokens <= 0 || stride < nHeads*headSize ||
		len(x) < (tokens-1)*stride+nHeads*headSize || len(cos) < tokens*nd/2 || len(sin) < tokens*nd/2 || len(x) >= 1<<28 {
		return false
	}
	ropeKernel(unsafe.Pointer(unsafe.SliceData(x)), int32(nHeads), int32(4*headSize), int32(nd),
		unsafe.Pointer(unsafe.SliceData(cos)), unsafe.Pointer(unsafe.SliceData(sin)), neox,
		int32(tokens), int32(4*stride), int32(2*nd))
	return true
}

// dst (n,) += src (n,), n a multiple of 4.
//
//go:wasmimport hearth_simd add_f32
func addKernel(dst, src unsafe.Pointer, n int32)

// src (n,) · s -> dst (n,), n a multiple of 4; 1 when some product is ±Inf.
//
//go:wasmimport hearth_simd scale_f32
func scaleKernel(src, dst unsafe.Pointer, n int32, s float32) int32

// add is ops.AddHook over add_f32: the multiple-of-4 prefix in the kernel, the rest in Go.
func add(dst, src []float32) bool {
	n := len(dst)
	if len(src) < n || n >= 1<<28 {
		return false
	}
	if m := n &^ 3; m > 0 {
		addKernel(unsafe.Pointer(unsafe.SliceData(dst)), unsafe.Pointer(unsafe.SliceData(src)), int32(m))
	}
	if n%4 != 0 {
		defer ops.GoCode()()
	}
	for i := n &^ 3; i < n; i++ {
		dst[i] += src[i]
	}
	return true
}

// scaleBy sets dst = src · s (len(src) elements) and reports whether every product is
// finite: the multiple-of-4 prefix in scale_f32, the rest in Go. Queued (ops.Queued), the
// kernel's part reports true here and its check goes to ops.EndQueue.
func scaleBy(dst, src []float32, s float32) bool {
	n := len(src)
	ok := true
	if m := n &^ 3; m > 0 {
		ok = scaleKernel(unsafe.Pointer(unsafe.SliceData(src)), unsafe.Pointer(unsafe.SliceData(dst)), int32(m), s) == 0
	}
	if n%4 != 0 {
		defer ops.GoCode()()
	}
	for i := n &^ 3; i < n; i++ {
		dst[i] = src[i] * s
		ok = ok && !math.IsInf(float64(dst[i]), 0)
	}
	return ok
}
