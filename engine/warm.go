package engine

import (
	"context"
	"time"
)

// WarmUp runs the model over a made-up prompt of promptTokens tokens, then steps tokens
// one at a time (stopping early once the steps have taken stepsFor, when it is above 0),
// in the session's own KV cache, and forgets them all: the cache is empty
// afterwards, whether WarmUp finished or not (so call it on a fresh session: it drops a
// cached conversation too). It returns how many tokens it evaluated, and ctx.Err() when
// cancelled (within a layer, as a request's prefill is: Yield and the cancel are checked
// four times a layer) or a Forward error.
//
// What for: a browser runs fresh WebAssembly in a baseline tier and compiles a function
// with its optimizing compiler only once it has run for a while, on background threads.
// Chromium reaches the engine's steady speed only during its second or third prompt
// (measured on 2 cores, SmolLM2-135M-shaped Q8_0, 64-token prompts: prefill 170, 225, 252
// tok/s at one thread). The worker warms a model up right after loading it, while the page
// is idle, so that a user's first message runs the optimized code; the page's next
// request stops it. Its scratch buffers are the ones a prompt of that size needs anyway.
func (s *Session) WarmUp(ctx context.Context, promptTokens, steps int, stepsFor time.Duration) (int, error) {
	s.state.Truncate(0)
	defer s.state.Truncate(0)
	n := min(promptTokens, s.state.NCtx-steps-1, prefillChunk)
	if n < 1 {
		return 0, nil
	}
	defer s.interruptible(ctx)()
	tokens := warmTokens(n+steps, s.Model.Config.NVocab)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if _, err := s.state.Forward(tokens[:n], false); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := n; i < n+steps; i++ {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		if stepsFor > 0 && time.Since(start) > stepsFor {
			return i, nil
		}
		if _, err := s.state.Forward(tokens[i:i+1], false); err != nil {
			return i, err
		}
	}
	return n + steps, nil
}

// warmTokens is n token ids spread over a vocabulary of nVocab (any ids will do: the
// kernels' speed does not depend on them).
func warmTokens(n, nVocab int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32((13 + 7919*i) % nVocab)
	}
	return out
}
