//go:build js && wasm

package main

import (
	"context"
	"errors"
	"syscall/js"

	"hearth/engine"
	"hearth/wasm/protocol"
)

// defaultCompleteTokens is how many tokens complete generates when maxTokens is absent.
const defaultCompleteTokens = 128

// generate answers a conversation through the chat template, streaming token, text and
// reasoning events, and ends with done and the stats (also when cancelled).
func generate(ctx context.Context, s *engine.Session, id any, msg js.Value) {
	var req protocol.Generate
	if err := decode(msg, &req); err != nil {
		fail(id, err)
		return
	}
	msgs, err := req.Conversation()
	if err != nil {
		fail(id, err)
		return
	}
	o, err := req.Options.Engine()
	if err != nil {
		fail(id, err)
		return
	}
	st, err := s.Generate(ctx, msgs, o, func(e engine.Event) {
		switch e.Kind {
		case engine.EventText, engine.EventReasoning:
			post(map[string]any{"type": string(e.Kind), "id": id, "text": e.Text})
		case engine.EventToken:
			post(map[string]any{"type": "token", "id": id, "token": e.Token})
		case engine.EventToolCall:
			post(map[string]any{"type": "tool_call", "id": id, "call": e.ToolCall})
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fail(id, err)
		return
	}
	post(map[string]any{"type": "done", "id": id, "stats": st})
}

// complete continues raw token ids or text, without a chat template.
func complete(ctx context.Context, s *engine.Session, id any, msg js.Value) {
	var req protocol.Complete
	if err := decode(msg, &req); err != nil {
		fail(id, err)
		return
	}
	prompt, err := req.TokenIDs()
	if err != nil {
		fail(id, err)
		return
	}
	if prompt == nil {
		prompt = s.Tokenizer.Encode(req.Prompt, true, false)
	}
	o, err := req.Options.Engine()
	if err != nil {
		fail(id, err)
		return
	}
	n := o.MaxTokens
	if n <= 0 {
		n = defaultCompleteTokens
	}
	if len(o.Tools) > 0 {
		fail(id, errors.New("tools need a chat model (generate), not complete"))
		return
	}
	co := engine.CompleteOptions{Sample: o.Sample, MaxTokens: n, StopAtEOG: req.StopAtEOG, Grammar: o.Grammar, JSONSchema: o.JSONSchema}
	out, st, err := s.CompleteWith(ctx, prompt, co, func(e engine.Event) {
		switch e.Kind {
		case engine.EventText:
			post(map[string]any{"type": "text", "id": id, "text": e.Text})
		case engine.EventToken:
			post(map[string]any{"type": "token", "id": id, "token": e.Token})
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fail(id, err)
		return
	}
	if out == nil {
		out = []int32{}
	}
	post(map[string]any{"type": "done", "id": id, "stats": st, "prompt_tokens": prompt, "tokens": out})
}
