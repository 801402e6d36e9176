package ops

import "hearth/engine/quant"

// RowsKernel computes rows [lo,hi) of W (Rows,Cols) @ acts (N,Cols)^T -> y (N,Rows) —
// y[n*Rows+r] = dot(W[r], acts[n]) — for every activation row n, in place of the Go
// vec_dot loop. It returns false, having written nothing, when it cannot take this
// product, and the Go path runs instead. Its integer sums must equal the Go reference's;
// its float accumulation order may differ.
type RowsKernel func(m *Matrix, a *Acts, y []float32, lo, hi int) bool

// Kernels holds the fast kernels by weight type: empty natively, filled by the browser
// build (hearth/wasm/simd.Install) before any model is loaded. Set it before products
// run; MulActs only reads it.
var Kernels = map[quant.Type]RowsKernel{}

// ActsQuantizers holds fast quantizers of whole activation sets by type: x (a.N, a.Cols)
// f32 -> a.Data (a.N rows of that type), byte for byte what the type's Go quantizer writes
// row by row; a has its type, sizes and Version set. The browser build's Q8_0 one also
// lays the rows out for its kernels in the same pass. A quantizer returns false, having
// written nothing, when it cannot take the rows, and the Go quantizer runs instead, row
// by row. Empty natively.
var ActsQuantizers = map[quant.Type]func(x []float32, a *Acts) bool{}

// RowBytes is the size in bytes of one weight row.
func (m *Matrix) RowBytes() int { return m.rowBytes }

// StridedDotF32 computes y[r] = dot(w[r*stride : r*stride+n], x) for r in [0, rows):
// rows vectors of n floats, stride floats apart, each dotted with x (n,) -> y (rows,).
// Attention's K·Q is this product over the KV cache. The browser build sets it to the
// SIMD kernel; it returns false when it cannot take the product.
var StridedDotF32 func(w []float32, stride, n, rows int, x, y []float32) bool

// DotRowsF32 is StridedDotF32 with the Go loop as fallback.
func DotRowsF32(w []float32, stride, n, rows int, x, y []float32) {
	if StridedDotF32 != nil && StridedDotF32(w, stride, n, rows, x, y) {
		return
	}
	defer GoCode()()
	x = x[:n]
	for r := 0; r < rows; r++ {
		row := w[r*stride : r*stride+n]
		var d float32
		for i, v := range x {
			d += v * row[i]
		}
		y[r] = d
	}
}

// WeightedRowsHook computes out[i] = Σ_t p[t]·v[t*stride+i] for i in [0,n): rows vectors
// of n floats, stride floats apart, weighted by p and summed — p (rows,) @ V (rows, n) ->
// out (n,), attention's P·V over the value cache. The browser build sets it to the SIMD
// kernel; it returns false when it cannot take the product.
var WeightedRowsHook func(v []float32, stride, n, rows int, p, out []float32) bool

// WeightedRowsF32 is WeightedRowsHook with the Go loop as fallback.
// p (rows,) @ V (rows, n; stride floats apart) -> out (n,)
func WeightedRowsF32(v []float32, stride, n, rows int, p, out []float32) {
	if WeightedRowsHook != nil && WeightedRowsHook(v, stride, n, rows, p, out) {
		return
	}
	defer GoCode()()
	o := out[:n]
	clear(o)
	for t, pt := range p[:rows] {
		vt := v[t*stride : t*stride+n]
		for i := range o {
			o[i] += pt * vt[i]
		}
	}
}

// The F16 KV cache: the same two attention products over rows of IEEE half floats
// (quant.F32ToF16 bits), each element widened to float32 exactly before it is multiplied;
// the queries and probabilities stay float32.

// StridedDotF16 computes y[r] = dot(f32(w[r*stride : r*stride+n]), x) for r in [0, rows):
// K (rows, n; F16, stride halves apart) @ x (n,) -> y (rows,). The browser build sets it
// to the SIMD kernel; it returns false when it cannot take the product.
var StridedDotF16 func(w []uint16, stride, n, rows int, x, y []float32) bool

// DotRowsF16 is StridedDotF16 with the Go loop as fallback: attention's K·Q over an F16
// key cache. K (rows, n; F16, stride halves apart) @ x (n,) -> y (rows,)
func DotRowsF16(w []uint16, stride, n, rows int, x, y []float32) {
	if StridedDotF16 != nil && StridedDotF16(w, stride, n, rows, x, y) {
		return
	}
	defer GoCode()()
	x = x[:n]
	for r := 0; r < rows; r++ {
		row := w[r*stride : r*stride+n]
		var d float32
		for i, v := range x {
			d += float32(v * quant.F16ToF32(row[i]))
		}
		y[r] = d
	}
}

// WeightedRowsF16Hook computes out[i] = Σ_t p[t]·f32(v[t*stride+i]) for i in [0,n):
// p (rows,) @ V (rows, n; F16, stride halves apart) -> out (n,). The browser build sets it
// to the SIMD kernel; it returns false when it cannot take the product.
var WeightedRowsF16Hook func(v []uint16, stride, n, rows int, p, out []float32) bool

// WeightedRowsF16 is WeightedRowsF16Hook with the Go loop as fallback: attention's P·V
// over an F16 value cache. p (rows,) @ V (rows, n; F16, stride halves apart) -> out (n,)
func WeightedRowsF16(v []uint16, stride, n, rows int, p, out []float32) {
	if WeightedRowsF16Hook != nil && WeightedRowsF16Hook(v, stride, n, rows, p, out) {
		return
	}
	defer GoCode()()
	o := out[:n]
	clear(o)
	for t, pt := range p[:rows] {
		vt := v[t*stride : t*stride+n]
		for i := range o {
			o[i] += float32(pt * quant.F16ToF32(vt[i]))
		}
	}
}

// F32ToF16Hook converts src to IEEE half floats in dst, bit for bit quant.F32ToF16 (the
// browser build's SIMD kernel); it returns false, having written nothing, when it cannot
// take the slices.
var F32ToF16Hook func(dst []uint16, src []float32) bool

// F32ToF16Row rounds src to half floats (nearest even, quant.F32ToF16): src (n,) f32 ->
// dst (n,) f16. The F16 KV cache stores its keys and values through it.
func F32ToF16Row(dst []uint16, src []float32) {
	if F32ToF16Hook != nil && F32ToF16Hook(dst, src) {
		return
	}
	defer GoCode()()
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = quant.F32ToF16(x)
	}
}
