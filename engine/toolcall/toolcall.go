// Package toolcall is function calling for chat models: the OpenAI-style tools and
// tool_choice of a request, the call format a model's chat template teaches it (Hermes /
// Qwen2.5 / Qwen3 `<tool_call>{json}</tool_call>`, Llama 3.x `{"name": ..., "parameters":
// ...}`, Mistral `[TOOL_CALLS][...]`, Granite `<|tool_call|>[...]`, DeepSeek R1's
// `<｜tool▁call▁begin｜>` blocks, and a generic JSON form for templates that know no tools),
// the grammar that makes a forced call parse (its arguments follow each tool's parameter
// schema), and the parser that turns the model's text back into tool calls.
package toolcall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"hearth/engine/chat"
	"hearth/engine/jsonschema"
)

// Tool is one entry of a request's tools: {"type": "function", "function": {...}}.
type Tool struct {
	Type     string   `json:"type"`
	Function Function `json:"function"`
}

// Function describes a callable function; Parameters is its arguments' JSON schema.
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// Call is a parsed tool call, in OpenAI's shape (Arguments is JSON text).
type Call = chat.ToolCall

// Choice is tool_choice: "auto" (the model decides), "none" (no tools), "required" (at
// least one call), or one named function (Name set, Mode "function").
type Choice struct {
	Mode string
	Name string
}

// ParseTools reads a request's tools (a JSON array) and checks them.
func ParseTools(raw []byte) ([]Tool, error) {
	var tools []Tool
	if err := json.Unmarshal(raw, &tools); err != nil {
		return nil, fmt.Errorf("tools: %v", err)
	}
	seen := map[string]bool{}
	for i, t := range tools {
		if t.Type != "" && t.Type != "function" {
			return nil, fmt.Errorf("tools[%d]: type %q is not supported (only \"function\")", i, t.Type)
		}
		if t.Function.Name == "" {
			return nil, fmt.Errorf("tools[%d]: function.name is missing", i)
		}
		if seen[t.Function.Name] {
			return nil, fmt.Errorf("tools[%d]: function %q is listed twice", i, t.Function.Name)
		}
		seen[t.Function.Name] = true
		tools[i].Type = "function"
	}
	return tools, nil
}

// ParseChoice reads tool_choice: a string, or {"type": "function", "function": {"name": ...}}.
// Empty means "auto".
func ParseChoice(raw []byte, tools []Tool) (Choice, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Choice{Mode: "auto"}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto", "none", "required":
			if s == "required" && len(tools) == 0 {
				return Choice{}, errors.New(`tool_choice "required" needs tools`)
			}
			return Choice{Mode: s}, nil
		}
		return Choice{}, fmt.Errorf("tool_choice %q: use auto, none, required or {\"type\": \"function\", \"function\": {\"name\": ...}}", s)
	}
	var named struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &named); err != nil || named.Function.Name == "" {
		return Choice{}, errors.New(`tool_choice: use auto, none, required or {"type": "function", "function": {"name": ...}}`)
	}
	for _, t := range tools {
		if t.Function.Name == named.Function.Name {
			return Choice{Mode: "function", Name: named.Function.Name}, nil
		}
	}
	return Choice{}, fmt.Errorf("tool_choice names %q, which is not among the tools", named.Function.Name)
}

// Format is how a model writes its calls.
type Format int

const (
	Generic    Format = iota // {"tool_call": {"name": ..., "arguments": {...}}} (the tools go in a system message)
	Hermes                   // <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call> (Qwen2.5, Qwen3, Hermes)
	Llama3                   // {"name": ..., "parameters": {...}} (Llama 3.1/3.2)
	Mistral                  // [TOOL_CALLS][{"name": ..., "arguments": {...}, "id": "abcdefghi"}]
	Granite                  // <|tool_call|>[{"name": ..., "arguments": {...}}]
	DeepSeekR1               // <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>
)

func (f Format) String() string {
	return [...]string{"generic", "hermes", "llama3", "mistral", "granite", "deepseek-r1"}[f]
}

const (
	dsCallsBegin = "<｜tool▁calls▁begin｜>"
	dsCallBegin  = "<｜tool▁call▁begin｜>"
	dsSep        = "<｜tool▁sep｜>"
	dsCallEnd    = "<｜tool▁call▁end｜>"
	dsCallsEnd   = "<｜tool▁calls▁end｜>"
)

// DetectFormat picks the call format a chat template teaches (by the markers its source
// writes); a template that never mentions tools gets Generic.
func DetectFormat(template string) Format {
	switch {
	case strings.Contains(template, "<tool_call>"):
		return Hermes
	case strings.Contains(template, "[TOOL_CALLS]"):
		return Mistral
	case strings.Contains(template, "<|tool_call|>"):
		return Granite
	case strings.Contains(template, dsCallBegin):
		return DeepSeekR1
	case strings.Contains(template, `"parameters"`) && strings.Contains(template, "tools"):
		return Llama3
	}
	return Generic
}

// TemplateKnowsTools reports whether a template renders the tools itself; otherwise the
// caller adds SystemPrompt's text.
func TemplateKnowsTools(template string) bool {
	return strings.Contains(template, "tools")
}

// SystemPrompt describes the tools and the generic call form, for templates that do not
// render tools.
func SystemPrompt(tools []Tool) string {
	fns := make([]Function, len(tools))
	for i, t := range tools {
		fns[i] = t.Function
	}
	b, _ := json.MarshalIndent(fns, "", "  ")
	return "You can call these functions:\n" + string(b) + "\n\n" +
		`To call one, answer with only a JSON object: {"tool_call": {"name": "<function name>", "arguments": {<arguments>}}}. Otherwise answer normally.`
}

// Marker is the text that starts a call in the format ("" when a call is plain JSON).
func (f Format) Marker() string {
	switch f {
	case Hermes:
		return "<tool_call>"
	case Mistral:
		return "[TOOL_CALLS]"
	case Granite:
		return "<|tool_call|>"
	case DeepSeekR1:
		return dsCallsBegin
	}
	return ""
}

// Grammar is GBNF for a forced call (choice "required" or one function) in format f:
// the call's name is one of the allowed tools and its arguments follow that tool's
// parameters schema. withMarker leaves the format's marker out when false (a model whose
// vocabulary has the marker as a control token, which a grammar over text cannot write;
// Parse accepts the call without it).
func Grammar(f Format, tools []Tool, choice Choice, withMarker bool) (string, error) {
	b := jsonschema.NewBuilder()
	var calls []string
	for _, t := range tools {
		if choice.Mode == "function" && t.Function.Name != choice.Name {
			continue
		}
		params := t.Function.Parameters
		if len(bytes.TrimSpace(params)) == 0 || string(bytes.TrimSpace(params)) == "null" {
			params = []byte(`{"type":"object"}`)
		}
		args, err := b.Add(t.Function.Name+"-args", params)
		if err != nil {
			return "", fmt.Errorf("tool %q: %w", t.Function.Name, err)
		}
		name, _ := json.Marshal(t.Function.Name)
		lit := func(s string) string { return gbnfString(s) }
		var body string
		switch f {
		case Hermes, Granite, Generic:
			body = lit(`{"name": `+string(name)+`, "arguments": `) + " " + args + " " + lit("}")
		case Llama3:
			body = lit(`{"name": `+string(name)+`, "parameters": `) + " " + args + " " + lit("}")
		case Mistral:
			body = lit(`{"name": `+string(name)+`, "arguments": `) + " " + args + " " + lit(`, "id": "`) + ` [a-zA-Z0-9]{9} ` + lit(`"}`)
		case DeepSeekR1:
			body = lit(dsCallBegin+"function"+dsSep+t.Function.Name+"\n```json\n") + " " + args + " " + lit("\n```"+dsCallEnd)
		}
		calls = append(calls, b.Rule(t.Function.Name+"-call", body))
	}
	if len(calls) == 0 {
		return "", errors.New("no tool to call")
	}
	call := b.Rule("call", strings.Join(calls, " | "))
	marker := func(s string) string {
		if withMarker {
			return gbnfString(s) + " "
		}
		return ""
	}
	var root string
	switch f {
	case Hermes:
		one := gbnfString("<tool_call>\n") + " " + call + " " + gbnfString("\n</tool_call>")
		if !withMarker {
			one = call
		}
		root = one + ` ("\n" ` + one + ")*"
	case Generic:
		root = gbnfString(`{"tool_call": `) + " " + call + " " + gbnfString("}")
	case Llama3:
		root = call
	case Mistral, Granite:
		root = marker(f.Marker()) + `"[" ` + call + ` (", " ` + call + `)* "]"`
	case DeepSeekR1:
		root = marker(dsCallsBegin) + call + " " + call + "* " + marker(dsCallsEnd)
	}
	return b.Source(root), nil
}

func gbnfString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}
