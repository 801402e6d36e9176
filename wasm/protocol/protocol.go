// Package protocol is the engine worker's request protocol as plain Go structs (the page's
// messages, README.md in wasm/), decoded from their JSON form with errors meant for a person.
// It builds and tests natively; wasm/ hands it each request as JSON (JSON.stringify of the
// message), except the bytes of loadData, which stay JS buffers.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"hearth/engine"
	"hearth/engine/chat"
	"hearth/engine/sample"
	"hearth/engine/toolcall"
	"hearth/internal/limits"
)

// Header is what every request has.
type Header struct {
	ID   *float64 `json:"id"`
	Type string   `json:"type"`
}

// Message is one chat message (OpenAI's shape: an assistant's tool_calls, a tool
// result's tool_call_id and name).
type Message struct {
	Role             string          `json:"role"`
	Content          string          `json:"content"`
	ReasoningContent string          `json:"reasoning_content"`
	ToolCalls        json.RawMessage `json:"tool_calls"`
	ToolCallID       string          `json:"tool_call_id"`
	Name             string          `json:"name"`
}

// Options are a generate or complete request's sampling options; an absent field keeps its
// default (sample.DefaultOptions, llama.cpp's chat defaults).
type Options struct {
	MaxTokens        *int64   `json:"maxTokens"`
	Temperature      *float64 `json:"temperature"`
	TopK             *int64   `json:"topK"`
	TopP             *float64 `json:"topP"`
	MinP             *float64 `json:"minP"`
	RepeatPenalty    *float64 `json:"repeatPenalty"`
	PenaltyWindow    *int64   `json:"penaltyWindow"`
	PresencePenalty  *float64 `json:"presencePenalty"`
	FrequencyPenalty *float64 `json:"frequencyPenalty"`
	Seed             *float64 `json:"seed"`
	Stop             []string `json:"stop"`
	// Structured output and tools (engine.Options): a GBNF grammar, a JSON schema (an
	// object, or its JSON text), OpenAI's tools array and tool_choice.
	Grammar    string          `json:"grammar"`
	JSONSchema json.RawMessage `json:"jsonSchema"`
	Tools      json.RawMessage `json:"tools"`
	ToolChoice json.RawMessage `json:"toolChoice"`
}

// Generate answers a conversation through the model's chat template.
type Generate struct {
	Header
	Messages []Message `json:"messages"`
	Options  *Options  `json:"options"`
}

// Complete continues token ids or a text, without a chat template.
type Complete struct {
	Header
	Tokens    []float64 `json:"tokens"` // ids; checked whole and in range by Prompt
	Prompt    string    `json:"prompt"`
	Options   *Options  `json:"options"`
	StopAtEOG bool      `json:"stopAtEOG"`
}

// Load starts a streamed load of a size-byte model file.
type Load struct {
	Header
	Size        *float64 `json:"size"`
	ContextSize *float64 `json:"contextSize"`
}

// Decode reads the JSON of one request into v (a *Generate, *Complete, *Load, …).
// Absent and null fields are zero; a field of the wrong type is an error naming it.
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s must be %s, not a JSON %s", te.Field, kindOf(te.Type.String()), te.Value)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("a request must be a JSON object: %v", err)
		}
		return err
	}
	return nil
}

// kindOf names a Go field type for a person.
func kindOf(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	}
	return "an object"
}

// whole checks that f is a whole number in [lo, hi].
func whole(key string, f, lo, hi float64) (int64, error) {
	if f != math.Trunc(f) || f < lo || f > hi {
		return 0, fmt.Errorf("%s must be a whole number in [%.0f, %.0f], not %v", key, lo, hi, f)
	}
	return int64(f), nil
}

// Engine turns the options into the engine's, each checked against its range in
// internal/limits (the table the page and the widget check too), then validated
// (sample.Options.Validate).
func (o *Options) Engine() (engine.Options, error) {
	out := engine.Options{Sample: sample.DefaultOptions()}
	if o == nil {
		return out, nil
	}
	var errs []error
	check := func(name string, v *float64) bool {
		if v == nil {
			return false
		}
		opt, _ := limits.Lookup(name)
		if err := opt.Check("options."+name, *v); err != nil {
			errs = append(errs, err)
			return false
		}
		return true
	}
	for _, f := range []struct {
		name string
		v    *float64
		dst  *float32
	}{
		{"temperature", o.Temperature, &out.Sample.Temperature}, {"topP", o.TopP, &out.Sample.TopP}, {"minP", o.MinP, &out.Sample.MinP},
		{"repeatPenalty", o.RepeatPenalty, &out.Sample.RepeatPenalty}, {"presencePenalty", o.PresencePenalty, &out.Sample.PresencePenalty},
		{"frequencyPenalty", o.FrequencyPenalty, &out.Sample.FrequencyPenalty},
	} {
		if check(f.name, f.v) {
			*f.dst = float32(*f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    *int64
		dst  *int
	}{{"topK", o.TopK, &out.Sample.TopK}, {"penaltyWindow", o.PenaltyWindow, &out.Sample.PenaltyWindow}, {"maxTokens", o.MaxTokens, &out.MaxTokens}} {
		if f.v == nil {
			continue
		}
		v := float64(*f.v)
		if check(f.name, &v) {
			*f.dst = int(*f.v)
		}
	}
	if check("seed", o.Seed) {
		out.Sample.Seed = uint64(*o.Seed)
	}
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	out.Stop = o.Stop
	if err := o.structured(&out); err != nil {
		return out, err
	}
	return out, out.Sample.Validate()
}

// structured reads the grammar, JSON schema, tools and tool_choice options.
func (o *Options) structured(out *engine.Options) error {
	out.Grammar = o.Grammar
	if schema := bytes.TrimSpace(o.JSONSchema); len(schema) > 0 && string(schema) != "null" {
		var text string
		if json.Unmarshal(schema, &text) == nil { // the schema's JSON text
			schema = []byte(text)
		}
		out.JSONSchema = schema
	}
	var err error
	if tools := bytes.TrimSpace(o.Tools); len(tools) > 0 && string(tools) != "null" {
		if out.Tools, err = toolcall.ParseTools(tools); err != nil {
			return fmt.Errorf("options.%v", err)
		}
	}
	if out.ToolChoice, err = toolcall.ParseChoice(o.ToolChoice, out.Tools); err != nil {
		return fmt.Errorf("options.%v", err)
	}
	return nil
}

// Conversation checks the messages: at least one, each with a role.
func (g *Generate) Conversation() ([]engine.Message, error) {
	if len(g.Messages) == 0 {
		return nil, errors.New("messages is empty")
	}
	out := make([]engine.Message, len(g.Messages))
	for i, m := range g.Messages {
		if m.Role == "" {
			return nil, fmt.Errorf("messages[%d].role must be a non-empty string", i)
		}
		out[i] = engine.Message{Role: m.Role, Content: m.Content, ReasoningContent: m.ReasoningContent, ToolCallID: m.ToolCallID, Name: m.Name}
		if calls := bytes.TrimSpace(m.ToolCalls); len(calls) > 0 && string(calls) != "null" {
			var err error
			if out[i].ToolCalls, err = toolCalls(calls); err != nil {
				return nil, fmt.Errorf("messages[%d].tool_calls: %v", i, err)
			}
		}
	}
	return out, nil
}

// toolCalls reads an assistant message's tool_calls (arguments as JSON text, or as an
// object).
func toolCalls(raw []byte) ([]chat.ToolCall, error) {
	var in []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	out := make([]chat.ToolCall, len(in))
	for i, c := range in {
		if c.Function.Name == "" {
			return nil, fmt.Errorf("[%d].function.name is missing", i)
		}
		out[i] = chat.ToolCall{ID: c.ID, Type: c.Type, Function: toolcall.ToolFunctionOf(c.Function.Name, c.Function.Arguments)}
	}
	return out, nil
}

// TokenIDs checks the token ids of a complete request (nil when it gives a prompt text).
func (c *Complete) TokenIDs() ([]int32, error) {
	if c.Tokens == nil {
		if c.Prompt == "" {
			return nil, errors.New("complete needs tokens (ids) or a prompt (text)")
		}
		return nil, nil
	}
	return tokenIDs(c.Tokens)
}

// Logits asks for the logits of the last of Tokens, computed afresh (a KV cache of its
// own, the session's untouched) by the shipped numerics: for checking the engine's numbers
// from outside, as `hearth logits` does natively.
type Logits struct {
	Header
	Tokens []float64 `json:"tokens"`
}

// TokenIDs checks the request's token ids: at least one.
func (l *Logits) TokenIDs() ([]int32, error) {
	if len(l.Tokens) == 0 {
		return nil, errors.New("logits needs tokens (ids)")
	}
	return tokenIDs(l.Tokens)
}

// tokenIDs checks that every id is a whole number in [0, 2^31).
func tokenIDs(ts []float64) ([]int32, error) {
	out := make([]int32, len(ts))
	for i, f := range ts {
		if f != math.Trunc(f) || f < 0 || f > math.MaxInt32 {
			return nil, fmt.Errorf("tokens[%d] must be a token id (a whole number >= 0)", i)
		}
		out[i] = int32(f)
	}
	return out, nil
}

// Sizes checks a load's file size (required, 1 byte .. 2^53) and context size (0: the
// engine's default; at most 2^24).
func (l *Load) Sizes() (size int64, contextSize int, err error) {
	if l.Size == nil {
		return 0, 0, errors.New("load needs the file's size in bytes")
	}
	if size, err = whole("size", *l.Size, 1, 1<<53); err != nil {
		return 0, 0, err
	}
	if l.ContextSize != nil {
		c, err := whole("contextSize", *l.ContextSize, 0, 1<<24)
		if err != nil {
			return 0, 0, err
		}
		contextSize = int(c)
	}
	return size, contextSize, nil
}
