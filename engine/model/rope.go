package model

import "hearth/engine/ops"

// rope rotates token b's q and k of layer il: the batch's tokens are at positions
// Pos..Pos+B-1.
func (s *State) rope(il, b, B int, q, k []float32) {
	c, r := s.m.Config, s.m.rope
	if c.IsSWA(il) {
		r = s.m.ropeSWA
	}
	cos, sin := s.ropeAngles(r, B)
	half := r.NDims / 2
	s.numerics().Rope(r, q, c.NHead, k, c.NHeadKV, c.HeadDim, cos[b*half:(b+1)*half], sin[b*half:(b+1)*half])
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
