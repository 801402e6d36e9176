package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"hearth/internal/shared"

	"hearth/engine/gguf"
	"hearth/engine/model"
	"hearth/engine/sample"
	"hearth/engine/synth"
)

// tinySession loads a random-weight ChatML model written by synth (no shared data needed).
func tinySession(t testing.TB, nCtx int) *Session {
	t.Helper()
	w, err := synth.Build(synth.Options{Shape: synth.Shapes["tiny"], Type: "Q8_0", Seed: 7})
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
	s, err := Load(f, LoadOptions{ContextSize: nCtx})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func greedy(n int) Options {
	o := Options{Sample: sample.DefaultOptions(), MaxTokens: n}
	o.Sample.Temperature = 0
	return o
}

func TestGenerateStreamsAndStats(t *testing.T) {
	s := tinySession(t, 256)
	var tokens int
	var text strings.Builder
	st, err := s.Generate(context.Background(), []Message{{Role: "user", Content: "hello there"}}, greedy(12), func(e Event) {
		switch e.Kind {
		case EventToken:
			tokens++
		case EventText:
			text.WriteString(e.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.GeneratedTokens == 0 || st.PromptTokens == 0 || st.CachedTokens != 0 {
		t.Fatalf("stats %+v", st)
	}
	if st.StopReason == StopLength && tokens != 12 {
		t.Fatalf("%d token events for a 12-token reply", tokens)
	}
	if text.String() != st.Text {
		t.Fatalf("streamed text %q != stats text %q", text.String(), st.Text)
	}
	if st.DecodeTPS <= 0 || st.PrefillTPS <= 0 {
		t.Fatalf("no speed in stats: %+v", st)
	}
}

// Turn 2 only evaluates the tokens after the common prefix with the cache.
func TestKVReuse(t *testing.T) {
	s := tinySession(t, 256)
	msgs := []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hello there"}}
	st1, err := s.Generate(context.Background(), msgs, greedy(6), nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs = append(msgs, Message{Role: "assistant", Content: st1.Text}, Message{Role: "user", Content: "and again"})
	st2, err := s.Generate(context.Background(), msgs, greedy(6), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st2.CachedTokens < st1.PromptTokens {
		t.Fatalf("turn 2 reused %d tokens, want at least turn 1's prompt (%d)", st2.CachedTokens, st1.PromptTokens)
	}
	if st2.CachedTokens >= st2.PromptTokens {
		t.Fatalf("turn 2 cached %d of %d", st2.CachedTokens, st2.PromptTokens)
	}
	// The same conversation from a fresh session gives the same reply: reuse changes nothing.
	fresh := tinySession(t, 256)
	st3, err := fresh.Generate(context.Background(), msgs, greedy(6), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st3.Text != st2.Text || st3.CachedTokens != 0 {
		t.Fatalf("reused %q vs fresh %q (cached %d)", st2.Text, st3.Text, st3.CachedTokens)
	}
}

func TestCancel(t *testing.T) {
	s := tinySession(t, 256)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	st, err := s.Generate(ctx, []Message{{Role: "user", Content: "tell me a story"}}, greedy(0), func(e Event) {
		if e.Kind == EventToken {
			if n++; n == 3 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) || st == nil || st.StopReason != StopCancelled {
		t.Fatalf("err %v stats %+v", err, st)
	}
	if st.GeneratedTokens != 3 {
		t.Fatalf("generated %d tokens after cancelling at 3", st.GeneratedTokens)
	}
	// the session still works and reuses what it cached
	st2, err := s.Generate(context.Background(), []Message{{Role: "user", Content: "tell me a story"}}, greedy(4), nil)
	if err != nil || st2.CachedTokens == 0 {
		t.Fatalf("after cancel: %v %+v", err, st2)
	}
}

// A conversation longer than the context drops its oldest turns, keeps the system prompt.
func TestContextTrim(t *testing.T) {
	s := tinySession(t, 128)
	msgs := []Message{{Role: "system", Content: "sys"}}
	for i := 0; i < 12; i++ {
		msgs = append(msgs, Message{Role: "user", Content: "a fairly long question number " + strings.Repeat("x", i)},
			Message{Role: "assistant", Content: "an answer"})
	}
	msgs = append(msgs, Message{Role: "user", Content: "last"})
	st, err := s.Generate(context.Background(), msgs, greedy(200), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.TrimmedMessages == 0 || st.PromptTokens > 128 {
		t.Fatalf("not trimmed: %+v", st)
	}
	if st.StopReason != StopContext && st.StopReason != StopEOG && st.StopReason != StopLength {
		t.Fatalf("stop reason %q", st.StopReason)
	}
	if _, err := s.Generate(context.Background(), []Message{{Role: "user", Content: strings.Repeat("word ", 400)}}, greedy(4), nil); !errors.Is(err, ErrPromptTooLong) {
		t.Fatalf("oversized message: %v", err)
	}
}

func TestSeededDeterminism(t *testing.T) {
	o := Options{Sample: sample.DefaultOptions(), MaxTokens: 16}
	o.Sample.Seed = 42
	msgs := []Message{{Role: "user", Content: "hi"}}
	a, err := tinySession(t, 256).Generate(context.Background(), msgs, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tinySession(t, 256).Generate(context.Background(), msgs, o, nil)
	if a.Text != b.Text {
		t.Fatalf("same seed, different text: %q vs %q", a.Text, b.Text)
	}
}

func TestStopMatcher(t *testing.T) {
	m := newStopMatcher([]string{"STOP", "<|im_end|>"})
	var out strings.Builder
	hit := false
	for _, chunk := range []string{"hello S", "T", "x and <|im", "_end|> rest"} {
		o, h := m.push(chunk, false)
		out.WriteString(o)
		if h {
			hit = true
			break
		}
	}
	if !hit || out.String() != "hello STx and " {
		t.Fatalf("got %q hit=%v", out.String(), hit)
	}
	m = newStopMatcher([]string{"STOP"})
	o1, _ := m.push("ends with ST", false)
	o2, _ := m.push("", true)
	if o1+o2 != "ends with ST" || o1 != "ends with " {
		t.Fatalf("held-back tail: %q + %q", o1, o2)
	}
}

func TestMemoryLimit(t *testing.T) {
	w, err := synth.Build(synth.Options{Shape: synth.Shapes["tiny"], Type: "Q8_0", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w.WriteTo(&buf)
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	need, err := MemoryNeeded(f, 256)
	// tiny: 2 layers, 2 KV heads × 16; keys and values, 2 bytes each (F16) or 4 (F32)
	if err != nil || need.Weights <= 0 || need.KVCache != int64(256*2*2*16*2*2) {
		t.Fatalf("need %+v, %v", need, err)
	}
	need32, err := MemoryNeededKV(f, 256, model.KVF32)
	if err != nil || need32.KVCache != 2*need.KVCache || need32.Total() != need.Total()+need.KVCache {
		t.Fatalf("F32: need %+v, %v (F16 %+v)", need32, err, need)
	}
	if _, err := Load(f, LoadOptions{ContextSize: 256, MemoryLimit: need.Total(), KV: model.KVF32}); !errors.As(err, new(*ErrTooBig)) {
		t.Fatalf("F32 cache within the F16 total: want ErrTooBig, got %v", err)
	}
	_, err = Load(f, LoadOptions{ContextSize: 256, MemoryLimit: need.Total() - 1})
	var big *ErrTooBig
	if !errors.As(err, &big) || !strings.Contains(err.Error(), "GiB") {
		t.Fatalf("want ErrTooBig, got %v", err)
	}
	if _, err := Load(f, LoadOptions{ContextSize: 256, MemoryLimit: need.Total()}); err != nil {
		t.Fatalf("exact fit refused: %v", err)
	}
}

// Complete feeds llama.cpp's prompt tokens to stories260K and continues greedily: the
// golden tokens, and a second call reuses the cache.
func TestCompleteGolden(t *testing.T) {
	path := shared.Path(t, "models", "stories260K.gguf")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(f, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gj, _ := os.ReadFile(shared.Path(t, "golden", "stories260K.gguf.json"))
	var g struct {
		Cases []struct {
			PromptTokens    []int32 `json:"prompt_tokens"`
			GeneratedTokens []int32 `json:"generated_tokens"`
			GeneratedText   string  `json:"generated_text"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(gj, &g); err != nil {
		t.Fatal(err)
	}
	so := sample.DefaultOptions()
	so.Temperature = 0
	for i, c := range g.Cases {
		out, st, err := s.Complete(context.Background(), c.PromptTokens, 32, so, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(out) != fmt.Sprint(c.GeneratedTokens) || st.Text != c.GeneratedText {
			t.Fatalf("case %d: got %v %q, want %v %q", i, out, st.Text, c.GeneratedTokens, c.GeneratedText)
		}
		again, st2, _ := s.Complete(context.Background(), c.PromptTokens, 32, so, false, nil)
		if fmt.Sprint(again) != fmt.Sprint(out) || st2.CachedTokens != len(c.PromptTokens)-1 {
			t.Fatalf("repeat: cached %d, tokens %v", st2.CachedTokens, again)
		}
	}
}
