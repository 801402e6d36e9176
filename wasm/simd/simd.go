//go:build js && wasm

package simd

import (
	"encoding/binary"
	"math"
	"unsafe"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// The kernel module's exports: rows [lo,hi) of W @ a -> y, all pointers into Go's memory.
// W (rows, n) @ a (n,) -> y (rows,): y[r] at y + 4r, row r of W at w + r*rowBytes.

//go:wasmimport hearth_simd matvec_q8_0
func matvecQ8_0(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q4_0
func matvecQ4_0(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q5_0
func matvecQ5_0(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q5_0x2
func matvecQ5_0x2(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q8_0x2
func matvecQ8_0x2(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q4_0x2
func matvecQ4_0x2(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q4_k
func matvecQ4_K(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q5_k
func matvecQ5_K(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_q6_k
func matvecQ6_K(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_f32
func matvecF32(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

//go:wasmimport hearth_simd matvec_f16
func matvecF16(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

// The several-token forms: W (rows, n) @ A (ntok, n) -> Y (ntok, yRows) for rows [lo,hi),
// token t's activations at a + t*aRowBytes, its outputs at y + 4*t*yRows; the kernel
// module tiles the rows so each weight tile is read once for all tokens.

//go:wasmimport hearth_simd matmul_q8_0
func matmulQ8_0(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q4_0
func matmulQ4_0(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q5_0
func matmulQ5_0(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q5_0x2
func matmulQ5_0x2(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q8_0x2
func matmulQ8_0x2(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q4_0x2
func matmulQ4_0x2(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q4_k
func matmulQ4_K(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q5_k
func matmulQ5_K(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_q6_k
func matmulQ6_K(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_f32
func matmulF32(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

//go:wasmimport hearth_simd matmul_f16
func matmulF16(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

// g (n,), u (n,) -> out (n,): out[i] = g[i] / (1 + e^-g[i]) * u[i], n a multiple of 4.
//
//go:wasmimport hearth_simd swiglu
func swigluKernel(g, u, out unsafe.Pointer, n int32)

// batch_begin and batch_end are the host's (not kernels): the products called between
// them run as one threaded job at batch_end (ops.BatchBegin).
//
//go:wasmimport hearth_simd batch_begin
func batchBegin()

//go:wasmimport hearth_simd batch_end
func batchEnd()

//go:wasmimport hearth_simd weighted_rows_f32
func weightedRowsF32(v unsafe.Pointer, strideBytes int32, p unsafe.Pointer, rows int32, out unsafe.Pointer, n int32)

type matvec func(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, n int32, y unsafe.Pointer, lo, hi int32)

type matmul func(w unsafe.Pointer, rowBytes int32, a unsafe.Pointer, aRowBytes, ntok, n int32, y unsafe.Pointer, yRows, lo, hi int32)

// kernel is one weight type's pair: one token, several tokens. When prepared is set,
// many takes Q8_0 activations prepared by PrepQ8_0 (scales as f32), not the raw rows;
// onePrepared, the same for one.
type kernel struct {
	one         matvec
	many        matmul
	prepared    bool
	onePrepared bool
}

// matvecs maps each weight type to its kernels; the activation type is the weight type's
// VecDotType (Q8_0 for Q8_0/Q4_0, Q8_K for the k-quants, itself for F32/F16).
var matvecs = map[quant.Type]kernel{
	quant.Q8_0: {matvecQ8_0, matmulQ8_0, true, true},
	quant.Q4_0: {matvecQ4_0, matmulQ4_0, true, true},
	quant.Q5_0: {matvecQ5_0, matmulQ5_0, true, true},
	// Q5_0, Q8_0 and Q4_0 rows of a multiple of 64 elements with finite scales are relaid
	// two blocks to a unit at load (Install sets ops.PreferredLayouts): the scales of a
	// group cost fewer operations to gather and convert, Q5_0's fifth bits to unpack.
	quant.Q5_0x2: {matvecQ5_0x2, matmulQ5_0x2, true, true},
	quant.Q8_0x2: {matvecQ8_0x2, matmulQ8_0x2, true, true},
	quant.Q4_0x2: {matvecQ4_0x2, matmulQ4_0x2, true, true},
	quant.Q4_K:   {matvecQ4_K, matmulQ4_K, false, false},
	quant.Q5_K:   {matvecQ5_K, matmulQ5_K, false, false},
	quant.Q6_K:   {matvecQ6_K, matmulQ6_K, false, false},
	quant.F32:    {matvecF32, matmulF32, false, false},
	quant.F16:    {matvecF16, matmulF16, false, false},
}

// Types lists the weight types the kernel module multiplies: file types, then the layouts
// made at load.
func Types() []quant.Type {
	var ts []quant.Type
	for _, t := range append(quant.Supported(), quant.Q5_0x2, quant.Q8_0x2, quant.Q4_0x2) {
		if matvecs[t].one != nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// Install registers the kernels in ops.Kernels. Call it once at start-up, only when the
// host provided the hearth_simd imports (a Go module instantiated without them does not
// link), before any product runs.
func Install() {
	for t, k := range matvecs {
		ops.Kernels[t] = rows(k)
	}
	ops.PreferredLayouts[quant.Q5_0] = quant.Q5_0x2
	ops.PreferredLayouts[quant.Q8_0] = quant.Q8_0x2
	ops.PreferredLayouts[quant.Q4_0] = quant.Q4_0x2
	ops.ActsQuantizers[quant.Q8_0] = quantizeActsQ8_0 // rows.go
	ops.ActsQuantizers[quant.Q8_K] = quantizeActsQ8_K
	ops.StridedDotF32 = stridedDotF32
	ops.WeightedRowsHook = weightedRows
	ops.SwiGLUHook = swiGLU
	ops.RMSNormHook, ops.F32ToF16Hook, ops.RopeHook, ops.AddHook = rmsNorm, f32ToF16, rope, add // rows.go
	ops.RopeTokensHook = ropeTokens
	ops.BatchBegin, ops.BatchEnd = batchBegin, batchEnd
	ops.AttentionF16Hook = attention // attn_heads.go
	readHostThreads()
	ops.StridedDotF16, ops.WeightedRowsF16Hook = stridedDotF16, weightedRowsF16 // attn_f16.go
	installQueue()                                                              // queue.go
}

// Rows returns the kernel for t as an ops.RowsKernel, or nil.
func Rows(t quant.Type) ops.RowsKernel {
	if k := matvecs[t]; k.one != nil {
		return rows(k)
	}
	return nil
}

// rows wraps a kernel pair: it checks every range the kernel will touch lies inside the
// Go slices (the kernel itself checks nothing: out of range it would read or overwrite
// other Go memory), then calls the one-token kernel, or for several tokens (prefill) the
// matmul kernel once for the whole product (it tiles the rows itself).
//
// Single tokens (decode) go through the one-token kernels: the several-token kernels'
// one-token path is as fast on a matrix that stays in cache, but ~1.35× slower on a
// decode step that streams the whole model from memory (Node, SmolLM2-135M Q8_0 in
// place: 1536×576 144 → 199 µs a call), which is what decode does.
func rows(k kernel) ops.RowsKernel { return rowsWith(k, 2) }

// rowsWith is rows with the several-token kernel taking products of at least minMany
// tokens (tests and benchmarks use 1 to run single tokens through it).
func rowsWith(k kernel, minMany int) ops.RowsKernel {
	return func(m *ops.Matrix, a *ops.Acts, y []float32, lo, hi int) bool {
		rb := m.RowBytes()
		if lo < 0 || hi > m.Rows || lo >= hi || a.N < 1 ||
			len(m.Data) < m.Rows*rb || len(a.Data) < a.N*a.RowBytes || len(y) < a.N*m.Rows ||
			a.Cols != m.Cols || m.Cols >= 1<<30 || len(m.Data) >= 1<<31 {
			return false
		}
		w := unsafe.Pointer(unsafe.SliceData(m.Data))
		ap := unsafe.Pointer(unsafe.SliceData(a.Data))
		if a.N < minMany {
			if k.onePrepared {
				ap = unsafe.Pointer(unsafe.SliceData(prepared(a, Relaxed))) // the relaxed Q4_0/Q5_0(x2) ones use the corrections
			}
			k.one(w, int32(rb), ap, int32(m.Cols), unsafe.Pointer(unsafe.SliceData(y)), int32(lo), int32(hi))
			return true
		}
		arb := a.RowBytes
		if k.prepared {
			p := prepared(a, Relaxed)
			ap, arb = unsafe.Pointer(unsafe.SliceData(p)), len(p)/a.N
		}
		k.many(w, int32(rb), ap, int32(arb), int32(a.N), int32(m.Cols),
			unsafe.Pointer(unsafe.SliceData(y)), int32(m.Rows), int32(lo), int32(hi))
		return true
	}
}

// PrepQ8_0 lays Q8_0 activation rows out for the several-token kernels of the 32-element
// block types: per token, the nb block scales as f32 (4·nb bytes), nb i32 corrections
// (-8 × the sum of the block's quants when withSums, for the relaxed Q4_0 kernel; else
// zero; the Q5_0 kernel doubles it), then the nb blocks' quants (32·nb bytes): 40·nb bytes a row, into dst (grown as
// needed).
// acts (N, nb×34 bytes) -> dst (N, nb×40 bytes)
func PrepQ8_0(a *ops.Acts, dst []byte, withSums bool) []byte {
	nb := a.Cols / 32
	rb := 40 * nb
	if cap(dst) < a.N*rb {
		dst = make([]byte, a.N*rb)
	}
	dst = dst[:a.N*rb]
	for t := 0; t < a.N; t++ {
		src, out := a.Data[t*a.RowBytes:(t+1)*a.RowBytes], dst[t*rb:(t+1)*rb]
		scales, corr, quants := out[:4*nb], out[4*nb:8*nb], out[8*nb:]
		for b := 0; b < nb; b++ {
			blk := src[34*b : 34*b+34]
			binary.LittleEndian.PutUint32(scales[4*b:], math.Float32bits(quant.F16ToF32(binary.LittleEndian.Uint16(blk))))
			q := quants[32*b : 32*b+32]
			copy(q, blk[2:])
			var sum int32
			if withSums {
				for _, v := range q {
					sum += int32(int8(v))
				}
			}
			binary.LittleEndian.PutUint32(corr[4*b:], uint32(-8*sum))
		}
	}
	return dst
}

// Relaxed tells that the kernel module is the relaxed-SIMD variant
// (hearth-kernels-relaxed*.wasm), whose Q4_0 and Q5_0 kernels need the prepared
// corrections. Set it before Install.
var Relaxed bool

// prepared returns a's rows prepared by PrepQ8_0, converted once while the same
// activations are multiplied by several matrices (Q/K/V, gate/up): QuantizeActs gives
// every conversion a new Version.
// withSums asks for the corrections too (the relaxed module's Q4_0/Q5_0 kernels use them;
// summing every block's quants costs more than the rest of the layout, when Go does it:
// quantize_prep_q8_0 always writes them).
func prepared(a *ops.Acts, withSums bool) []byte {
	if prepFor != a || prepVersion != a.Version || (withSums && !prepSums) {
		defer ops.GoCode()() // PrepQ8_0 reads a.Data in Go
		prepBuf = PrepQ8_0(a, prepBuf, withSums)
		prepFor, prepVersion, prepSums = a, a.Version, withSums
	}
	return prepBuf
}

var (
	prepBuf     []byte
	prepFor     *ops.Acts
	prepVersion uint64
	prepSums    bool
)

// stridedDotF32 is ops.StridedDotF32 over matvec_f32: rows vectors of n floats, stride
// floats apart, each dotted with x.
func stridedDotF32(w []float32, stride, n, rows int, x, y []float32) bool {
	if rows <= 0 || n <= 0 || stride < n || len(x) < n || len(y) < rows ||
		len(w) < (rows-1)*stride+n || stride >= 1<<28 {
		return false
	}
	matvecF32(unsafe.Pointer(unsafe.SliceData(w)), int32(stride*4), unsafe.Pointer(unsafe.SliceData(x)), int32(n),
		unsafe.Pointer(unsafe.SliceData(y)), 0, int32(rows))
	return true
}

// weightedRows is ops.WeightedRowsHook over weighted_rows_f32: p (rows,) @ V (rows, n;
// stride floats apart) -> out (n,), for n a multiple of 4.
func weightedRows(v []float32, stride, n, rows int, p, out []float32) bool {
	if rows <= 0 || n <= 0 || n%4 != 0 || stride < n || len(p) < rows || len(out) < n ||
		len(v) < (rows-1)*stride+n || stride >= 1<<28 {
		return false
	}
	weightedRowsF32(unsafe.Pointer(unsafe.SliceData(v)), int32(stride*4), unsafe.Pointer(unsafe.SliceData(p)), int32(rows),
		unsafe.Pointer(unsafe.SliceData(out)), int32(n))
	return true
}

// swiGLU is ops.SwiGLUHook over the swiglu kernel: the multiple-of-4 prefix in the
// kernel, the rest in Go (both compute Expf's operations in the same order).
func swiGLU(out, gate, up []float32) bool {
	n := len(gate)
	if len(up) < n || len(out) < n || n >= 1<<28 {
		return false
	}
	if m := n &^ 3; m > 0 {
		swigluKernel(unsafe.Pointer(unsafe.SliceData(gate)), unsafe.Pointer(unsafe.SliceData(up)), unsafe.Pointer(unsafe.SliceData(out)), int32(m))
	}
	if n%4 != 0 {
		defer ops.GoCode()()
	}
	for i := n &^ 3; i < n; i++ {
		out[i] = gate[i] / (1 + ops.Expf(-gate[i])) * up[i]
	}
	return true
}
