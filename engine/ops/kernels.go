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

// RowBytes is the size in bytes of one weight row.
func (m *Matrix) RowBytes() int { return m.rowBytes }
