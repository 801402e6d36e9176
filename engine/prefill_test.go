package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/synth"
)

// prefillShape is synth's tiny model with a context long enough for several prefill
// chunks.
func prefillShape() synth.Shape {
	sh := synth.Shapes["tiny"]
	sh.NLayer, sh.NCtx = 3, 1024
	return sh
}

func shapeSession(t testing.TB, sh synth.Shape) *Session {
	t.Helper()
	w, err := synth.Build(synth.Options{Shape: sh, Type: "Q8_0", Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(f, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func randomPrompt(n, vocab int) []int32 {
	r := rand.New(rand.NewPCG(5, 6))
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(r.IntN(vocab - 3)) // not the special tokens at the end
	}
	return p
}

// A cancel in the middle of a long prompt stops Forward at the next interrupt point, ends the
// request as cancelled, keeps only whole chunks in the cache, and the next requests (one
// reusing those chunks and re-evaluating the positions the aborted chunk half wrote, one
// reusing nothing) give a fresh session's tokens.
func TestCancelDuringPrefill(t *testing.T) {
	sh := prefillShape()
	s := shapeSession(t, sh)
	prompt := randomPrompt(600, sh.NVocab)
	perChunk := 4 * sh.NLayer // Yield calls per Forward: four a layer
	for _, at := range []int{1, 2*perChunk + 3, 4*perChunk + perChunk} {
		t.Run(fmt.Sprint("yield", at), func(t *testing.T) {
			s.Reset()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls, late := 0, 0
			s.Yield = func() {
				if calls++; calls == at {
					cancel()
				} else if calls > at {
					late++
				}
			}
			var events int
			out, st, err := s.Complete(ctx, prompt, 8, greedy(0).Sample, false, func(Event) { events++ })
			s.Yield = nil
			if !errors.Is(err, context.Canceled) || st == nil || st.StopReason != StopCancelled {
				t.Fatalf("err %v, stats %+v", err, st)
			}
			if late != 0 || len(out) != 0 || events != 0 {
				t.Fatalf("after the cancel: %d more yields, %d tokens, %d events", late, len(out), events)
			}
			// the chunks finished before the cancelled one stay, whole
			if want := (at - 1) / perChunk * prefillChunk; s.CachedTokens() != want {
				t.Fatalf("cache holds %d tokens after a cancel in chunk %d, want %d", s.CachedTokens(), (at-1)/perChunk, want)
			}
		})
	}
	// s now holds 4 whole chunks (512 tokens) and half-written positions 512..599.
	fresh := shapeSession(t, sh)
	for _, n := range []int{560, 300, 600} {
		p := prompt[:n]
		got, st, err := s.Complete(context.Background(), p, 12, greedy(0).Sample, false, nil)
		if err != nil || st.StopReason != StopLength {
			t.Fatalf("%d tokens after the cancel: err %v, stats %+v", n, err, st)
		}
		fresh.Reset()
		want, _, err := fresh.Complete(context.Background(), p, 12, greedy(0).Sample, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%d-token prompt (%d cached): %v after the cancel, a fresh session %v", n, st.CachedTokens, got, want)
		}
	}

	// Generate: a cancel during prefill ends with the stats so far
	ctx, cancel := context.WithCancel(context.Background())
	s.Yield = cancel
	st, err := s.Generate(ctx, []Message{{Role: "user", Content: "a new conversation"}}, greedy(8), nil)
	s.Yield = nil
	if !errors.Is(err, context.Canceled) || st == nil || st.StopReason != StopCancelled || st.GeneratedTokens != 0 {
		t.Fatalf("Generate cancelled in prefill: err %v, stats %+v", err, st)
	}
}

// A cancel during a decode step's Forward (not only between tokens) ends the reply too.
func TestCancelDuringDecodeStep(t *testing.T) {
	s := shapeSession(t, prefillShape())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tokens := 0
	s.Yield = func() {
		if tokens == 2 {
			cancel()
		}
	}
	out, st, err := s.Complete(ctx, randomPrompt(20, prefillShape().NVocab), 50, greedy(0).Sample, false, func(e Event) {
		if e.Kind == EventToken {
			tokens++
		}
	})
	if !errors.Is(err, context.Canceled) || st.StopReason != StopCancelled || len(out) != 2 {
		t.Fatalf("err %v, %d tokens, stats %+v", err, len(out), st)
	}
	if s.CachedTokens() != 21 { // the prompt and the first token; the second's step was cut
		t.Fatalf("cache holds %d tokens, want 21", s.CachedTokens())
	}
}
