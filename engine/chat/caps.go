package chat

import (
	"strings"
	"time"
)

// Probe texts, the same ones llama.cpp's caps probe uses, so that the answers agree.
const (
	systemNeedle = "<System Needle>"
	probeArgs    = `{"code": "print('Hello, World!')"}`
)

// probe finds what the template can take by rendering small conversations, as llama.cpp does
// when it loads a template: a system message whose text must come out, and a tool call whose
// object arguments must come out as JSON. A render error counts as "cannot".
func (t *Template) probe() {
	t.thinking = strings.Contains(t.src, "enable_thinking") || strings.Contains(t.src, "<think>")
	t.systemRole, t.objectArgs = true, false // render the probes as they are
	at := time.Date(2024, 7, 26, 12, 0, 0, 0, time.UTC)
	out, err := t.Render([]Message{
		{Role: "system", Content: systemNeedle},
		{Role: "user", Content: "Hey"},
	}, RenderOptions{Now: at})
	t.systemRole = err == nil && strings.Contains(out, systemNeedle)

	t.objectArgs = true
	out, err = t.Render([]Message{
		{Role: "user", Content: "Hey"},
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "call_1___", Function: ToolFunction{Name: "ipython", Arguments: probeArgs}}}},
		{Role: "tool", ToolCallID: "call_1___", Name: "ipython", Content: "Hello, World!"},
	}, RenderOptions{Now: at})
	t.objectArgs = err == nil && strings.Contains(out, probeArgs)
}
