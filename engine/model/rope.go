package model

// rope rotates one token's queries q (NHead*HeadDim,) and keys k (NHeadKV*HeadDim,) at
// position pos in layer il (SWA layers have their own rope), in place.
func (s *State) rope(il, pos int, q, k []float32) {
	c, r := s.m.Config, s.m.rope
	if c.IsSWA(il) {
		r = s.m.ropeSWA
	}
	s.numerics().Rope(r, pos, q, c.NHead, k, c.NHeadKV, c.HeadDim, s.cos, s.sin)
}
