//go:build js && wasm

package simd

import (
	"math"
	"sync"
	"unsafe"

	"hearth/engine/ops"
)

// Attention over the F16 KV cache (gen/attn_f16.go): halves widened to f32 exactly, f32
// queries and probabilities, all pointers into Go's memory.

// K (rows, n) F16, row r at k + r*rowBytes, @ q (n,) F32 -> y (rows,), rows [lo, hi),
// given q·2^64 (see gen/attn_f16.go). Returns 1, with y wrong, when K held ±Inf or NaN.
//
//go:wasmimport hearth_simd dot_rows_f16
func dotRowsF16Kernel(k unsafe.Pointer, rowBytes int32, q unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32) int32

// p (rows,) F32 @ V (rows, n) F16, rows strideBytes apart -> out (n,). Returns 1, with out
// wrong, when V held ±Inf or NaN or some |p| ≥ 2^16.
//
//go:wasmimport hearth_simd weighted_rows_f16
func weightedRowsF16Kernel(v unsafe.Pointer, strideBytes int32, p unsafe.Pointer, rows int32, out unsafe.Pointer, n int32) int32

// stridedDotF16 is ops.StridedDotF16 over dot_rows_f16: rows vectors of n halves, stride
// halves apart, each dotted with x. It returns false (y written, and then overwritten by
// the Go loop) when the rows hold ±Inf or NaN, which the kernel's fast widening cannot
// represent.
func stridedDotF16(w []uint16, stride, n, rows int, x, y []float32) bool {
	if rows <= 0 || n <= 0 || n > len(qScaled) || stride < n || len(x) < n || len(y) < rows ||
		len(w) < (rows-1)*stride+n || stride >= 1<<28 {
		return false
	}
	defer ops.GoCode()() // reads x here, and the kernel's result is needed now
	qMu.Lock()
	defer qMu.Unlock()
	q := qScaled[:n]
	for i, v := range x[:n] {
		q[i] = v * 0x1p64 // exact, unless it overflows
		if math.IsInf(float64(q[i]), 0) {
			return false
		}
	}
	return dotRowsF16Kernel(unsafe.Pointer(unsafe.SliceData(w)), int32(stride*2), unsafe.Pointer(&q[0]), int32(n),
		unsafe.Pointer(unsafe.SliceData(y)), 0, int32(rows)) == 0
}

// qScaled holds the query times 2^64 that dot_rows_f16 takes; its size bounds the head size
// stridedDotF16 accepts (models' are at most 256).
var (
	qMu     sync.Mutex
	qScaled [512]float32
)

// weightedRowsF16 is ops.WeightedRowsF16Hook over weighted_rows_f16: p (rows,) @ V (rows,
// n; F16, stride halves apart) -> out (n,), any n, bit for bit the Go loop's result. It
// returns false (out written, then overwritten by the Go loop) when V holds ±Inf or NaN or
// some |p| ≥ 2^16 (softmax probabilities never are).
func weightedRowsF16(v []uint16, stride, n, rows int, p, out []float32) bool {
	if rows <= 0 || n <= 0 || stride < n || len(p) < rows || len(out) < n ||
		len(v) < (rows-1)*stride+n || stride >= 1<<28 {
		return false
	}
	defer ops.GoCode()() // the kernel's result is needed now
	return weightedRowsF16Kernel(unsafe.Pointer(unsafe.SliceData(v)), int32(stride*2), unsafe.Pointer(unsafe.SliceData(p)), int32(rows),
		unsafe.Pointer(unsafe.SliceData(out)), int32(n)) == 0
}
