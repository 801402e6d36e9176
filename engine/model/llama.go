package model

import (
	"errors"
	"math"

	"hearth/engine/ops"
)

// Forward runs tokens (a whole prompt, or one token) through the model at positions
// Pos..Pos+len-1, appends them to the KV cache and returns the logits (NVocab,) of the last
// token — or of every token, (len, NVocab) row-major, when allLogits is set. The returned
// slice is reused by the next call.
//
// The prompt goes through each layer at once: every weight matrix is multiplied by all its
// tokens' activations together (matrix–matrix), so each weight row is read once per layer.
//
// In the browser with helper threads a decode step (one token) runs through the host's
// deferred queue (ops.BeginQueue): its kernel calls are recorded and run by all the threads
// in order while this goroutine is still recording. Should a queued kernel's own check fail
// (a non-finite value the fast path cannot take), the step runs again without the queue.
func (s *State) Forward(tokens []int32, allLogits bool) ([]float32, error) {
	if err := s.checkTokens(tokens); err != nil {
		return nil, err
	}
	if err := s.checkKV(); err != nil {
		return nil, err
	}
	if s.queueing(len(tokens)) {
		if logits, err := s.forward(tokens, allLogits, true); err != errQueueCheck {
			return logits, err
		}
	}
	return s.forward(tokens, allLogits, false)
}

// errQueueCheck: a queued kernel call's check failed (ops.EndQueue); the pass is run again.
var errQueueCheck = errors.New("model: a queued kernel's check failed")

// queueing reports whether a pass of B tokens goes through the host's queue: a single
// token (ops.QueueAll: any), with the default numerics, where the host has a queue.
func (s *State) queueing(B int) bool {
	if ops.QueueBegin == nil || (B != 1 && !ops.QueueAll) {
		return false
	}
	_, isDefault := s.numerics().(Default)
	return isDefault
}

// forward is Forward's pass, through the host's queue when queued (it returns
// errQueueCheck, having changed nothing but this pass's own cache rows, when a queued
// check failed).
func (s *State) forward(tokens []int32, allLogits, queued bool) ([]float32, error) {
	c, w, num := s.m.Config, s.m.Weights, s.numerics()
	B := len(tokens)
	s.grow(B)
	E, hd := c.NEmbd, c.HeadDim
	qDim, kvDim := c.NHead*hd, c.NHeadKV*hd
	x, xb := s.x[:B*E], s.xb[:B*E]
	q, k, v, att := s.q[:B*qDim], s.kb[:B*kvDim], s.vb[:B*kvDim], s.att[:B*qDim]
	gate, up := s.gate[:B*c.NFF], s.up[:B*c.NFF]

	// token embeddings: x (B, E)
	for b, t := range tokens {
		w.TokenEmbd.Row(int(t), x[b*E:(b+1)*E])
	}
	if c.EmbedScale != 0 { // gemma3
		scale(x, c.EmbedScale)
	}
	if queued && ops.BeginQueue() {
		s.runQueued = B > 1
		defer func() {
			ops.EndQueue() // a return on an error below
			s.runQueued = false
		}()
	}

	nb := B // rows of x still computed
	for il := range w.Layers {
		l := &w.Layers[il]

		// attention: attn_norm, then Q/K/V projections (+bias), per-head Q/K norm, rope
		s.rmsNorm(xb, x, l.AttnNorm)
		s.mul(num, xb, B, ops.Product{M: l.Wq, Y: q}, ops.Product{M: l.Wk, Y: k}, ops.Product{M: l.Wv, Y: v})
		// (each token's rows alone, so every step takes the whole batch at once)
		if l.Bq != nil {
			for b := 0; b < B; b++ {
				ops.Add(q[b*qDim:(b+1)*qDim], l.Bq)
				ops.Add(k[b*kvDim:(b+1)*kvDim], l.Bk)
				ops.Add(v[b*kvDim:(b+1)*kvDim], l.Bv)
			}
		}
		if l.QNorm != nil { // per head
			s.rmsNorm(q, q, l.QNorm)
			s.rmsNorm(k, k, l.KNorm)
		}
		s.rope(il, B, q, k)
		if c.QScale != 0 { // gemma3
			scale(q, c.QScale)
		}
		if err := s.interrupt(); err != nil {
			return nil, err
		}
		// KV cache: append this batch's keys and values
		s.storeKV(il, k, v)

		num.Attention(s.attentionArgs(il, B, q, att))

		// output projection, post-attention norm (gemma3) and residual
		s.mul(num, att, B, ops.Product{M: l.Wo, Y: xb})
		s.postNorm(xb, B, l.PostAttnNorm)
		ops.Add(x, xb)
		if err := s.interrupt(); err != nil {
			return nil, err
		}

		// In the last layer only the rows whose logits are returned go on (llama.cpp's
		// inp_out_ids): the others' feed-forward cannot change the result, and llama.cpp's
		// kernels for a single row round differently from its batched ones.
		if il == len(w.Layers)-1 && !allLogits && nb > 1 {
			resume := ops.GoCode()
			copy(x[:E], x[(nb-1)*E:nb*E])
			resume()
			nb = 1
		}

		// feed-forward: ffn_norm, SwiGLU (GeGLU), down projection, post-FFN norm, residual
		s.rmsNorm(xb[:nb*E], x[:nb*E], l.FFNNorm)
		g, u := gate[:nb*c.NFF], up[:nb*c.NFF]
		s.mul(num, xb[:nb*E], nb, ops.Product{M: l.Gate, Y: g}, ops.Product{M: l.Up, Y: u})
		if c.GELU {
			ops.GeGLU(g, g, u)
		} else {
			num.SwiGLU(g, g, u)
		}
		if err := s.interrupt(); err != nil {
			return nil, err
		}
		s.mul(num, g, nb, ops.Product{M: l.Down, Y: xb})
		s.postNorm(xb, nb, l.PostFFNNorm)
		ops.Add(x[:nb*E], xb[:nb*E])
		if err := s.interrupt(); err != nil {
			return nil, err
		}
	}

	// final norm and output projection, for the last token or all of them (x holds nb rows)
	first := nb - 1
	if allLogits {
		first = 0
	}
	n := nb - first
	s.rmsNorm(xb[:n*E], x[first*E:nb*E], w.OutputNorm)
	if cap(s.logits) < n*c.NVocab {
		s.logits = make([]float32, n*c.NVocab)
	}
	logits := s.logits[:n*c.NVocab]
	s.mul(num, xb[:n*E], n, ops.Product{M: w.Output, Y: logits})
	if queued && !ops.EndQueue() {
		return nil, errQueueCheck
	}
	s.Pos += B
	s.Tokens = append(s.Tokens, tokens...)
	if c.LogitSoftcap != 0 {
		softcap(logits, c.LogitSoftcap)
	}
	return logits, nil
}

// mul is num.Mul of x (n rows) by ps into s.acts, the list passed from s.prods.
func (s *State) mul(num Numerics, x []float32, n int, ps ...ops.Product) {
	if len(ps) > len(s.prods) {
		panic("model: a product list longer than State.prods") // (the call sites pass 1 to 3)
	}
	k := copy(s.prods[:], ps)
	num.Mul(x, n, &s.acts, s.prods[:k]...)
}

// attentionArgs describes layer il's attention of the batch's B queries q over the cache
// (positions 0..Pos+B-1), into out.
func (s *State) attentionArgs(il, B int, q, out []float32) *ops.Attention {
	c := s.m.Config
	hd := c.HeadDim
	a := &s.attnArgs
	*a = ops.Attention{Q: q, Out: out, B: B, NHead: c.NHead, NHeadKV: c.NHeadKV, HeadDim: hd,
		Pos0: s.Pos, NCtx: s.NCtx,
		// llama.cpp's graphs pass 1.0f/sqrtf((float)head_dim), all in float
		Scale: c.kqScale(1 / float32(math.Sqrt(float64(float32(hd)))))}
	if c.IsSWA(il) {
		a.Window = c.SlidingWindow
	}
	if s.cached == KVF32 {
		a.K32, a.V32 = s.k32[il], s.v32[il]
	} else {
		a.K16, a.V16 = s.k16[il], s.v16[il]
	}
	return a
}

// rmsNorm normalises every row of x (rows, len(w)) into out.
func (s *State) rmsNorm(out, x, w []float32) {
	s.numerics().RMSNorm(out, x, w, s.m.Config.NormEps)
}
