package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"hearth/engine/chat/jinja"
	"hearth/internal/shared"
)

// realTemplates are the chat templates of real models at hand: shared/templates (when
// present) and the Jinja library's own test set (jinja/testdata/templates).
func realTemplates(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	dirs := []string{filepath.Join("jinja", "testdata", "templates")}
	if d := shared.Find(); d != "" {
		dirs = append(dirs, filepath.Join(d, "templates"))
	}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.jinja"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(f)] = string(src)
		}
	}
	if len(out) < 15 {
		t.Fatalf("only %d real templates found", len(out))
	}
	return out
}

// longConversation is a conversation far longer than a small model's context: turns
// of about a kilobyte, tool calls and their results, earlier reasoning, and tools.
func longConversation(t *testing.T, turns int) ([]Message, json.RawMessage) {
	t.Helper()
	var conv struct {
		Messages []Message        `json:"messages"`
		Tools    []map[string]any `json:"tools"`
	}
	readJSON(t, filepath.Join("testdata", "tool_conversation.json"), &conv)
	para := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 18)
	msgs := []Message{{Role: "system", Content: "You are a helpful assistant. " + para}}
	for i := range turns {
		msgs = append(msgs, Message{Role: "user", Content: fmt.Sprintf("Question %d: %s", i, para)})
		if i%3 == 1 {
			msgs = append(msgs, conv.Messages[1], conv.Messages[2])
		}
		msgs = append(msgs, Message{Role: "assistant", Content: "<think>\nLet me see.\n</think>\n\nAnswer: " + para})
	}
	msgs = append(msgs, Message{Role: "user", Content: "And finally?"})
	var tools []map[string]any
	for i := range 20 {
		for _, tool := range conv.Tools {
			fn := map[string]any{}
			for k, v := range tool["function"].(map[string]any) {
				fn[k] = v
			}
			fn["name"] = fmt.Sprintf("tool_%d", i)
			tools = append(tools, map[string]any{"type": "function", "function": fn})
		}
	}
	raw, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	return msgs, raw
}

// TestRealTemplatesWithinLimits renders every real template with its load probe and
// with a long conversation (200 turns with tools and tool calls, ~230 KB): each renders,
// or fails with the template's own error, never a limit, and uses under half of each
// limit. The table it logs is what the limits were sized from. Natively it also renders
// 600 turns (~650 KB, past any context Hearth runs), which must not hit a limit either:
// some real templates are quadratic in the number of messages.
func TestRealTemplatesWithinLimits(t *testing.T) {
	now := time.Date(2024, 7, 26, 12, 0, 0, 0, time.UTC)
	names := []string{}
	templates := realTemplates(t)
	for name := range templates {
		names = append(names, name)
	}
	sort.Strings(names)
	turns := []int{200}
	if runtime.GOOS != "js" {
		turns = append(turns, 600)
	}
	worst := map[string]float64{}
	for _, n := range turns {
		msgs, tools := longConversation(t, n)
		for _, name := range names {
			tmpl, err := Parse(templates[name])
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			// The probe's own conversations, under the probe's limits.
			var probe jinja.Stats
			for _, conv := range [][]Message{
				{{Role: "user", Content: "Hey"}},
				{{Role: "system", Content: systemNeedle}, {Role: "user", Content: "Hey"}},
			} {
				var st jinja.Stats
				_, err := tmpl.Render(conv, RenderOptions{Now: now, Limits: probeLimits, Stats: &st, AddGenerationPrompt: true})
				if errors.Is(err, jinja.ErrLimit) {
					t.Errorf("%s: probe: %v", name, err)
				}
				probe.Steps = max(probe.Steps, st.Steps)
				probe.Memory = max(probe.Memory, st.Memory)
			}
			var st jinja.Stats
			_, err = tmpl.Render(msgs, RenderOptions{
				Now: now, AddGenerationPrompt: true, Stats: &st,
				Context: map[string]any{"tools": tools, "enable_thinking": true},
			})
			if err != nil && !errors.Is(err, jinja.ErrLimit) {
				// The template refuses this form of tool call: the conversation without them.
				var plain []Message
				for _, m := range msgs {
					if m.Role != "tool" && len(m.ToolCalls) == 0 {
						plain = append(plain, m)
					}
				}
				_, err = tmpl.Render(plain, RenderOptions{Now: now, AddGenerationPrompt: true, Stats: &st,
					Context: map[string]any{"enable_thinking": true}})
			}
			if errors.Is(err, jinja.ErrLimit) {
				t.Errorf("%d turns, %s: %v", n, name, err)
				continue
			}
			lim := st.Limits
			share := map[string]float64{
				"steps":        float64(st.Steps) / float64(lim.Steps),
				"memory":       float64(st.Memory) / float64(lim.Memory),
				"output":       float64(st.Output) / float64(lim.Output),
				"depth":        float64(st.Depth) / float64(lim.Depth),
				"probe steps":  float64(probe.Steps) / float64(probeLimits.Steps),
				"probe memory": float64(probe.Memory) / float64(probeLimits.Memory),
			}
			for k, v := range share {
				if n == 200 {
					worst[k] = max(worst[k], v)
					if v > 0.5 {
						t.Errorf("%s: uses %.0f%% of its %s limit", name, 100*v, k)
					}
				}
			}
			errText := ""
			if err != nil {
				errText = "(the template's own error: " + err.Error() + ")"
			}
			t.Logf("%d turns %-45s steps %7d of %8d, memory %5.1f of %5.1f MB, output %4.0f KB, depth %2d | probe steps %4d %.60s",
				n, name, st.Steps, lim.Steps, float64(st.Memory)/(1<<20), float64(lim.Memory)/(1<<20), float64(st.Output)/1024, st.Depth, probe.Steps, errText)
		}
	}
	t.Logf("largest share of a limit at 200 turns: %v", worst)
}
