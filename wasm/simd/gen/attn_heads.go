package main

import "math"

// attn_heads_f16(params, scratch, scratch_stride, lo, hi): causal grouped-query attention
// over an F16 KV cache for the (token, head) pairs bh in [lo, hi), b = bh / n_head,
// h = bh % n_head — the whole of engine/model's attention for one layer, so that the
// worker can split the pairs across its threads:
//
//	q (B, n_head·hd) F32 (·2^64, as dot_rows_f16 takes it), K, V (n_ctx, kv_dim) F16
//	  -> out (B, n_head·hd) F32
//
// For each pair: the scores K[first..n)·q_h (dot_rows_f16) times scale, softmax (the max,
// e^(s-max) by expf4, the sum in f64 lanes, times f32(1/sum)), then P·V
// (weighted_rows_f16) into out; n = pos0+b+1 cached positions are visible, from first =
// max(0, n-window) on a sliding-window layer (window > 0). Up to three neighbouring heads
// of one K/V head (and one token) go together: their keys and values are widened once for
// all (dotRowsF16Heads, weightedRowsF16Attn with several heads), each head's arithmetic
// unchanged, so the results do not depend on the grouping (in the relaxed-SIMD module
// every form, one head's too, multiplies and adds in one f32x4.relaxed_madd). scratch holds three pairs'
// scores (n_ctx+4 floats each, scratch_row bytes apart); a split gives every thread its
// own (scratch + thread·scratch_stride, the worker adds it). flags[bh] is set to the kernels' "went out
// of range" results (Inf/NaN halves: the Go wrapper recomputes those pairs with the Go
// loops).
//
// params (i32 each, at params): 0 work (bytes the pairs read, for the worker's split
// decision), 1 q, 2 q_stride (bytes per token), 3 k, 4 v (the layer's caches), 5 kv_row
// (bytes per cached position), 6 hd, 7 n_head, 8 group (n_head/n_head_kv), 9 pos0, 10
// window, 11 scale (f32 bits), 12 out, 13 out_stride, 14 flags, 15 scratch_row.
const (
	attnWork = iota
	attnQ
	attnQStride
	attnK
	attnV
	attnKVRow
	attnHD
	attnNHead
	attnGroup
	attnPos0
	attnWindow
	attnScale
	attnOut
	attnOutStride
	attnFlags
	attnScratchRow
	attnParams // count
)

// windowFirst pushes the first position a query that sees n positions attends to:
// window > 0 && n > window ? n - window : 0 (a sliding-window layer's, else 0).
func (f *Func) windowFirst(n, window Local) {
	f.Get(n)
	f.Get(window)
	f.Op(opI32Sub)
	f.I32(0)
	f.Get(window)
	f.I32(0)
	f.Op(opI32GtS)
	f.Get(n)
	f.Get(window)
	f.Op(opI32GtS)
	f.Op(opI32And, opSelect)
}

// expSum sets e = e^(the four scores at sp - mx), stores them back at sp, and adds their
// low two lanes to lo and then their high two to hi in f64 (lo and hi may be one local):
// engine/ops's Softmax's exponentials and sum, four at a time (attn_heads_f16: one row's
// scores, one sum; attn_tile_f32: a row of four pairs' scores, a sum per pair).
func (f *Func) expSum(sp, mx, e Local, xs *expScratch, lo, hi Local) {
	f.Get(sp)
	f.VLoad(0)
	f.Get(mx)
	f.V(f32x4Sub)
	f.expf4(xs)
	f.Set(e)
	f.Get(sp)
	f.Get(e)
	f.VMem(vStore, 0)
	f.Get(lo)
	f.Get(e)
	f.V(f64x2PromoteLowF32x4, f64x2Add)
	f.Set(lo)
	f.Get(hi)
	f.Get(e)
	f.Get(e)
	f.Shuffle(lanes32(2, 3, 2, 3))
	f.V(f64x2PromoteLowF32x4, f64x2Add)
	f.Set(hi)
}

// maxAttnHeads is how many heads of one K/V head attn_heads_f16 takes at once: three
// widen each key and value once for a SmolLM2 group (9 query heads over 3 K/V heads).
// Node, one SmolLM2-135M layer (BenchmarkAttentionHeads): a decode step at position 1024
// 271 µs one head at a time, 195 µs by pairs, 161 µs by threes; a 64-token prefill chunk
// after 448 positions 7.7, 5.9, 4.8 ms.
const maxAttnHeads = 3

// attnHeadsF16 calls, by function index, dot[k-1] (dot_rows_f16 for k = 1, its k-head
// form otherwise; lanes[k-1], dotRowsF16Lanes with k heads, when the head size is a
// multiple of 4) and weighted[k-1] (weightedRowsF16Attn with k heads) for groups of k
// heads, k up to maxAttnHeads.
func attnHeadsF16(dot, lanes, weighted [maxAttnHeads]int) *Func {
	f := NewFunc("attn_heads_f16", true, []byte{i32, i32, i32, i32, i32}, nil)
	params, scratch, lo, hi := f.Param(0), f.Param(1), f.Param(3), f.Param(4)
	var p [attnParams]Local
	for i := range p {
		p[i] = f.Local(i32)
		f.Get(params)
		f.Mem(opI32Load, 2, uint32(4*i))
		f.Set(p[i])
	}
	bh, b, h, n, first, rows, kv, cnt, sp, flag := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	take := f.Local(i32)
	var rowOf [maxAttnHeads]Local // the k-th head's scores
	for k := range rowOf {
		rowOf[k] = f.Local(i32)
	}
	scale, mx, sumv, sumh := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	e := f.Local(v128)
	xs := newExpScratch(f)

	f.Get(p[attnScale])
	f.V(i32x4Splat)
	f.Set(scale)
	for k := range rowOf {
		f.Get(scratch)
		f.Get(p[attnScratchRow])
		f.I32(int32(k))
		f.Op(opI32Mul, opI32Add)
		f.Set(rowOf[k])
	}

	// headRow pushes base + b·stride + (h+k)·hd·4: token b's head h+k in a (B, n_head·hd)
	// f32 array (the queries, the output)
	headRow := func(base, stride Local, k int) {
		f.Get(base)
		f.Get(b)
		f.Get(stride)
		f.Op(opI32Mul, opI32Add)
		f.Get(h)
		if k > 0 {
			f.I32(int32(k))
			f.Op(opI32Add)
		}
		f.Get(p[attnHD])
		f.Op(opI32Mul)
		f.I32(2)
		f.Op(opI32Shl, opI32Add)
	}
	// setFlag stores flag at flags[bh + d]
	setFlag := func(d int32) {
		f.Get(p[attnFlags])
		f.Get(bh)
		f.I32(2)
		f.Op(opI32Shl, opI32Add)
		f.Get(flag)
		f.Mem(opI32Store, 2, uint32(4*d))
	}
	// softmax turns the rows scores at row (one of rowOf) into probabilities times
	// 2^112 (what weightedRowsF16Attn takes)
	softmax := func(row Local) {
		// pad the scores to a multiple of four with -Inf (e^-Inf = 0)
		for i := uint32(0); i < 4; i++ {
			f.Get(row)
			f.Get(rows)
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
			f.F32(float32(math.Inf(-1)))
			f.Mem(opF32Store, 2, 4*i)
		}
		// cnt = ceil(rows / 4)
		vecLoop := func(body func()) {
			f.Get(rows)
			f.I32(3)
			f.Op(opI32Add)
			f.I32(2)
			f.Op(opI32ShrU)
			f.Set(cnt)
			f.Get(row)
			f.Set(sp)
			f.Repeat(cnt, func() {
				body()
				f.Add(sp, 16)
			})
		}
		// s *= scale; mx = max
		f.splat32(0xff800000)
		f.Set(mx)
		vecLoop(func() {
			f.Get(sp) // store address
			f.Get(sp)
			f.VLoad(0)
			f.Get(scale)
			f.V(f32x4Mul)
			f.Tee(e)
			f.VMem(vStore, 0)
			f.Get(mx)
			f.Get(e)
			f.V(f32x4Pmax)
			f.Set(mx)
		})
		// the padding lanes were -Inf·scale: -Inf again (scale > 0), or NaN for scale 0,
		// which pmax skips; now the max across lanes
		for _, sh := range [][16]byte{lanes32(2, 3, 0, 1), lanes32(1, 0, 3, 2)} {
			f.Get(mx)
			f.Get(mx)
			f.Get(mx)
			f.Shuffle(sh)
			f.V(f32x4Pmax)
			f.Set(mx)
		}
		// e = e^(s - max); the sum in f64
		f.VZero()
		f.Set(sumv)
		vecLoop(func() { f.expSum(sp, mx, e, xs, sumv, sumv) })
		// the padding held e^-Inf = 0 (or NaN when all scores were NaN: so is Go's)
		f.Get(sumv)
		f.Get(sumv)
		f.Get(sumv)
		f.Shuffle([16]byte{8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7})
		f.V(f64x2Add)
		f.Set(sumh)
		// inv = f32(1 / sum); p' = (e·inv)·2^112
		f.F64(1)
		f.Get(sumh)
		f.Lane(f64x2ExtractLane, 0)
		f.Op(opF64Div, opF32DemoteF64)
		f.V(f32x4Splat)
		f.Set(mx) // reused: inv
		vecLoop(func() {
			f.Get(sp)
			f.Get(sp)
			f.VLoad(0)
			f.Get(mx)
			f.V(f32x4Mul)
			f.splatF32(0x1p112)
			f.V(f32x4Mul)
			f.VMem(vStore, 0)
		})
	}

	f.Get(lo)
	f.Set(bh)
	f.Block()
	f.Get(bh)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		// b, h; n visible positions from first
		f.Get(bh)
		f.Get(p[attnNHead])
		f.Op(opI32DivU)
		f.Set(b)
		f.Get(bh)
		f.Get(b)
		f.Get(p[attnNHead])
		f.Op(opI32Mul, opI32Sub)
		f.Set(h)
		f.Get(p[attnPos0])
		f.Get(b)
		f.Op(opI32Add)
		f.I32(1)
		f.Op(opI32Add)
		f.Set(n)
		f.windowFirst(n, p[attnWindow])
		f.Set(first)
		f.Get(n)
		f.Get(first)
		f.Op(opI32Sub)
		f.Set(rows)
		// kv = (h / group)·hd·2 + first·kv_row
		f.Get(h)
		f.Get(p[attnGroup])
		f.Op(opI32DivU)
		f.Get(p[attnHD])
		f.Op(opI32Mul)
		f.I32(1)
		f.Op(opI32Shl)
		f.Get(first)
		f.Get(p[attnKVRow])
		f.Op(opI32Mul, opI32Add)
		f.Set(kv)
		// take = min(maxAttnHeads, heads left in h's K/V group, hi - bh)
		f.Get(p[attnGroup])
		f.Get(h)
		f.Get(p[attnGroup])
		f.Op(opI32RemU, opI32Sub)
		f.Set(take)
		for _, bound := range []func(){func() { f.I32(maxAttnHeads) }, func() { f.Get(hi); f.Get(bh); f.Op(opI32Sub) }} {
			bound()
			f.Get(take)
			bound()
			f.Get(take)
			f.Op(opI32LtS, opSelect)
			f.Set(take)
		}
		// k heads h..h+k-1: scores K[first..n)·q into rowOf[0..k), softmax, P·V
		group := func(k int) {
			// the scores: by lanes[k-1] when hd % 4 == 0, else by dot[k-1] (same arguments)
			scores := func(fn int) {
				f.Get(p[attnK])
				f.Get(kv)
				f.Op(opI32Add)
				f.Get(p[attnKVRow])
				for j := 0; j < k; j++ {
					headRow(p[attnQ], p[attnQStride], j)
				}
				f.Get(p[attnHD])
				for j := 0; j < k; j++ {
					f.Get(rowOf[j])
				}
				f.I32(0)
				f.Get(rows)
				f.Call(fn)
				f.Set(flag)
			}
			f.Get(p[attnHD])
			f.I32(3)
			f.Op(opI32And, opI32Eqz)
			f.Op(opIf, 0x40)
			scores(lanes[k-1])
			f.Op(opElse)
			scores(dot[k-1])
			f.Op(opEnd)
			for j := 0; j < k; j++ {
				softmax(rowOf[j])
			}
			f.Get(p[attnV])
			f.Get(kv)
			f.Op(opI32Add)
			f.Get(p[attnKVRow])
			for j := 0; j < k; j++ {
				f.Get(rowOf[j])
			}
			f.Get(rows)
			for j := 0; j < k; j++ {
				headRow(p[attnOut], p[attnOutStride], j)
			}
			f.Get(p[attnHD])
			f.Call(weighted[k-1])
			f.Get(flag)
			f.Op(opI32Or)
			f.Set(flag)
			for j := 0; j < k; j++ {
				setFlag(int32(j))
			}
			f.Add(bh, int32(k))
		}
		// if take == maxAttnHeads ... else if take == maxAttnHeads-1 ... else one head
		for k := maxAttnHeads; k > 1; k-- {
			f.Get(take)
			f.I32(int32(k))
			f.Op(opI32Eq)
			f.Op(opIf, 0x40)
			group(k)
			f.Op(opElse)
		}
		group(1)
		for k := maxAttnHeads; k > 1; k-- {
			f.Op(opEnd)
		}

		f.Get(bh)
		f.Get(hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	return f
}
