package chat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"hearth/internal/shared"
)

func sharedTemplate(t *testing.T, name string) *Template {
	t.Helper()
	src, err := os.ReadFile(shared.Path(t, "templates", name))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// TestEarlierReasoningDropped renders a conversation whose earlier assistant turn carries its
// reasoning, inline or as reasoning_content: the R1 and Qwen3 templates must keep only the
// answer of that turn.
func TestEarlierReasoningDropped(t *testing.T) {
	const secret = "SECRET-REASONING"
	inline := []Message{
		{Role: "user", Content: "Think: 1+1?"},
		{Role: "assistant", Content: "<think>\n" + secret + "\n</think>\n\nvisible answer"},
		{Role: "user", Content: "And 2+2?"},
	}
	separate := []Message{inline[0], {Role: "assistant", Content: "visible answer", ReasoningContent: secret}, inline[2]}
	for _, name := range []string{
		"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
		"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja",
		"llama-cpp-deepseek-r1.jinja",
		"Qwen-Qwen3-0.6B.jinja",
	} {
		tmpl := sharedTemplate(t, name)
		for i, msgs := range [][]Message{inline, separate} {
			out, err := tmpl.Render(msgs, RenderOptions{AddGenerationPrompt: true})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if strings.Contains(out, secret) || !strings.Contains(out, "visible answer") || !strings.Contains(out, "And 2+2?") {
				t.Errorf("%s (conversation %d): earlier reasoning not dropped:\n%s", name, i, out)
			}
		}
	}
	// The check can fail: a template that keeps reasoning (plain ChatML) shows it.
	tmpl, err := Parse(ChatML)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := tmpl.Render(inline, RenderOptions{}); !strings.Contains(out, secret) {
		t.Errorf("ChatML dropped the reasoning: %q", out)
	}
}

// TestGoldenTails checks StopStrings and OpensThink on llama.cpp's renders: after the earlier
// assistant answer in conversation B comes the template's first stop string (or eos_token,
// for templates that end turns with it), and only the R1 prompts end inside <think>.
func TestGoldenTails(t *testing.T) {
	dir, g, _ := loadGolden(t)
	r1 := map[string]bool{
		"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": true,
		"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja": true,
		"llama-cpp-deepseek-r1.jinja":                    true,
	}
	for _, c := range g.Cases {
		if got := OpensThink(*c.Rendered); got != r1[c.Template] {
			t.Errorf("%s/%s: OpensThink = %v", c.Template, c.Conversation, got)
		}
		if c.Conversation != "B" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, c.Template))
		if err != nil {
			t.Fatal(err)
		}
		_, after, ok := strings.Cut(*c.Rendered, "2+2 = 4.")
		if !ok {
			t.Fatalf("%s: no earlier answer in %q", c.Template, *c.Rendered)
		}
		stops := StopStrings(string(src))
		if len(stops) == 0 {
			if !strings.Contains(string(src), "eos_token") || !strings.HasPrefix(after, c.EOS) {
				t.Errorf("%s: no stop string, and the turn does not end with eos_token: %q", c.Template, after)
			}
			continue
		}
		if !strings.HasPrefix(after, stops[0]) {
			t.Errorf("%s: turn ends %q, stop strings %q", c.Template, after, stops)
		}
	}
}

func TestStopStrings(t *testing.T) {
	for name, want := range map[string][]string{
		"Qwen-Qwen2.5-7B-Instruct.jinja":                 {"<|im_end|>"},
		"Qwen-Qwen3-0.6B.jinja":                          {"<|im_end|>"},
		"HuggingFaceTB-SmolLM3-3B.jinja":                 {"<|im_end|>"},
		"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": {"<｜end▁of▁sentence｜>"},
		"meta-llama-Llama-3.1-8B-Instruct.jinja":         {"<|eot_id|>", "<|eom_id|>"},
		"meta-llama-Llama-3.2-3B-Instruct.jinja":         {"<|eot_id|>"},
		"microsoft-Phi-3.5-mini-instruct.jinja":          {"<|end|>"},
		"google-gemma-2-2b-it.jinja":                     {"<end_of_turn>"},
		"ibm-granite-granite-3.3-2B-Instruct.jinja":      {"<|end_of_text|>"},
		"mistralai-Mistral-Nemo-Instruct-2407.jinja":     {},
		"chatml.jinja": {"<|im_end|>"},
	} {
		src, err := os.ReadFile(shared.Path(t, "templates", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := StopStrings(string(src)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if got := StopStrings(ChatML); !reflect.DeepEqual(got, []string{"<|im_end|>"}) {
		t.Errorf("ChatML: %q", got)
	}
}

// TestForModel checks the choice and that the ChatML fallback renders what llama.cpp's
// fallback rendered (the chatml.jinja golden cases).
func TestForModel(t *testing.T) {
	src, note := ForModel("qwen2", "{{ messages }}")
	if src != "{{ messages }}" || !strings.Contains(note, "GGUF") {
		t.Errorf("GGUF template not used: %q, %q", src, note)
	}
	for _, gguf := range []string{"", "  \n", "chatml"} {
		src, note = ForModel("llama", gguf)
		if src != ChatML || !strings.Contains(note, "ChatML") || !strings.Contains(note, "llama") {
			t.Errorf("fallback for %q: %q, %q", gguf, src, note)
		}
	}
	_, g, now := loadGolden(t)
	tmpl, err := Parse(ChatML)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range g.Cases {
		if c.Template != "chatml.jinja" {
			continue
		}
		n++
		got, err := tmpl.Render(c.Messages, c.options(now))
		if err != nil || got != *c.Rendered {
			t.Errorf("conversation %s: got %q, %v; want %q", c.Conversation, got, err, *c.Rendered)
		}
	}
	if n == 0 {
		t.Error("no chatml golden cases")
	}
}

func TestRenderDefaults(t *testing.T) {
	tmpl, err := Parse("{{ date_string }}|{{ datetime }}|{{ strftime_now('%Y') }}|{{ enable_thinking }}|{{ add_generation_prompt is defined }}|{{ bos_token }}{{ eos_token }}<think>")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	got, err := tmpl.Render(nil, RenderOptions{BOS: "<s>", EOS: "</s>", Now: now})
	if want := "04 Mar 2025|Mar 04 2025|2025|True|False|<s></s><think>"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	got, err = tmpl.Render(nil, RenderOptions{AddGenerationPrompt: true, Now: now, Context: map[string]any{
		"enable_thinking": false, "date_string": json.RawMessage(`"pinned"`),
	}})
	if want := "pinned|Mar 04 2025|2025|False|True|<think>"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := tmpl.Render(nil, RenderOptions{Context: map[string]any{"x": make(chan int)}}); err == nil {
		t.Error("a channel in the context was accepted")
	}
}

func TestContextValues(t *testing.T) {
	tmpl, err := Parse("{{ tools | tojson }}|{{ m | tojson }}|{{ n }}|{{ l | tojson }}|{{ none_v is none }}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(nil, RenderOptions{Context: map[string]any{
		"tools":  json.RawMessage(`[{"z": 1, "a": {"y": 2.0, "b": [true, null]}}]`),
		"m":      map[string]int{"b": 2, "a": 1},
		"n":      uint8(7),
		"l":      []float32{0.5, 2},
		"none_v": nil,
	}})
	want := `[{"z": 1, "a": {"y": 2.0, "b": [true, null]}}]|{"a": 1, "b": 2}|7|[0.5, 2.0]|True`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	for _, bad := range []string{`{"a":`, `[1] 2`, `{"a" 1}`} {
		if _, err := tmpl.Render(nil, RenderOptions{Context: map[string]any{"tools": json.RawMessage(bad)}}); err == nil {
			t.Errorf("bad JSON %q accepted", bad)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{"", "\n", "{% if x %}", "{{ x ", "{% for %}{% endfor %}", "{% endif %}"} {
		if _, err := Parse(src); err == nil {
			t.Errorf("Parse(%q): no error", src)
		}
	}
	tmpl, err := Parse("{{ raise_exception('bad turn order') }}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Render(nil, RenderOptions{}); err == nil || !strings.Contains(err.Error(), "bad turn order") {
		t.Errorf("raise_exception: %v", err)
	}
}

func TestMergeSystem(t *testing.T) {
	sys := Message{Role: "system", Content: "S"}
	user := Message{Role: "user", Content: "U"}
	if got := mergeSystem([]Message{sys, user}); len(got) != 1 || got[0].Content != "S\nU" || got[0].Role != "user" {
		t.Errorf("merge: %+v", got)
	}
	if got := mergeSystem([]Message{sys}); len(got) != 0 {
		t.Errorf("lone system: %+v", got)
	}
	in := []Message{user, sys}
	if got := mergeSystem(in); !reflect.DeepEqual(got, in) {
		t.Errorf("later system changed: %+v", got)
	}
	orig := []Message{sys, user}
	mergeSystem(orig)
	if orig[1].Content != "U" {
		t.Error("mergeSystem changed its input")
	}
}

func TestTrimAddedTokens(t *testing.T) {
	for _, c := range []struct {
		prompt         string
		addBOS, addEOS bool
		want           string
	}{
		{"<s><s>[INST]hi[/INST]</s>", true, false, "<s>[INST]hi[/INST]</s>"},
		{"<s>[INST]hi[/INST]</s></s>", false, true, "<s>[INST]hi[/INST]</s>"},
		{"<s>x</s>", true, true, "x"},
		{"<s>x</s>", false, false, "<s>x</s>"},
		{"x", true, true, "x"},
	} {
		if got := TrimAddedTokens(c.prompt, "<s>", "</s>", c.addBOS, c.addEOS); got != c.want {
			t.Errorf("%q (bos %v, eos %v): got %q, want %q", c.prompt, c.addBOS, c.addEOS, got, c.want)
		}
	}
	if got := TrimAddedTokens("abc", "", "", true, true); got != "abc" {
		t.Errorf("empty tokens trimmed: %q", got)
	}
}
