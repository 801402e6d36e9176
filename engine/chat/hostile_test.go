package chat

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/engine/chat/jinja"
	"hearth/internal/shared"
)

// hostileChatTemplates are templates a model file could carry to hang or crash the
// engine at load (the caps probe renders them) or at the first message.
var hostileChatTemplates = map[string]string{
	"nested loops":         "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}{{ messages[0].content }}",
	"huge string":          "{{ 'a' * 10000000000 }}",
	"recursive macro":      "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
	"huge range":           "{% for m in messages %}{{ range(10000000000)|length }}{% endfor %}",
	"a gigabyte of output": "{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}",
	"self-holding list":    "{% set l = [] %}{% set _ = l.append(l) %}{{ l }}",
	"doubled 40 times":     "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x|tojson }}",
	"deep brackets":        "{{ " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + " }}",
}

// TestHostileTemplatesAtLoad: each hostile template fails Parse (its probe goes over the
// probe's limits, or it does not compile) within a fraction of a second, with an error
// that names the limit, so the engine falls back to ChatML instead of hanging at load.
func TestHostileTemplatesAtLoad(t *testing.T) {
	for name, src := range hostileChatTemplates {
		t0 := time.Now()
		_, err := Parse(src)
		took := time.Since(t0)
		t.Logf("%s: %v: %v", name, took.Round(time.Millisecond), err)
		if err == nil || !strings.Contains(err.Error(), "limit exceeded") {
			t.Errorf("%s: Parse error %v, want a limit", name, err)
		}
		if took > time.Second {
			t.Errorf("%s: Parse took %v", name, took)
		}
	}
}

// A template that passes its probe but loops on what the user types: the render stops at
// the step limit, and a cancel (Ctrl-C, the browser's cancel) stops it sooner.
func TestHostileTemplateOnInput(t *testing.T) {
	tmpl, err := Parse("{% for m in messages %}{% if 'loop' in m.content %}" +
		"{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}" +
		"{% endif %}{{ m.content }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{{Role: "user", Content: "please loop"}}
	t0 := time.Now()
	_, err = tmpl.Render(msgs, RenderOptions{})
	if !errors.Is(err, jinja.ErrLimit) || !strings.Contains(err.Error(), "steps limit") {
		t.Errorf("render: %v, want the steps limit", err)
	}
	t.Logf("stopped by the step limit after %v", time.Since(t0))

	ctx, cancel := context.WithCancel(context.Background())
	yields := 0
	_, err = tmpl.RenderContext(ctx, msgs, RenderOptions{Yield: func() {
		if yields++; yields == 3 {
			cancel() // what the browser's cancel message does, delivered while the render yields
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled render: %v", err)
	}
	if yields != 3 {
		t.Errorf("%d yields, want the render to stop at the one that cancelled", yields)
	}
}

// The source rewrite (tojson, split) is bounded too: a megabyte of filters compiles in
// well under a second.
func TestHostileRewrite(t *testing.T) {
	for _, src := range []string{
		"{{ x" + strings.Repeat("|tojson", 140000) + " }}",
		strings.Repeat("{{ x|tojson|tojson|tojson }}", 35000),
		"{{ x" + strings.Repeat(".split('a', 1)", 70000) + " }}",
	} {
		t0 := time.Now()
		_, err := Parse(src)
		if d := time.Since(t0); d > time.Second {
			t.Errorf("Parse of %d bytes took %v (%v)", len(src), d, err)
		}
	}
}

// FuzzTemplate parses and renders arbitrary templates under the limits: no panic (the
// chat package turns one into a "panicked" error, which fails the fuzz), no limit
// passed unnoticed. Seeds: the real templates and the hostile ones. ./build.sh test runs
// it for a few seconds.
func FuzzTemplate(f *testing.F) {
	dirs := []string{filepath.Join("jinja", "testdata", "templates")}
	if d := shared.Find(); d != "" {
		dirs = append(dirs, filepath.Join(d, "templates"))
	}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.jinja"))
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(string(src), "Hi <think>x</think>")
			}
		}
	}
	for _, src := range hostileChatTemplates {
		f.Add(src, "loop")
	}
	for _, h := range []string{
		"{{ messages[0].content * 100000000 }}",
		"{% for c in messages[0].content %}{{ c * 1000 }}{% endfor %}",
		"{{ messages|tojson(indent=1000000000) }}",
		"{{ (messages[0].content ~ '{0}') .format(messages) }}",
		"{{ '%s' % messages }}{{ 1 // 0 }}",
	} {
		f.Add(h, strings.Repeat("ab", 100))
	}
	lim := probeLimits
	f.Fuzz(func(t *testing.T, src, content string) {
		tmpl, err := Parse(src)
		if err != nil {
			if strings.Contains(err.Error(), "panicked") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		var st jinja.Stats
		out, err := tmpl.Render([]Message{
			{Role: "system", Content: "S"},
			{Role: "user", Content: content},
			{Role: "assistant", Content: content, ToolCalls: []ToolCall{{ID: "c1", Function: ToolFunction{Name: "f", Arguments: `{"a": [1, 2]}`}}}},
			{Role: "tool", Content: "r", ToolCallID: "c1"},
			{Role: "user", Content: content},
		}, RenderOptions{AddGenerationPrompt: true, Limits: lim, Stats: &st})
		if err != nil && strings.Contains(err.Error(), "panicked") {
			t.Fatalf("Render panicked: %v", err)
		}
		if int64(len(out)) > lim.Output || st.Steps > lim.Steps+1<<16 || st.Memory > lim.Memory+lim.String || st.Depth > lim.Depth {
			t.Fatalf("render past its limits: %d bytes out, %+v", len(out), st)
		}
	})
}
