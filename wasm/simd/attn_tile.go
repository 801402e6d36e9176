//go:build js && wasm

package simd

import (
	"math"
	"unsafe"

	"hearth/engine/ops"
)

// params (i32 each); K, V rows [r0+lo, r0+hi) -> K', V' rows [lo, hi) F32, flags[row] = 1
// where a half is ±Inf or NaN. See gen/attn_tile.go.
//
//go:wasmimport hearth_simd attn_widen_f16
func attnWidenF16Kernel(params, scratch unsafe.Pointer, stride int32, lo, hi int32)

// params (i32 each) -> out: tiles [lo, hi) of four (token, head) pairs of one K/V head
// over K', V'; scratch holds a tile's scores (16 bytes a visible row). See
// gen/attn_tile.go.
//
//go:wasmimport hearth_simd attn_tile_f32
func attnTileF32Kernel(params, scratch unsafe.Pointer, stride int32, lo, hi int32)

// tileMaxBytes caps K' and V' (the rows a prompt's batch sees, widened to F32): beyond it
// (a context of ~4,000 positions for a 1,024-wide K/V) the batch's attention goes through
// attn_heads_f16, which reads the F16 cache itself.
const tileMaxBytes = 32 << 20

// tiled reports whether a goes through attn_widen_f16 and attn_tile_f32: a prompt's batch
// of at least 16 queries per K/V head (tokens × heads of the group; below that the
// widening and a short last tile cost more than they save) and a head dimension that is a
// multiple of 16 (every model's; the tile kernel has no tail). Node, one layer of
// SmolLM2-135M (9 heads over 3 × 64) after 448 positions (BenchmarkAttentionHeads): 64
// tokens 2.47 ms tiled against 4.52 by attn_heads_f16, 8 tokens 0.34 against 0.54, 3
// tokens 0.25 against 0.20; Qwen3-0.6B's shape (16 over 8 × 128), 64 tokens 11.6 against
// 20.2 ms.
func tiled(a *ops.AttentionF16) bool {
	return !tilesOff && a.B*(a.NHead/a.NHeadKV) >= 16 && a.HeadDim%16 == 0
}

// tilesOff sends every batch to attn_heads_f16 (tests and benchmarks of that kernel).
var tilesOff bool

// attentionTiled runs a through attn_widen_f16 then attn_tile_f32, each split across the
// worker's threads, and reports false, having computed nothing, where K' and V' would
// pass tileMaxBytes or (called directly) the cache holds ±Inf or NaN (attn_heads_f16 then
// takes the batch: its Go fallback handles those pairs). Queued, a half that is Inf or NaN
// fails the queue's check and the pass runs again without the queue.
func attentionTiled(a *ops.AttentionF16, stride, threads int) bool {
	hd, nh, nkv := a.HeadDim, a.NHead, a.NHeadKV
	qDim, kvDim := nh*hd, nkv*hd
	nCtx := a.Pos0 + a.B
	r0 := windowFirst(a.Pos0+1, a.Window) // the batch's first token sees the earliest rows
	rows := nCtx - r0
	wide := 2 * rows * kvDim
	if 4*wide > tileMaxBytes {
		return false
	}
	group := nh / nkv
	items := nkv * ((a.B*group + 3) / 4)
	grow := cap(tileWide) < wide || cap(attnScratch) < threads*stride || cap(tileWidenFlags) < rows
	if ops.Queued() && (grow || attnParamsUsed+2 > len(attnParams)) {
		ops.GoCode()() // queued calls may still use the buffers about to be replaced, or every params block
	}
	if cap(tileWide) < wide {
		// at least twice the last size (within the cap): a long prompt's batches, 64
		// positions more each, reallocate it a few times, not once per batch (the old
		// arrays are garbage the Go heap, and so the page's memory, grows by)
		tileWide = make([]float32, min(max(wide, 2*cap(tileWide)), tileMaxBytes/4))
	}
	if cap(attnScratch) < threads*stride {
		attnScratch = make([]float32, 2*threads*stride)
	}
	if cap(tileWidenFlags) < rows {
		tileWidenFlags = make([]int32, max(rows, 2*cap(tileWidenFlags)))
	}
	kw, vw := tileWide[:rows*kvDim], tileWide[rows*kvDim:wide]
	widen, tile := &attnParams[0], &attnParams[1]
	if ops.Queued() {
		widen, tile = &attnParams[attnParamsUsed], &attnParams[attnParamsUsed+1]
		attnParamsUsed += 2
	}
	*widen = [16]int32{
		int32(min(4*rows*kvDim, math.MaxInt32)),
		int32(uintptr(unsafe.Pointer(&a.K[r0*kvDim]))), int32(uintptr(unsafe.Pointer(&a.V[r0*kvDim]))), int32(kvDim),
		int32(uintptr(unsafe.Pointer(&kw[0]))), int32(uintptr(unsafe.Pointer(&vw[0]))), int32(hd), int32(rows),
		14: int32(uintptr(unsafe.Pointer(&tileWidenFlags[0]))),
	}
	// the worker's split decision: as attn_heads_f16's (the bytes of K and V the pairs
	// read, times 4), at F32's 4 bytes an element
	work := 4 * a.B * nh * min(nCtx, a.Pos0+(a.B+1)/2) * hd * 4
	*tile = [16]int32{
		int32(min(work, math.MaxInt32)), int32(uintptr(unsafe.Pointer(&a.Q[0]))), int32(qDim * 4),
		int32(uintptr(unsafe.Pointer(&kw[0]))), int32(uintptr(unsafe.Pointer(&vw[0]))), int32(rows),
		int32(hd), int32(nh), int32(group), int32(a.Pos0), int32(a.Window),
		int32(math.Float32bits(a.Scale)), int32(uintptr(unsafe.Pointer(&a.Out[0]))), int32(a.B),
		0, int32(r0), // flags 0: attn_tile_f32 has nothing to check
	}
	scratch := unsafe.Pointer(&attnScratch[0])
	attnWidenF16Kernel(unsafe.Pointer(widen), scratch, int32(stride*4), 0, int32(rows))
	if !ops.Queued() {
		for _, f := range tileWidenFlags[:rows] {
			if f != 0 {
				return false
			}
		}
	}
	attnTileF32Kernel(unsafe.Pointer(tile), scratch, int32(stride*4), 0, int32(items))
	return true
}

var (
	tileWide       []float32 // K' then V'
	tileWidenFlags []int32
)
