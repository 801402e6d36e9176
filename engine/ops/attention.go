package ops

import "sync"

// AttentionF16 describes one layer's causal grouped-query attention over an F16 KV cache
// for a batch of B tokens at positions Pos0..Pos0+B-1:
//
//	Q (B, NHead·HeadDim) F32, K, V (Pos0+B, NHeadKV·HeadDim) F16 -> Out (B, NHead·HeadDim)
//
// Query head h reads KV head h/(NHead/NHeadKV); token b sees the cached positions
// first..Pos0+b, first = max(0, Pos0+b+1-Window) when Window > 0 (a sliding-window layer),
// else 0. Per (token, head): scores K·q times Scale, softmax, then P·V.
type AttentionF16 struct {
	Q, Out                     []float32
	K, V                       []uint16
	B, NHead, NHeadKV, HeadDim int
	Pos0, Window               int
	Scale                      float32
}

// AttentionF16Hook computes a whole AttentionF16 in one call (the browser build: a kernel
// the worker splits across its threads by (token, head)). It returns false, having
// written nothing that matters, when it cannot take it, and the Go loop runs instead.
// Its results agree with the Go loop's to float rounding (the softmax sums in another
// order).
var AttentionF16Hook func(a *AttentionF16) bool

// Attention is one layer's causal grouped-query attention of B tokens at positions
// Pos0..Pos0+B-1 over the KV cache, as AttentionF16, with the cache either F16 (K16, V16)
// or F32 (K32, V32), each (Pos0+B, NHeadKV·HeadDim) or longer:
//
//	Q (B, NHead·HeadDim) -> Out (B, NHead·HeadDim)
//
// NCtx is the cache's size (llama.cpp's attention runs over a padded view of it).
type Attention struct {
	Q, Out                     []float32
	K16, V16                   []uint16
	K32, V32                   []float32
	B, NHead, NHeadKV, HeadDim int
	Pos0, Window, NCtx         int
	Scale                      float32

	f16 AttentionF16 // AttentionF16Hook's argument (a heap object per call if made there)
}

// First is the first cache position the query at position pos sees: 0, or on a
// sliding-window layer pos-Window+1.
func (a *Attention) First(pos int) int {
	if a.Window <= 0 {
		return 0
	}
	return max(0, pos-a.Window+1)
}

// Attend computes a: scores K·q times Scale, softmax, P·V, per (token, head), split across
// threads (an F16 cache goes to AttentionF16Hook first where there is one).
func Attend(a *Attention) {
	hd := a.HeadDim
	qDim, kvDim := a.NHead*hd, a.NHeadKV*hd
	nCtx := a.Pos0 + a.B
	if a.K16 != nil && AttentionF16Hook != nil {
		a.f16 = AttentionF16{Q: a.Q[:a.B*qDim], Out: a.Out[:a.B*qDim], K: a.K16[:nCtx*kvDim], V: a.V16[:nCtx*kvDim],
			B: a.B, NHead: a.NHead, NHeadKV: a.NHeadKV, HeadDim: hd, Pos0: a.Pos0, Window: a.Window, Scale: a.Scale}
		if AttentionF16Hook(&a.f16) {
			return
		}
	}
	defer GoCode()()
	if pairs := a.B * a.NHead; serial(pairs, 1) {
		a.pairs(0, pairs) // as ParallelFor would, without a closure on the heap
	} else {
		ParallelFor(pairs, 1, a.pairs)
	}
}

// scoreBuffers holds *[]float32 scratch for the scores of one (token, head) at a time.
var scoreBuffers sync.Pool

// pairs computes the (token, head) pairs lo..hi-1 of a (b·NHead + h).
func (a *Attention) pairs(lo, hi int) {
	hd := a.HeadDim
	qDim, kvDim := a.NHead*hd, a.NHeadKV*hd
	group := a.NHead / a.NHeadKV
	nCtx := a.Pos0 + a.B
	buf, _ := scoreBuffers.Get().(*[]float32)
	if buf == nil || cap(*buf) < nCtx {
		b := make([]float32, 0, max(256, 2*nCtx)) // the context grows a token at a time
		buf = &b
	}
	defer scoreBuffers.Put(buf)
	score := (*buf)[:nCtx]
	for bh := lo; bh < hi; bh++ {
		b, h := bh/a.NHead, bh%a.NHead
		kvOff := (h / group) * hd
		qh := a.Q[b*qDim+h*hd : b*qDim+(h+1)*hd]
		n := a.Pos0 + b + 1
		first := a.First(n - 1)
		kvOff += first * kvDim
		n -= first
		sc, o := score[:n], a.Out[b*qDim+h*hd:b*qDim+(h+1)*hd]
		if a.K16 != nil {
			DotRowsF16(a.K16[kvOff:], kvDim, hd, n, qh, sc)
		} else {
			DotRowsF32(a.K32[kvOff:], kvDim, hd, n, qh, sc)
		}
		for t := range sc {
			sc[t] *= a.Scale
		}
		Softmax(sc)
		if a.V16 != nil {
			WeightedRowsF16(a.V16[kvOff:], kvDim, hd, n, sc, o)
		} else {
			WeightedRowsF32(a.V32[kvOff:], kvDim, hd, n, sc, o)
		}
	}
}

// Product is one matrix product of a shared input: Y (n, M.Rows) = x (n, M.Cols) @ Mᵀ.
type Product struct {
	M *Matrix
	Y []float32
}
