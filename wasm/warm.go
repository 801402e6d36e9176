//go:build js && wasm

package main

import (
	"context"
	"time"
)

// The warm-up after a load (engine.Session.WarmUp): a made-up prompt and single tokens
// through the new model, forgotten afterwards, so that Chromium has compiled the hot code
// with its optimizing tier before the user's first message instead of during it. It runs
// in the request queue while nothing else is queued, gives way to any request the page
// sends (enqueue stops it within a layer) and posts nothing.
const (
	warmPromptTokens = 64                      // one prompt chunk: the prompt path's kernels and buffers
	warmDecodeSteps  = 64                      // decode steps: the one-token path (the helpers' queue)
	warmDecodeFor    = 1500 * time.Millisecond // at most, for the steps (a big model's are slow)
)

// enqueueWarmUp queues the warm-up of the model just loaded (by the request being served).
func (w *worker) enqueueWarmUp() {
	w.mu.Lock()
	w.warmed = 0
	w.mu.Unlock()
	w.push(request{kind: "warm"})
}

// warm runs a queued warm-up, unless the model is gone, a cancel, load or unload came
// (its epoch is old), a request is waiting, or one was served since the load (queued
// before the warm-up, it may have left a conversation in the cache, which WarmUp would
// drop).
func (w *worker) warm(r request) {
	s, _ := w.current()
	w.mu.Lock()
	if s == nil || r.epoch != w.epoch || len(w.queue) > 0 || w.served != r.served {
		w.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.warmStop = cancel, cancel
	w.mu.Unlock()
	n := 0
	defer func() { // (also after a panic, which serve reports)
		w.mu.Lock()
		w.cancel, w.warmStop, w.warmed = nil, nil, n
		w.mu.Unlock()
		cancel()
	}()
	n, _ = s.WarmUp(ctx, warmPromptTokens, warmDecodeSteps, warmDecodeFor) // (an error: the next request meets it too)
}
