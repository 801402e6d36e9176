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
	// Numerics is how the forward pass rounds (nil: Default, the shipped path; Exact, the
	// exact-math reference; engine/ggmlx86, llama.cpp's x86 float order). Set it before the
	// first token: a choice whose KV cache is F32 (KVF32) switches the cache then.
	Numerics Numerics
	// Interrupt, when set, is called by Forward four times a layer — after the Q/K/V
	// projections, the attention, gate/up and down — so a caller can let other work run
	// and abort in the middle of a long prompt's chunk: a non-nil error ends Forward with
	// that error, Pos and Tokens unchanged and the cache intact below Pos (the batch's
	// partly written positions are overwritten by the next Forward).
	Interrupt func() error
	// Tokens in the cache, in order (for prefix reuse by the session).
	Tokens []int32

	// The KV cache, per layer (NCtx, NHeadKV*HeadDim): k16/v16 when it holds F16, k32/v32
	// when F32 (the other pair is nil). kv is the type asked for, cached the type allocated.
	kv, cached KVType
	k16, v16   [][]uint16
	k32, v32   [][]float32

	// scratch, sized for the largest batch seen so far
	batch                   int
	x, xb, q, kb, vb, att   []float32
	gate, up, logits, score []float32
	angles                  [2]angleCache // rope.go
	runQueued               bool          // interrupt runs what is queued first (a queued prompt)
	acts                    ops.Acts
	// a product list and attention's arguments, filled per call (mul, attentionArgs): built
	// at each call they would be heap objects (num is an interface), ~150 a decode step
	prods    [3]ops.Product
	attnArgs ops.Attention
}

// KVType is the element type of the KV cache.
type KVType uint8

const (
	// KVF16 is IEEE half precision, rounded to nearest even (quant.F32ToF16, as ggml's
	// GGML_FP32_TO_FP16 with F16C): llama.cpp's default cache type (-ctk f16 -ctv f16),
	// half the memory of F32. Attention widens the halves to float32 exactly and multiplies
	// them with float32 queries and probabilities. The zero value, so the default.
	KVF16 KVType = iota
	// KVF32 is float32, the type the llama.cpp goldens were made with (-ctk f32 -ctv f32);
	// the reference numerics (Exact, ggmlx86) always use it.
	KVF32
)

// Bytes is the size of one cached element.
func (t KVType) Bytes() int {
	if t == KVF32 {
		return 4
	}
	return 2
}

func (t KVType) String() string {
	if t == KVF32 {
		return "f32"
	}
	return "f16"
}

// ParseKVType reads "f16" or "f32" (llama.cpp's -ctk/-ctv spellings).
func ParseKVType(s string) (KVType, error) {
	switch s {
	case "f16", "F16":
		return KVF16, nil
	case "f32", "F32":
		return KVF32, nil
	}
	return 0, fmt.Errorf("KV cache type %q: want f16 or f32", s)
}

// NewState allocates an F16 KV cache for Config.ContextSize(nCtx) tokens.
func (m *Model) NewState(nCtx int) (*State, error) { return m.NewStateKV(nCtx, KVF16) }

// NewStateKV allocates a KV cache of type kv for Config.ContextSize(nCtx) tokens (at most
// the model's training context; the default for 0). A Numerics that needs an F32 cache
// switches it before the first token.
func (m *Model) NewStateKV(nCtx int, kv KVType) (*State, error) {
	c := m.Config
	nCtx = c.ContextSize(nCtx)
	if kv != KVF16 && kv != KVF32 {
		return nil, fmt.Errorf("KV cache type %d: want KVF16 or KVF32", kv)
	}
	s := &State{m: m, NCtx: nCtx, kv: kv}
	s.allocKV(kv)
	return s, nil
}

// KVType is the cache type the next Forward uses: F32 when the Numerics asks for it, else
// the type the State was made with.
func (s *State) KVType() KVType {
	if s.numerics().KVF32() {
		return KVF32
	}
	return s.kv
}

func (s *State) numerics() Numerics {
	if s.Numerics == nil {
		return Default{}
	}
	return s.Numerics
}

// allocKV (re)allocates the cache as t, dropping the other type's arrays.
func (s *State) allocKV(t KVType) {
	c := s.m.Config
	n := s.NCtx * c.NHeadKV * c.HeadDim
	s.k16, s.v16, s.k32, s.v32 = nil, nil, nil, nil
	for i := 0; i < c.NLayer; i++ {
		if t == KVF32 {
			s.k32 = append(s.k32, make([]float32, n))
			s.v32 = append(s.v32, make([]float32, n))
		} else {
			s.k16 = append(s.k16, make([]uint16, n))
			s.v16 = append(s.v16, make([]uint16, n))
		}
	}
	s.cached = t
}

// checkKV makes the cache the type KVType asks for; the type can only change while the
// cache is empty.
func (s *State) checkKV() error {
	t := s.KVType()
	if t == s.cached {
		return nil
	}
	if s.Pos > 0 {
		return fmt.Errorf("the KV cache holds %d tokens as %s but %s is asked for (Numerics changed): Truncate(0) first", s.Pos, s.cached, t)
	}
	s.allocKV(t)
	return nil
}

// storeKV writes the keys and values of B tokens, k and v (B, NHeadKV*HeadDim), at cache
// positions Pos..Pos+B-1 of layer il (F16: rounded to nearest even).
func (s *State) storeKV(il int, k, v []float32) {
	off := s.Pos * s.m.Config.NHeadKV * s.m.Config.HeadDim
	if s.cached == KVF32 {
		defer ops.GoCode()()
		copy(s.k32[il][off:], k)
		copy(s.v32[il][off:], v)
		return
	}
	ops.F32ToF16Row(s.k16[il][off:off+len(k)], k)
	ops.F32ToF16Row(s.v16[il][off:off+len(v)], v)
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
