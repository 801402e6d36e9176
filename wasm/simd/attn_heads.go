//go:build js && wasm

package simd

import (
	"math"
	"syscall/js"
	"unsafe"

	"hearth/engine/ops"
)

// params (i32 each) -> out; scratch holds three (token, head) pairs' scores (the kernel
// takes up to three heads of one K/V head at once); the worker gives each thread its own
// (scratch + thread·stride bytes). See gen/attn_heads.go.
//
//go:wasmimport hearth_simd attn_heads_f16
func attnHeadsF16Kernel(params, scratch unsafe.Pointer, stride int32, lo, hi int32)

// attention is ops.AttentionF16Hook over attn_heads_f16: the queries times 2^64 (what
// dot_rows_f16 takes), one scores buffer per thread, and the pairs the kernel flags
// (±Inf or NaN in the cache: its fast F16 widening cannot represent them) recomputed
// with the Go operations.
func attention(a *ops.AttentionF16) bool {
	hd, nh := a.HeadDim, a.NHead
	qDim, kvDim := nh*hd, a.NHeadKV*hd
	nCtx := a.Pos0 + a.B
	if a.B <= 0 || hd <= 0 || a.NHeadKV <= 0 || nh%a.NHeadKV != 0 || a.Pos0 < 0 || a.Window < 0 ||
		len(a.Q) < a.B*qDim || len(a.Out) < a.B*qDim || len(a.K) < nCtx*kvDim || len(a.V) < nCtx*kvDim ||
		len(a.K) >= 1<<30 || a.B*qDim >= 1<<28 || !(a.Scale > 0) {
		return false
	}
	row := (nCtx + 8) &^ 3 // the scores and their -Inf padding to a multiple of 4
	// a thread's scratch: the scores of the (up to) three heads attn_heads_f16 takes at
	// once, or attn_tile_f32's four pairs' (16 bytes a row)
	stride := 4 * row
	threads := max(1, hostThreads)
	if tiled(a) && attentionTiled(a, stride, threads) {
		return true
	}
	pairs := a.B * nh
	grow := cap(attnQ) < a.B*qDim || cap(attnScratch) < threads*stride || cap(attnFlags) < pairs
	if ops.Queued() && (grow || attnParamsUsed == len(attnParams)) {
		ops.GoCode()() // queued calls may still use the buffers about to be replaced, or every params block
	}
	if cap(attnQ) < a.B*qDim {
		attnQ = make([]float32, a.B*qDim)
	}
	if cap(attnScratch) < threads*stride {
		// twice what this position needs: the scores grow with the context, and a
		// reallocation while a decode step is queued first runs what is queued
		attnScratch = make([]float32, 2*threads*stride)
	}
	if cap(attnFlags) < pairs {
		attnFlags = make([]int32, pairs)
	}
	q := attnQ[:a.B*qDim]
	if !scaleBy(q, a.Q[:a.B*qDim], 0x1p64) { // exact, unless it overflows
		return false
	}
	flags := attnFlags[:pairs]
	// The worker splits the pairs across threads when this "work" reaches its threshold
	// for products (256 KiB of weights): the bytes of K and V read, times 4 for the
	// softmax's exponentials and the per-pair calls, which cost more per byte than a
	// product's weights (a decode step's attention splits from ~30 cached positions on a
	// 9-head, 64-dimension model).
	work := 4 * a.B * nh * min(nCtx, a.Pos0+(a.B+1)/2) * hd * 4
	// queued, each call has its own params (read when the kernel runs)
	p := &attnParams[0]
	if ops.Queued() {
		p = &attnParams[attnParamsUsed]
		attnParamsUsed++
	}
	*p = [16]int32{
		int32(min(work, math.MaxInt32)), int32(uintptr(unsafe.Pointer(&q[0]))), int32(qDim * 4),
		int32(uintptr(unsafe.Pointer(&a.K[0]))), int32(uintptr(unsafe.Pointer(&a.V[0]))), int32(kvDim * 2),
		int32(hd), int32(nh), int32(nh / a.NHeadKV), int32(a.Pos0), int32(a.Window),
		int32(math.Float32bits(a.Scale)), int32(uintptr(unsafe.Pointer(&a.Out[0]))), int32(qDim * 4),
		int32(uintptr(unsafe.Pointer(&flags[0]))), int32(row * 4),
	}
	attnHeadsF16Kernel(unsafe.Pointer(p), unsafe.Pointer(&attnScratch[0]), int32(stride*4), 0, int32(pairs))
	if ops.Queued() {
		return true // the worker checks the flags as the kernel runs (ops.EndQueue reports them)
	}
	for bh, f := range flags {
		if f != 0 {
			attentionPairGo(a, bh/nh, bh%nh)
		}
	}
	return true
}

// hostThreads is the worker's thread count (the global hearthThreads), read by Install:
// the kernel's pairs may run on that many threads at once, each with its scores buffer.
var hostThreads = 1

func readHostThreads() {
	if t := js.Global().Get("hearthThreads"); t.Type() == js.TypeNumber && t.Int() > 0 {
		hostThreads = t.Int()
	}
}

var (
	attnQ       []float32
	attnScratch []float32
	attnFlags   []int32
	// attnParams holds attention's params: one block, or queued one per call until the
	// queue has run (attnParamsUsed of them in use)
	attnParams     [64][16]int32
	attnParamsUsed int
)

// attentionPairGo is one (token, head) pair through the Go operations (engine/model's
// loop).
func attentionPairGo(a *ops.AttentionF16, b, h int) {
	hd := a.HeadDim
	qDim, kvDim := a.NHead*hd, a.NHeadKV*hd
	n := a.Pos0 + b + 1
	first := windowFirst(n, a.Window)
	kvOff := (h/(a.NHead/a.NHeadKV))*hd + first*kvDim
	sc := make([]float32, n-first)
	ops.DotRowsF16(a.K[kvOff:], kvDim, hd, n-first, a.Q[b*qDim+h*hd:b*qDim+(h+1)*hd], sc)
	for t := range sc {
		sc[t] *= a.Scale
	}
	ops.Softmax(sc)
	ops.WeightedRowsF16(a.V[kvOff:], kvDim, hd, n-first, sc, a.Out[b*qDim+h*hd:b*qDim+(h+1)*hd])
}

// windowFirst is the first position a query that sees n positions attends to: n - window
// on a sliding-window layer (window > 0) past its window, else 0.
func windowFirst(n, window int) int {
	if window > 0 && n > window {
		return n - window
	}
	return 0
}
