package engine

import (
	"encoding/json"
	"errors"
	"maps"

	"hearth/engine/tokenizer"
	"hearth/engine/toolcall"
)

// toolPlan is how one request uses its tools.
type toolPlan struct {
	format  toolcall.Format
	grammar string // a forced call's grammar ("" for auto)
}

// planTools prepares msgs and o for the request's tools: the template renders them (as
// the tools variable) or, for a template that knows no tools, a system message describes
// them and the generic JSON call form; with tool_choice "required" or a named function the
// reply is constrained to a call. It returns nil when the request has no tools in play.
func (s *Session) planTools(msgs []Message, o *Options) ([]Message, *toolPlan, error) {
	src := s.Template.Source()
	if !toolcall.TemplateKnowsTools(src) {
		msgs = genericHistory(msgs)
	}
	if len(o.Tools) == 0 || o.ToolChoice.Mode == "none" {
		return msgs, nil, nil
	}
	p := &toolPlan{format: toolcall.DetectFormat(src)}
	if toolcall.TemplateKnowsTools(src) {
		raw, err := json.Marshal(o.Tools)
		if err != nil {
			return nil, nil, err
		}
		ctx := maps.Clone(o.Context)
		if ctx == nil {
			ctx = map[string]any{}
		}
		ctx["tools"] = json.RawMessage(raw)
		o.Context = ctx
	} else {
		p.format = toolcall.Generic
		sys := toolcall.SystemPrompt(o.Tools)
		if len(msgs) > 0 && msgs[0].Role == "system" {
			first := msgs[0]
			first.Content = first.Content + "\n\n" + sys
			msgs = append([]Message{first}, msgs[1:]...)
		} else {
			msgs = append([]Message{{Role: "system", Content: sys}}, msgs...)
		}
	}
	if o.ToolChoice.Mode == "required" || o.ToolChoice.Mode == "function" {
		if o.Grammar != "" || len(o.JSONSchema) > 0 {
			return nil, nil, errors.New("a forced tool call cannot be combined with a grammar or a response format")
		}
		g, err := toolcall.Grammar(p.format, o.Tools, o.ToolChoice, markerIsText(s.Tokenizer, p.format.Marker()))
		if err != nil {
			return nil, nil, err
		}
		p.grammar = g
	}
	return msgs, p, nil
}

// markerIsText reports whether a call marker comes out of the model as text (a grammar can
// write it), rather than as a control token that detokenizes to nothing.
func markerIsText(t *tokenizer.Tokenizer, marker string) bool {
	for _, id := range t.Encode(marker, false, true) {
		if len(t.Piece(id, false)) == 0 {
			return false
		}
	}
	return true
}

// genericHistory writes earlier assistant calls into their message's text in the generic
// JSON form, for a template that knows no tool calls (it would drop them).
func genericHistory(msgs []Message) []Message {
	var out []Message
	for i, m := range msgs {
		if m.Role != "assistant" || len(m.ToolCalls) == 0 {
			continue
		}
		if out == nil {
			out = append([]Message(nil), msgs...)
		}
		text := m.Content
		for _, c := range m.ToolCalls {
			args := json.RawMessage(c.Function.Arguments)
			if !json.Valid(args) {
				args, _ = json.Marshal(c.Function.Arguments)
			}
			b, _ := json.Marshal(map[string]any{"tool_call": map[string]any{"name": c.Function.Name, "arguments": args}})
			if text != "" {
				text += "\n"
			}
			text += string(b)
		}
		out[i].Content, out[i].ToolCalls = text, nil
	}
	if out == nil {
		return msgs
	}
	return out
}
