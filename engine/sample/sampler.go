package sample

import "math"

// Sampler draws tokens with the chain described in the package comment. It owns the
// penalty window, the generator and the working buffers, so a warm Sampler allocates
// nothing per token. Not safe for concurrent use.
type Sampler struct {
	opts  Options // sanitized
	rng   xoshiro
	win   window
	buf   []float32 // the caller's logits, copied, then penalized
	cands []cand

	masked []float32 // SampleConstrained's copy of the logits
}

// New returns a Sampler for opts. It never fails: callers should check opts.Validate
// first; a field that does not validate is replaced by the value that turns its stage
// off (a NaN or infinite temperature means greedy; an oversized window is capped at
// MaxPenaltyWindow).
func New(opts Options) *Sampler {
	o := opts.sanitized()
	return &Sampler{opts: o, rng: newXoshiro(o.Seed), win: newWindow(o.PenaltyWindow)}
}

// Options returns the options in use (after New's replacement of invalid fields).
func (s *Sampler) Options() Options { return s.opts }

// Accept records a token as seen, for the penalties. Feed it every token that is kept
// (the sampled ones, and the prompt's if they should be penalized too, as llama.cpp
// does). Tokens outside the vocabulary are recorded and ignored by Sample.
func (s *Sampler) Accept(token int32) { s.win.accept(token) }

// Reset forgets the accepted tokens and restarts the generator from the seed, so the
// Sampler behaves exactly like a new one.
func (s *Sampler) Reset() {
	s.win.reset()
	s.rng.seed(s.opts.Seed)
}

// Sample returns the next token for logits (n_vocab,), or -1 when logits is empty. The
// caller's slice is only read. It does not Accept the token: the caller does, once it
// keeps it.
func (s *Sampler) Sample(logits []float32) int32 {
	n := len(logits)
	if n == 0 {
		return -1
	}
	o := &s.opts
	if o.Temperature <= 0 && o.RepeatPenalty == 1 && o.FrequencyPenalty == 0 && o.PresencePenalty == 0 {
		return argmax(logits) // greedy, nothing changes the logits: no copy of the vocabulary
	}
	buf := s.load(logits)
	applyPenalties(buf, s.win.counts, o.RepeatPenalty, o.FrequencyPenalty, o.PresencePenalty)
	if o.Temperature <= 0 {
		return argmax(buf)
	}
	u := s.rng.float64()

	var c []cand // nil while no stage has narrowed the list
	if o.TopK > 0 && o.TopK < n {
		c = topK(s.cands, buf, o.TopK)
	}
	if o.TopP < 1 {
		if c == nil {
			c = topPAll(s.cands, buf, float64(o.TopP))
		} else {
			c = c[:topPSorted(c, float64(o.TopP))]
		}
	}
	if c == nil {
		c = s.cands[:0]
		negInf := float32(math.Inf(-1))
		for i, l := range buf {
			if l != l {
				l = negInf
			}
			c = append(c, cand{int32(i), l})
		}
	}
	if o.MinP > 0 {
		c = minP(c, float64(o.MinP))
	}
	s.cands = c[:0]
	return draw(c, float64(o.Temperature), u)
}

// load copies logits into the Sampler's buffer. NaN stays NaN there; every stage
// reading the buffer treats it as -Inf.
func (s *Sampler) load(logits []float32) []float32 {
	if cap(s.buf) < len(logits) {
		s.buf = make([]float32, len(logits))
	}
	buf := s.buf[:len(logits)]
	copy(buf, logits)
	return buf
}

// Greedy returns the index of the largest logit, the lowest index among equals; NaN
// logits are never chosen unless all are NaN (then 0). It returns -1 for no logits.
func Greedy(logits []float32) int32 {
	if len(logits) == 0 {
		return -1
	}
	return argmax(logits)
}

// argmax: logits (n,) -> index of the first maximum, NaN skipped; when nothing beats
// -Inf, the first non-NaN index, or 0 if all are NaN.
func argmax(logits []float32) int32 {
	best, bestV := -1, float32(math.Inf(-1))
	for i := 0; i < len(logits); i++ {
		l := logits[i]
		if l <= bestV || l != l { // the common case first: one compare, rarely taken
			continue
		}
		best, bestV = i, l
	}
	if best >= 0 {
		return int32(best)
	}
	for i, l := range logits {
		if l == l {
			return int32(i)
		}
	}
	return 0
}
