package engine

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hearth/engine/chat/jinja"
	"hearth/engine/gguf"
	"hearth/engine/model"
	"hearth/engine/synth"
)

// tinyFile is the synth tiny model with its chat template replaced by tmpl ("" keeps it).
func tinyFile(t testing.TB, tmpl string) *gguf.File {
	t.Helper()
	w, err := synth.Build(synth.Options{Shape: synth.Shapes["tiny"], Type: "Q8_0", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if tmpl != "" {
		w.Set("tokenizer.chat_template", tmpl)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The memory estimate and the allocation size the same context, whatever is asked.
func TestMemoryNeededMatchesAllocation(t *testing.T) {
	f := tinyFile(t, "")
	for _, req := range []int{0, 1, 100, 256, 10000} {
		need, err := MemoryNeeded(f, req)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Load(f, LoadOptions{ContextSize: req})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Model.Config.KVBytes(s.ContextSize(), model.KVF16); got != need.KVCache || s.ContextSize() != s.Model.Config.ContextSize(req) {
			t.Errorf("context %d: the session holds %d tokens (%d bytes of KV cache), the estimate counts %d bytes",
				req, s.ContextSize(), got, need.KVCache)
		}
	}
}

// A model whose chat template goes over its limits at load falls back to ChatML with a
// note saying why, in well under a second, and chats.
func TestLoadHostileTemplate(t *testing.T) {
	for _, tmpl := range []string{
		"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
		"{{ 'a' * 10000000000 }}",
		"{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
	} {
		t0 := time.Now()
		s, err := Load(tinyFile(t, tmpl), LoadOptions{ContextSize: 128})
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(t0); took > time.Second {
			t.Errorf("load took %v", took)
		}
		if !strings.Contains(s.TemplateNote, "limit exceeded") || !strings.Contains(s.TemplateNote, "ChatML") {
			t.Errorf("note %q", s.TemplateNote)
		}
		if _, err := s.Generate(context.Background(), []Message{{Role: "user", Content: "hi"}}, greedy(2), nil); err != nil {
			t.Errorf("generate with the fallback template: %v", err)
		}
	}
}

// A template that passes its probe but loops on what the user types: Generate ends with
// the template's limit as a clear error, and a cancel (Ctrl-C, the browser's cancel,
// delivered while the render yields) stops the render with StopCancelled.
func TestGenerateHostileTemplateOnInput(t *testing.T) {
	s, err := Load(tinyFile(t, "{% for m in messages %}{% if 'loop' in m.content %}"+
		"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"+
		"{% endif %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n"), LoadOptions{ContextSize: 128})
	if err != nil {
		t.Fatal(err)
	}
	if s.TemplateNote != "" {
		t.Fatalf("note %q: the template should pass its probe", s.TemplateNote)
	}
	msgs := []Message{{Role: "user", Content: "please loop"}}
	t0 := time.Now()
	_, err = s.Generate(context.Background(), msgs, greedy(2), nil)
	if !errors.Is(err, jinja.ErrLimit) || !strings.Contains(err.Error(), "steps limit") {
		t.Errorf("generate: %v, want the template's steps limit", err)
	}
	if took := time.Since(t0); took > 2*time.Second {
		t.Errorf("took %v", took)
	}

	ctx, cancel := context.WithCancel(context.Background())
	yields := 0
	s.Yield = func() {
		if yields++; yields == 3 {
			cancel()
		}
	}
	st, err := s.Generate(ctx, msgs, greedy(2), nil)
	if !errors.Is(err, context.Canceled) || st == nil || st.StopReason != StopCancelled {
		t.Errorf("cancelled generate: %+v, %v", st, err)
	}
	s.Yield = nil
	if _, err := s.Generate(context.Background(), []Message{{Role: "user", Content: "hi"}}, greedy(2), nil); err != nil {
		t.Errorf("the session after a cancel: %v", err)
	}
}
