package model

import (
	"fmt"

	"hearth/engine/ops"
)

// State is one sequence being decoded: its KV cache and scratch buffers.
type State struct {
	m    *Model
	NCtx int // context size: the most tokens the cache holds
	Pos  int // tokens in the cache
	// Exact multiplies in float on dequantized weights instead of converting activations
	// to the weights' vec_dot types as llama.cpp does: the exact-math reference path.
	Exact bool
	// Compat reproduces llama.cpp's float order (ggml-cpu on x86 AVX-512 built with GCC:
	// RMSNorm, exp, SiLU, softmax, rope with glibc's sinf/cosf, attention, and the matmul
	// kernel llama.cpp picks for each weight type and batch size) bit for bit where it is
	// known, so greedy decoding follows llama.cpp's even where activation quantization
	// amplifies last-bit differences. Slower; used by the conformance tests.
	Compat      bool
	noShareActs bool // tests: convert the activations for every matrix separately
	// Interrupt, when set, is called by Forward four times a layer — after the Q/K/V
	// projections, the attention, gate/up and down — so a caller can let other work run
	// and abort in the middle of a long prompt's chunk: a non-nil error ends Forward with
	// that error, Pos and Tokens unchanged and the cache intact below Pos (the batch's
	// partly written positions are overwritten by the next Forward).
	Interrupt func() error
	// Tokens in the cache, in order (for prefix reuse by the session).
	Tokens []int32
	k, v   [][]float32 // per layer: (NCtx, NHeadKV*HeadDim)

	// scratch, sized for the largest batch seen so far
	batch                   int
	x, xb, q, kb, vb, att   []float32
	gate, up, logits, score []float32
	cos, sin                []float32
	acts                    ops.Acts
}

// NewState allocates a KV cache for nCtx tokens (at most the model's training context).
func (m *Model) NewState(nCtx int) (*State, error) {
	c := m.Config
	if nCtx <= 0 || nCtx > c.NCtxTrain {
		nCtx = c.NCtxTrain
	}
	s := &State{m: m, NCtx: nCtx}
	kvDim := c.NHeadKV * c.HeadDim
	for i := 0; i < c.NLayer; i++ {
		s.k = append(s.k, make([]float32, nCtx*kvDim))
		s.v = append(s.v, make([]float32, nCtx*kvDim))
	}
	return s, nil
}

// Model returns the model this state runs.
func (s *State) Model() *Model { return s.m }

// Truncate forgets every cached token from position n on (n ≤ Pos), so a new turn can
// reuse the common prefix of the conversation.
func (s *State) Truncate(n int) {
	if n < 0 {
		n = 0
	}
	if n < s.Pos {
		s.Pos = n
		s.Tokens = s.Tokens[:n]
	}
}

func (s *State) grow(b int) {
	if b <= s.batch {
		return
	}
	c := s.m.Config
	qDim, kvDim := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	s.batch = b
	s.x = make([]float32, b*c.NEmbd)
	s.xb = make([]float32, b*max(c.NEmbd, qDim))
	s.q = make([]float32, b*qDim)
	s.kb = make([]float32, b*kvDim)
	s.vb = make([]float32, b*kvDim)
	s.att = make([]float32, b*qDim)
	s.gate = make([]float32, b*c.NFF)
	s.up = make([]float32, b*c.NFF)
	s.cos = make([]float32, c.RopeDims/2)
	s.sin = make([]float32, c.RopeDims/2)
}

func (s *State) checkTokens(tokens []int32) error {
	if len(tokens) == 0 {
		return fmt.Errorf("no tokens to evaluate")
	}
	if s.Pos+len(tokens) > s.NCtx {
		return &ErrContextFull{Pos: s.Pos, Add: len(tokens), NCtx: s.NCtx}
	}
	for _, t := range tokens {
		if t < 0 || int(t) >= s.m.Config.NVocab {
			return fmt.Errorf("token id %d out of range [0, %d)", t, s.m.Config.NVocab)
		}
	}
	return nil
}
