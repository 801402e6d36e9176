package model

import "hearth/engine/ops"

// rope rotates the batch's q (B, NHead·HeadDim) and k (B, NHeadKV·HeadDim) of layer il:
// the tokens are at positions Pos..Pos+B-1. Numerics that rotate a batch at once
// (tokensRope: the default, one kernel call in the browser) take them all; the others
// token by token.
func (s *State) rope(il, B int, q, k []float32) {
	c, r := s.m.Config, s.m.rope
	if c.IsSWA(il) {
		r = s.m.ropeSWA
	}
	cos, sin := s.ropeAngles(r, B)
	num := s.numerics()
	if t, ok := num.(tokensRope); ok {
		t.RopeTokens(r, q, c.NHead, k, c.NHeadKV, c.HeadDim, B, cos, sin)
		return
	}
	half := r.NDims / 2
	qDim, kvDim := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	for b := 0; b < B; b++ {
		num.Rope(r, q[b*qDim:(b+1)*qDim], c.NHead, k[b*kvDim:(b+1)*kvDim], c.NHeadKV, c.HeadDim, cos[b*half:(b+1)*half], sin[b*half:(b+1)*half])
	}
}

// tokensRope is a Numerics whose Rope can take a batch at once: q (B, nHead·headDim) and
// k (B, nHeadKV·headDim), token b by the angles cos, sin [b·NDims/2:] — the same results as
// Rope token by token.
type tokensRope interface {
	RopeTokens(r *ops.RoPE, q []float32, nHead int, k []float32, nHeadKV, headDim, B int, cos, sin []float32)
}

// angleCache holds one RoPE's angles for a run of positions, rows of NDims/2.
type angleCache struct {
	r        *ops.RoPE
	numerics string
	pos0, n  int
	cos, sin []float32
}

// ropeAngles returns r's angles (cos, sin: B rows of r.NDims/2) at positions Pos..Pos+B-1,
// computed by the first layer that asks and kept for the others (every layer shares the
// model's RoPE; gemma3's sliding-window layers share a second one).
func (s *State) ropeAngles(r *ops.RoPE, B int) (cos, sin []float32) {
	num := s.numerics()
	c := &s.angles[0]
	if c.r != nil && c.r != r {
		c = &s.angles[1]
	}
	if c.r == r && c.numerics == num.Name() && c.pos0 == s.Pos && c.n == B {
		return c.cos, c.sin
	}
	half := r.NDims / 2
	if cap(c.cos) < B*half {
		c.cos, c.sin = make([]float32, B*half), make([]float32, B*half)
	}
	c.cos, c.sin = c.cos[:B*half], c.sin[:B*half]
	for b := 0; b < B; b++ {
		num.RopeAngles(r, s.Pos+b, c.cos[b*half:(b+1)*half], c.sin[b*half:(b+1)*half])
	}
	c.r, c.numerics, c.pos0, c.n = r, num.Name(), s.Pos, B
	return c.cos, c.sin
}
