package engine

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"hearth/engine/sample"
)

// WarmUp evaluates its made-up tokens and leaves nothing behind: the cache is empty, and
// the next completion gives the same tokens as on a session that was never warmed.
func TestWarmUpLeavesNoTrace(t *testing.T) {
	so := sample.DefaultOptions()
	so.Temperature = 0
	prompt := []int32{1, 40, 41, 42, 43, 44, 45}
	cold := tinySession(t, 128)
	want, _, err := cold.Complete(context.Background(), prompt, 12, so, false, nil)
	if err != nil {
		t.Fatal(err)
	}

	s := tinySession(t, 128)
	var yields int
	s.Yield = func() { yields++ }
	if n, err := s.WarmUp(context.Background(), 64, 8, 0); err != nil || n != 72 {
		t.Fatalf("WarmUp(64, 8) evaluated %d tokens: %v", n, err)
	}
	if s.CachedTokens() != 0 {
		t.Fatalf("after WarmUp the cache holds %d tokens, want 0", s.CachedTokens())
	}
	if yields == 0 {
		t.Fatal("WarmUp never yielded: a cancel could not reach it")
	}
	got, st, err := s.Complete(context.Background(), prompt, 12, so, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.CachedTokens != 0 || !slices.Equal(got, want) {
		t.Fatalf("after WarmUp: %v (cached %d), on a cold session: %v", got, st.CachedTokens, want)
	}
}

// A cancelled WarmUp stops within a layer and also leaves the cache empty.
func TestWarmUpCancel(t *testing.T) {
	s := tinySession(t, 128)
	ctx, cancel := context.WithCancel(context.Background())
	var yields int
	s.Yield = func() {
		if yields++; yields == 3 { // in the prompt's first layer
			cancel()
		}
	}
	if n, err := s.WarmUp(ctx, 64, 8, 0); !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("cancelled WarmUp returned %d, %v", n, err)
	}
	if yields > 4 {
		t.Fatalf("WarmUp went on for %d yields after the cancel at 3", yields-3)
	}
	if s.CachedTokens() != 0 {
		t.Fatalf("after a cancelled WarmUp the cache holds %d tokens", s.CachedTokens())
	}
	// a small context: the warm-up fits itself in
	small := tinySession(t, 16)
	if n, err := small.WarmUp(context.Background(), 64, 8, 0); err != nil || n != 15 || small.CachedTokens() != 0 {
		t.Fatalf("WarmUp in a 16-token context: %d tokens, %v, %d cached", n, err, small.CachedTokens())
	}
	// the steps' time limit: no step once it has passed
	if n, err := small.WarmUp(context.Background(), 8, 4, time.Nanosecond); err != nil || n != 8 {
		t.Fatalf("WarmUp(8, 4) with its steps limited to 1 ns: %d tokens, %v; want the prompt alone", n, err)
	}
}
