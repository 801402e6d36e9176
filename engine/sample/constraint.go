package sample

import "math"

// Constraint says which tokens may be sampled next (a grammar). Allows checks one token
// cheaply; Mask marks every token it does not allow, setting its logit to -Inf, over the
// whole vocabulary.
type Constraint interface {
	Allows(tok int32) bool
	Mask(logits []float32)
}

// SampleConstrained samples as Sample does, limited to the tokens c allows. As llama.cpp's
// common sampler does, it first samples freely and keeps the token when c allows it (one
// cheap check instead of a mask over the vocabulary); only otherwise it masks the logits and
// samples again with a fresh draw. Drawing from p, then from p restricted to the allowed set
// when the first draw was refused, picks each allowed token with probability p(t)/p(allowed):
// the same distribution as masking first (exactly so for greedy and plain temperature; the
// truncating stages, top-k/top-p/min-p, then see the allowed tokens only, as in llama.cpp).
// When c allows nothing it returns -1.
func (s *Sampler) SampleConstrained(logits []float32, c Constraint) int32 {
	if tok := s.Sample(logits); tok >= 0 && c.Allows(tok) {
		return tok
	}
	if cap(s.masked) < len(logits) {
		s.masked = make([]float32, len(logits))
	}
	m := s.masked[:len(logits)]
	copy(m, logits)
	c.Mask(m)
	negInf := float32(math.Inf(-1))
	for _, l := range m {
		if l > negInf {
			return s.Sample(m)
		}
	}
	return -1
}
