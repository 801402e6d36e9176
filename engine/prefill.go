package engine

import (
	"context"
)

// prefillChunk bounds how many prompt tokens go through the model at once (the scratch
// memory grows with it).
const prefillChunk = 128

// interruptible hooks ctx and s.Yield into every Forward of one request: four times a
// layer the model calls Yield and stops with ctx.Err() once ctx is done, so a cancel ends
// even a long prompt's prefill within a layer. The returned func removes the hook.
func (s *Session) interruptible(ctx context.Context) func() {
	yield := s.Yield
	s.state.Interrupt = func() error {
		if yield != nil {
			yield()
		}
		return ctx.Err()
	}
	return func() { s.state.Interrupt = nil }
}

// prefill keeps the longest common prefix of tokens and the KV cache, evaluates the rest
// (at least the last token, so there are logits to sample from) in chunks of prefillChunk,
// and returns the last token's logits and how many tokens the cache already held. When ctx
// is cancelled it returns ctx.Err(); the cache then holds the chunks finished before the
// cancel (whole positions only: Forward commits a chunk after its last layer), which the
// next request reuses.
func (s *Session) prefill(ctx context.Context, tokens []int32) (logits []float32, cached int, err error) {
	common := 0
	for common < len(tokens) && common < len(s.state.Tokens) && tokens[common] == s.state.Tokens[common] {
		common++
	}
	if common == len(tokens) {
		common--
	}
	s.state.Truncate(common)
	for i := common; i < len(tokens); i += prefillChunk {
		if err := ctx.Err(); err != nil {
			return nil, common, err
		}
		if logits, err = s.state.Forward(tokens[i:min(i+prefillChunk, len(tokens))], false); err != nil {
			return nil, common, err
		}
	}
	return logits, common, nil
}
