package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"

	"hearth/engine"
	"hearth/engine/model"
	"hearth/engine/toolcall"
)

func init() {
	register("reply", "answer a conversation once, as OpenAI's chat completion: -m FILE --messages FILE [--tools FILE] [--tool-choice auto|none|required|NAME] [--json-schema FILE | --grammar FILE]", runReply)
}

// runReply prints one chat.completion-shaped JSON object: the reply's message (content,
// reasoning_content, tool_calls), finish_reason and the engine's stats.
func runReply(args []string) error {
	fs := flag.NewFlagSet("reply", flag.ContinueOnError)
	path := fs.String("m", "", "model file (GGUF)")
	msgFile := fs.String("messages", "", "the conversation: a JSON array of OpenAI messages (role, content, tool_calls, tool_call_id)")
	toolsFile := fs.String("tools", "", "OpenAI tools (a JSON array) the model may call")
	choice := fs.String("tool-choice", "", "auto (default), none, required, or a function name")
	schemaFile := fs.String("json-schema", "", "the reply is JSON valid against the JSON schema in FILE")
	grammarFile := fs.String("grammar", "", "the reply follows the GBNF grammar in FILE")
	maxTokens := fs.Int("n", 512, "max tokens (0: until the model stops)")
	ctxSize := fs.Int("c", 0, "context size in tokens (0: model default, at most 4096)")
	kvFlag := fs.String("kv", "f16", "KV cache type: f16 or f32")
	so := samplingFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *msgFile == "" {
		return fmt.Errorf("pass --messages FILE (a JSON array of messages)")
	}
	raw, err := os.ReadFile(*msgFile)
	if err != nil {
		return err
	}
	var msgs []engine.Message
	if err := json.Unmarshal(raw, &msgs); err != nil {
		return fmt.Errorf("%s: %v", *msgFile, err)
	}
	o := engine.Options{Sample: *so, MaxTokens: *maxTokens}
	if *toolsFile != "" {
		raw, err := os.ReadFile(*toolsFile)
		if err != nil {
			return err
		}
		if o.Tools, err = toolcall.ParseTools(raw); err != nil {
			return fmt.Errorf("%s: %v", *toolsFile, err)
		}
	}
	c := *choice
	switch c {
	case "", "auto", "none", "required":
		c = strconv.Quote(c)
		if *choice == "" {
			c = ""
		}
	default:
		c = fmt.Sprintf(`{"type": "function", "function": {"name": %q}}`, c)
	}
	if o.ToolChoice, err = toolcall.ParseChoice([]byte(c), o.Tools); err != nil {
		return err
	}
	if *schemaFile != "" {
		if o.JSONSchema, err = os.ReadFile(*schemaFile); err != nil {
			return err
		}
	}
	if *grammarFile != "" {
		g, err := os.ReadFile(*grammarFile)
		if err != nil {
			return err
		}
		o.Grammar = string(g)
	}
	kv, err := model.ParseKVType(*kvFlag)
	if err != nil {
		return err
	}
	f, err := openGGUF(*path)
	if err != nil {
		return err
	}
	s, err := engine.Load(f, engine.LoadOptions{ContextSize: *ctxSize, KV: kv})
	if err != nil {
		return err
	}
	st, err := s.Generate(context.Background(), msgs, o, nil)
	if err != nil {
		return err
	}
	message := map[string]any{"role": "assistant", "content": st.Text}
	if st.Reasoning != "" {
		message["reasoning_content"] = st.Reasoning
	}
	finish := "stop"
	switch {
	case len(st.ToolCalls) > 0:
		message["tool_calls"] = st.ToolCalls
		if st.Text == "" {
			message["content"] = nil
		}
		finish = "tool_calls"
	case st.StopReason == engine.StopLength || st.StopReason == engine.StopContext:
		finish = "length"
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"object":  "chat.completion",
		"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": finish}},
		"hearth":  st,
	})
}
