package toolcall

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"

	"hearth/engine/chat"
)

// Parse splits a finished reply in format f into its text and its calls (fresh ids, NewID,
// unless the model wrote one). Text that does not parse as a call stays text.
func Parse(f Format, text string) (content string, calls []Call) {
	switch f {
	case Hermes:
		content, calls = parseTagged(text, "<tool_call>", "</tool_call>")
	case Mistral:
		content, calls = parseList(text, "[TOOL_CALLS]")
	case Granite:
		content, calls = parseList(text, "<|tool_call|>")
	case DeepSeekR1:
		content, calls = parseDeepSeek(text)
	}
	if len(calls) == 0 { // plain JSON: Llama 3.x, generic, and forced calls written without their marker
		if c, ok := parseJSONCalls(strings.TrimPrefix(strings.TrimSpace(text), "<|python_tag|>")); ok {
			content, calls = "", c
		} else if f != Hermes && f != Mistral && f != Granite && f != DeepSeekR1 {
			content = text
		}
		if r, ok := genericResponse(text); ok && len(calls) == 0 {
			content = r
		}
	}
	for i := range calls {
		calls[i].Type = "function"
		if calls[i].ID == "" {
			calls[i].ID = NewID()
			if f == Mistral { // its template takes exactly 9 letters and digits
				calls[i].ID = calls[i].ID[len("call_"):]
			}
		}
	}
	return content, calls
}

// NewID is a fresh call id, "call_" and 9 random letters and digits (unique across the
// turns of a conversation: templates match results to calls by id).
func NewID() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 9)
	for i := range b {
		b[i] = alnum[rand.IntN(len(alnum))]
	}
	return "call_" + string(b)
}

// firstJSON decodes the JSON value at the start of s (after blanks) and returns it with the
// rest of s.
func firstJSON(s string) (json.RawMessage, string, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	var v json.RawMessage
	if err := d.Decode(&v); err != nil {
		return nil, s, false
	}
	return v, s[d.InputOffset():], true
}

// callObject reads {"name": ..., "arguments"|"parameters": {...}, "id"?}.
func callObject(raw json.RawMessage) (Call, bool) {
	var o struct {
		Name       string          `json:"name"`
		Arguments  json.RawMessage `json:"arguments"`
		Parameters json.RawMessage `json:"parameters"`
		ID         string          `json:"id"`
		Function   *struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return Call{}, false
	}
	if o.Function != nil && o.Name == "" {
		o.Name, o.Arguments = o.Function.Name, o.Function.Arguments
	}
	args := o.Arguments
	if args == nil {
		args = o.Parameters
	}
	if o.Name == "" {
		return Call{}, false
	}
	return Call{ID: o.ID, Function: ToolFunctionOf(o.Name, args)}, true
}

// ToolFunctionOf makes a call's function with its arguments as compact JSON text (a JSON
// string holding JSON is unwrapped; no arguments are {}).
func ToolFunctionOf(name string, args json.RawMessage) (fn chat.ToolFunction) {
	fn.Name = name
	args = bytes.TrimSpace(args)
	var s string
	if len(args) > 0 && args[0] == '"' && json.Unmarshal(args, &s) == nil && json.Valid([]byte(s)) {
		args = []byte(s)
	}
	if len(args) == 0 || string(args) == "null" {
		args = []byte("{}")
	}
	var b bytes.Buffer
	if json.Compact(&b, args) == nil {
		fn.Arguments = b.String()
	} else {
		fn.Arguments = string(args)
	}
	return fn
}

// parseJSONCalls reads a reply that is only JSON calls: one call object, a list of them,
// or the generic {"tool_call": {...}} / {"tool_calls": [...]}.
func parseJSONCalls(s string) ([]Call, bool) {
	v, rest, ok := firstJSON(s)
	if !ok || strings.TrimSpace(rest) != "" {
		return nil, false
	}
	var wrap struct {
		ToolCall  json.RawMessage   `json:"tool_call"`
		ToolCalls []json.RawMessage `json:"tool_calls"`
	}
	if v[0] == '{' && json.Unmarshal(v, &wrap) == nil {
		switch {
		case wrap.ToolCall != nil:
			v = wrap.ToolCall
		case wrap.ToolCalls != nil:
			return callList(wrap.ToolCalls)
		}
	}
	if v[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(v, &list) != nil {
			return nil, false
		}
		return callList(list)
	}
	c, ok := callObject(v)
	if !ok {
		return nil, false
	}
	return []Call{c}, true
}

func callList(list []json.RawMessage) ([]Call, bool) {
	var calls []Call
	for _, raw := range list {
		c, ok := callObject(raw)
		if !ok {
			return nil, false
		}
		calls = append(calls, c)
	}
	return calls, len(calls) > 0
}

// genericResponse reads the generic form's {"response": "..."}.
func genericResponse(s string) (string, bool) {
	v, rest, ok := firstJSON(strings.TrimSpace(s))
	if !ok || strings.TrimSpace(rest) != "" || v[0] != '{' {
		return "", false
	}
	var o map[string]json.RawMessage
	if json.Unmarshal(v, &o) != nil || len(o) != 1 {
		return "", false
	}
	var r string
	if raw, ok := o["response"]; ok && json.Unmarshal(raw, &r) == nil {
		return r, true
	}
	return "", false
}

// parseTagged reads open{json}close blocks (close may be missing at the very end).
func parseTagged(text, open, close string) (string, []Call) {
	var content strings.Builder
	var calls []Call
	rest := text
	for {
		i := strings.Index(rest, open)
		if i < 0 {
			content.WriteString(rest)
			break
		}
		content.WriteString(rest[:i])
		body := rest[i+len(open):]
		end := strings.Index(body, close)
		next := ""
		if end >= 0 {
			body, next = body[:end], body[end+len(close):]
		}
		v, tail, ok := firstJSON(body)
		c, okc := callObject(v)
		if !ok || !okc || strings.TrimSpace(tail) != "" {
			return text, nil
		}
		calls = append(calls, c)
		rest = next
	}
	return strings.TrimSpace(content.String()), calls
}

// parseList reads marker[{call}, ...].
func parseList(text, marker string) (string, []Call) {
	i := strings.Index(text, marker)
	if i < 0 {
		return text, nil
	}
	calls, ok := parseJSONCalls(strings.TrimSpace(text[i+len(marker):]))
	if !ok {
		return text, nil
	}
	return strings.TrimSpace(text[:i]), calls
}

// parseDeepSeek reads DeepSeek R1's call blocks.
func parseDeepSeek(text string) (string, []Call) {
	i := strings.Index(text, dsCallBegin)
	if i < 0 {
		return text, nil
	}
	content := strings.TrimSpace(strings.TrimSuffix(text[:i], dsCallsBegin))
	var calls []Call
	rest := text[i:]
	for strings.HasPrefix(rest, dsCallBegin) {
		rest = rest[len(dsCallBegin):]
		sep := strings.Index(rest, dsSep)
		nl := strings.Index(rest, "\n")
		if sep < 0 || nl < sep {
			return text, nil
		}
		name := rest[sep+len(dsSep) : nl]
		body := strings.TrimPrefix(rest[nl+1:], "```json")
		v, tail, ok := firstJSON(body)
		if !ok {
			return text, nil
		}
		tail = strings.TrimPrefix(strings.TrimSpace(tail), "```")
		tail = strings.TrimPrefix(tail, dsCallEnd)
		calls = append(calls, Call{Function: ToolFunctionOf(name, v)})
		rest = tail
	}
	return content, calls
}
