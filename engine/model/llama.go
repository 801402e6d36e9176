package model

import (
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
func (s *State) Forward(tokens []int32, allLogits bool) ([]float32, error) {
	if err := s.checkTokens(tokens); err != nil {
		return nil, err
	}
	if err := s.checkKV(); err != nil {
		return nil, err
	}
	c, w := s.m.Config, s.m.Weights
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

	nb := B // rows of x still computed
	for il := range w.Layers {
		l := &w.Layers[il]

		// attention: attn_norm, then Q/K/V projections (+bias), per-head Q/K norm, rope
		for b := 0; b < B; b++ {
			s.rmsNorm(xb[b*E:(b+1)*E], x[b*E:(b+1)*E], l.AttnNorm)
		}
		s.mulSame(xb, B, prod{l.Wq, q}, prod{l.Wk, k}, prod{l.Wv, v})
		for b := 0; b < B; b++ {
			qb, kb, vb := q[b*qDim:(b+1)*qDim], k[b*kvDim:(b+1)*kvDim], v[b*kvDim:(b+1)*kvDim]
			if l.Bq != nil {
				ops.Add(qb, l.Bq)
				ops.Add(kb, l.Bk)
				ops.Add(vb, l.Bv)
			}
			if l.QNorm != nil {
				for h := 0; h < c.NHead; h++ {
					s.rmsNorm(qb[h*hd:(h+1)*hd], qb[h*hd:(h+1)*hd], l.QNorm)
				}
				for h := 0; h < c.NHeadKV; h++ {
					s.rmsNorm(kb[h*hd:(h+1)*hd], kb[h*hd:(h+1)*hd], l.KNorm)
				}
			}
			s.rope(il, s.Pos+b, qb, kb)
			if c.QScale != 0 { // gemma3
				scale(qb, c.QScale)
			}
		}
		if err := s.interrupt(); err != nil {
			return nil, err
		}
		// KV cache: append this batch's keys and values
		s.storeKV(il, k, v)

		if s.Compat {
			s.attentionGGML(il, B, q, att)
		} else {
			s.attention(il, B, q, att)
		}

		// output projection, post-attention norm (gemma3) and residual
		s.mul(l.Wo, att, B, xb)
		s.postNorm(xb, B, l.PostAttnNorm)
		ops.Add(x, xb)
		if err := s.interrupt(); err != nil {
			return nil, err
		}

		// In the last layer only the rows whose logits are returned go on (llama.cpp's
		// inp_out_ids): the others' feed-forward cannot change the result, and llama.cpp's
		// kernels for a single row round differently from its batched ones.
		if il == len(w.Layers)-1 && !allLogits && nb > 1 {
			copy(x[:E], x[(nb-1)*E:nb*E])
			nb = 1
		}

		// feed-forward: ffn_norm, SwiGLU (GeGLU), down projection, post-FFN norm, residual
		for b := 0; b < nb; b++ {
			s.rmsNorm(xb[b*E:(b+1)*E], x[b*E:(b+1)*E], l.FFNNorm)
		}
		g, u := gate[:nb*c.NFF], up[:nb*c.NFF]
		s.mulSame(xb[:nb*E], nb, prod{l.Gate, g}, prod{l.Up, u})
		switch {
		case c.GELU:
			ops.GeGLU(g, g, u)
		case s.Compat:
			ops.SiLUMulGGML(g, g, u)
		default:
			ops.SwiGLU(g, g, u)
		}
		if err := s.interrupt(); err != nil {
			return nil, err
		}
		s.mul(l.Down, g, nb, xb)
		s.postNorm(xb, nb, l.PostFFNNorm)
		ops.Add(x[:nb*E], xb[:nb*E])
		if err := s.interrupt(); err != nil {
			return nil, err
		}
	}

	s.Pos += B
	s.Tokens = append(s.Tokens, tokens...)

	// final norm and output projection, for the last token or all of them (x holds nb rows)
	first := nb - 1
	if allLogits {
		first = 0
	}
	n := nb - first
	for b := first; b < nb; b++ {
		s.rmsNorm(xb[(b-first)*E:(b-first+1)*E], x[b*E:(b+1)*E], w.OutputNorm)
	}
	if cap(s.logits) < n*c.NVocab {
		s.logits = make([]float32, n*c.NVocab)
	}
	logits := s.logits[:n*c.NVocab]
	s.mul(w.Output, xb[:n*E], n, logits)
	if c.LogitSoftcap != 0 {
		softcap(logits, c.LogitSoftcap)
	}
	return logits, nil
}

// mul computes y (n, m.Rows) = x (n, m.Cols) @ Wᵀ, converting x to m's activation type
// (or, with Exact, in float on dequantized weights).
func (s *State) mul(m *ops.Matrix, x []float32, n int, y []float32) {
	if s.Exact {
		m.MulFloat(x, n, y)
		return
	}
	a, err := ops.QuantizeActs(m.ActType(), x[:n*m.Cols], n, m.Cols, &s.acts)
	if err != nil {
		panic(err) // types were checked when the model was loaded
	}
	if s.Compat {
		m.MulActsCompat(a, y[:n*m.Rows])
		return
	}
	m.MulActs(a, y[:n*m.Rows])
}

type prod struct {
	m *ops.Matrix
	y []float32
}

// mulSame multiplies one input by several matrices (Q/K/V, gate/up), converting the
// activations once per activation type rather than once per matrix.
func (s *State) mulSame(x []float32, n int, ps ...prod) {
	if s.Exact || s.Compat || s.noShareActs || len(ps) == 0 {
		for _, p := range ps {
			s.mul(p.m, x, n, p.y)
		}
		return
	}
	// the products of one conversion run as one batch (ops.BatchBegin): a new conversion
	// overwrites the activations, so it ends the batch before it
	ops.Batch(func() {
		var done *ops.Acts
		for i, p := range ps {
			if i == 0 || p.m.ActType() != done.Type || p.m.Cols != done.Cols {
				if i > 0 && ops.BatchEnd != nil {
					ops.BatchEnd()
					ops.BatchBegin()
				}
				a, err := ops.QuantizeActs(p.m.ActType(), x[:n*p.m.Cols], n, p.m.Cols, &s.acts)
				if err != nil {
					panic(err) // types were checked when the model was loaded
				}
				done = a
			}
			p.m.MulActs(done, p.y[:n*p.m.Rows])
		}
	})
}

// attention is grouped-query causal attention of the batch's queries over the cache:
// q (B, NHead*HeadDim) -> out (B, NHead*HeadDim). Query head h reads KV head
// h / (NHead/NHeadKV); token b of the batch sees cache positions 0..Pos+b (on a
// sliding-window layer only the last SlidingWindow of them). The cache is
// F16 or F32 (State.KVType); the products are float32 either way.
func (s *State) attention(il, B int, q, out []float32) {
	c := s.m.Config
	hd := c.HeadDim
	qDim, kvDim := c.NHead*hd, c.NHeadKV*hd
	group := c.NHead / c.NHeadKV
	scale := c.kqScale(float32(1 / math.Sqrt(float64(hd))))
	var k32, v32 []float32
	var k16, v16 []uint16
	if s.cached == KVF32 {
		k32, v32 = s.k32[il], s.v32[il]
	} else {
		k16, v16 = s.k16[il], s.v16[il]
	}
	nCtx := s.Pos + B
	if k16 != nil && ops.AttentionF16Hook != nil {
		window := 0
		if c.IsSWA(il) {
			window = c.SlidingWindow
		}
		if ops.AttentionF16Hook(&ops.AttentionF16{Q: q[:B*qDim], Out: out[:B*qDim], K: k16[:nCtx*kvDim], V: v16[:nCtx*kvDim],
			B: B, NHead: c.NHead, NHeadKV: c.NHeadKV, HeadDim: hd, Pos0: s.Pos, Window: window, Scale: scale}) {
			return
		}
	}
	ops.ParallelFor(B*c.NHead, 1, func(lo, hi int) {
		score := make([]float32, nCtx)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/c.NHead, bh%c.NHead
			kvOff := (h / group) * hd
			qh := q[b*qDim+h*hd : b*qDim+(h+1)*hd]
			n := s.Pos + b + 1
			first := c.window(il, n-1) // rows first..n-1 are visible (SWA)
			kvOff += first * kvDim
			n -= first
			sc, o := score[:n], out[b*qDim+h*hd:b*qDim+(h+1)*hd]
			if k16 != nil {
				ops.DotRowsF16(k16[kvOff:], kvDim, hd, n, qh, sc)
			} else {
				ops.DotRowsF32(k32[kvOff:], kvDim, hd, n, qh, sc)
			}
			for t := range sc {
				sc[t] *= scale
			}
			ops.Softmax(sc)
			if v16 != nil {
				ops.WeightedRowsF16(v16[kvOff:], kvDim, hd, n, sc, o)
			} else {
				ops.WeightedRowsF32(v32[kvOff:], kvDim, hd, n, sc, o)
			}
		}
	})
}

func (s *State) rmsNorm(out, x, w []float32) {
	if s.Compat {
		ops.RMSNormGGML(out, x, w, s.m.Config.NormEps)
		return
	}
	ops.RMSNorm(out, x, w, s.m.Config.NormEps)
}

// attentionGGML is attention with llama.cpp's float order (AVX-512 ggml-cpu, F32 KV cache,
// no flash attention): raw K·Q dots by ggml_vec_dot_f32 or tinyBLAS as llama.cpp picks
// them, rows padded to its n_kv with -inf, ggml's softmax with its exp, and the V product
// over the padded row. Same shapes as attention.
func (s *State) attentionGGML(il, B int, q, out []float32) {
	c := s.m.Config
	hd := c.HeadDim
	qDim, kvDim := c.NHead*hd, c.NHeadKV*hd
	group := c.NHead / c.NHeadKV
	scale := c.kqScale(ops.KQScaleGGML(hd))
	kc, vc := s.k32[il], s.v32[il] // Compat always caches F32
	nKV := ops.NKVGGML(s.Pos+B, s.NCtx)
	kqK, kqvK := ops.AttnKernels(B, c.NHead, hd, nKV)
	negInf := float32(math.Inf(-1))
	ops.ParallelFor(B*c.NHead, 1, func(lo, hi int) {
		sc := make([]float32, nKV)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/c.NHead, bh%c.NHead
			kvOff := (h / group) * hd
			qh := q[b*qDim+h*hd : b*qDim+(h+1)*hd]
			n := s.Pos + b + 1
			first := c.window(il, n-1) // SWA: older cells are masked like unused ones
			for t := range sc {
				if t >= first && t < n {
					sc[t] = kqK.Dot(kc[t*kvDim+kvOff:t*kvDim+kvOff+hd], qh)
				} else {
					sc[t] = negInf
				}
			}
			ops.SoftmaxGGML(sc, scale)
			ops.AttnValueGGML(out[b*qDim+h*hd:b*qDim+(h+1)*hd], sc, vc[kvOff:], kvDim, kqvK)
		}
	})
}
