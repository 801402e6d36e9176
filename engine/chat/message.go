package chat

import (
	"strings"

	"hearth/engine/chat/jinja"
)

// Message is one turn of a conversation, in OpenAI's chat format.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
	// ReasoningContent is an assistant turn's earlier <think> text, when kept apart from
	// Content. Templates that know it (Qwen3) read it; when empty they split Content on
	// </think> themselves, and most drop earlier reasoning either way.
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID       string     `json:"tool_call_id,omitempty"` // on a "tool" message: the call it answers
	Name             string     `json:"name,omitempty"`
}

// ToolCall is a function call made by an assistant turn.
type ToolCall struct {
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"` // "function" when empty
	Function ToolFunction `json:"function"`
}

// ToolFunction names the function and holds its arguments as JSON text, as OpenAI's API does.
type ToolFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// value builds the message as the template sees it: role and content always (content is a
// string even on tool-call turns, as llama.cpp passes it), the other fields only when set, so
// `message.reasoning_content is defined` and `'tool_calls' in message` mean what templates
// expect. With objectArgs, arguments that parse as a JSON object are passed as one (HF's
// convention, which templates that `tojson` the arguments need); otherwise as the JSON text.
func (m Message) value(objectArgs bool) jinja.Value {
	v := jinja.NewDict()
	d := v.AsDict()
	d.Set("role", jinja.NewString(m.Role))
	d.Set("content", jinja.NewString(m.Content))
	if m.ReasoningContent != "" {
		d.Set("reasoning_content", jinja.NewString(m.ReasoningContent))
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]jinja.Value, len(m.ToolCalls))
		for i, tc := range m.ToolCalls {
			c := jinja.NewDict()
			typ := tc.Type
			if typ == "" {
				typ = "function"
			}
			fn := jinja.NewDict()
			fn.AsDict().Set("name", jinja.NewString(tc.Function.Name))
			args := jinja.NewString(tc.Function.Arguments)
			if objectArgs && strings.HasPrefix(strings.TrimSpace(tc.Function.Arguments), "{") {
				if obj, err := decodeJSON([]byte(tc.Function.Arguments)); err == nil {
					args = obj
				}
			}
			fn.AsDict().Set("arguments", args)
			c.AsDict().Set("type", jinja.NewString(typ))
			c.AsDict().Set("function", fn)
			if tc.ID != "" {
				c.AsDict().Set("id", jinja.NewString(tc.ID))
			}
			calls[i] = c
		}
		d.Set("tool_calls", jinja.NewList(calls))
	}
	if m.ToolCallID != "" {
		d.Set("tool_call_id", jinja.NewString(m.ToolCallID))
	}
	if m.Name != "" {
		d.Set("name", jinja.NewString(m.Name))
	}
	return v
}
