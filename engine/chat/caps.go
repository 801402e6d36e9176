package chat

import (
	"errors"
	"strings"
	"time"

	"hearth/engine/chat/jinja"
)

// Probe texts, the same ones llama.cpp's caps probe uses, so that the answers agree.
const (
	systemNeedle = "<System Needle>"
	probeArgs    = `{"code": "print('Hello, World!')"}`
)

// probeLimits bound each test render at load. The probe conversations are tiny, so they
// are a fraction of a render's limits (the real templates take under 3,000 steps on
// them): a hostile template costs the load well under a second, in the browser too.
var probeLimits = jinja.Limits{Steps: 1 << 17, Output: 1 << 20, String: 1 << 20, List: 1 << 16, Memory: 8 << 20, Depth: 200}

// probe finds what the template can take by rendering small conversations, as llama.cpp does
// when it loads a template: a system message whose text must come out, and a tool call whose
// object arguments must come out as JSON. A render error there counts as "cannot"; a
// template that goes over its limits on any of them, or on one user message, fails the
// probe.
func (t *Template) probe() error {
	t.thinking = strings.Contains(t.src, "enable_thinking") || strings.Contains(t.src, "<think>")
	t.systemRole, t.objectArgs = true, false // render the probes as they are
	at := time.Date(2024, 7, 26, 12, 0, 0, 0, time.UTC)
	opts := RenderOptions{Now: at, Limits: probeLimits}
	plain := opts
	plain.AddGenerationPrompt = true
	if _, err := t.Render([]Message{{Role: "user", Content: "Hey"}}, plain); errors.Is(err, jinja.ErrLimit) {
		return limitOf(err)
	}

	out, err := t.Render([]Message{
		{Role: "system", Content: systemNeedle},
		{Role: "user", Content: "Hey"},
	}, opts)
	if errors.Is(err, jinja.ErrLimit) {
		return limitOf(err)
	}
	t.systemRole = err == nil && strings.Contains(out, systemNeedle)

	t.objectArgs = true
	out, err = t.Render([]Message{
		{Role: "user", Content: "Hey"},
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "call_1___", Function: ToolFunction{Name: "ipython", Arguments: probeArgs}}}},
		{Role: "tool", ToolCallID: "call_1___", Name: "ipython", Content: "Hello, World!"},
	}, opts)
	if errors.Is(err, jinja.ErrLimit) {
		return limitOf(err)
	}
	t.objectArgs = err == nil && strings.Contains(out, probeArgs)
	return nil
}

// limitOf is the *jinja.LimitError inside err.
func limitOf(err error) error {
	var le *jinja.LimitError
	if errors.As(err, &le) {
		return le
	}
	return err
}
