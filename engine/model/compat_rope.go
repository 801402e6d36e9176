package model

// rope rotates one token's queries q (NHead*HeadDim,) and keys k (NHeadKV*HeadDim,) at
// position pos in layer il (SWA layers have their own rope), in place; with Compat, with
// ggml's rounding (glibc sinf/cosf, fused products).
func (s *State) rope(il, pos int, q, k []float32) {
	c, r := s.m.Config, s.m.rope
	if c.IsSWA(il) {
		r = s.m.ropeSWA
	}
	if s.Compat {
		r.AnglesGGML(pos, s.cos, s.sin)
		r.ApplyGGML(q, c.NHead, c.HeadDim, s.cos, s.sin)
		r.ApplyGGML(k, c.NHeadKV, c.HeadDim, s.cos, s.sin)
		return
	}
	r.Angles(pos, s.cos, s.sin)
	r.Apply(q, c.NHead, c.HeadDim, s.cos, s.sin)
	r.Apply(k, c.NHeadKV, c.HeadDim, s.cos, s.sin)
}
