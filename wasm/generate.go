//go:build js && wasm

package main

import (
	"context"
	"errors"
	"syscall/js"

	"hearth/engine"
)

// defaultCompleteTokens is how many tokens complete generates when maxTokens is absent.
const defaultCompleteTokens = 128

// generate answers a conversation through the chat template, streaming token, text and
// reasoning events, and ends with done and the stats (also when cancelled).
func generate(ctx context.Context, s *engine.Session, id any, msg js.Value) {
	msgs, err := messages(msg)
	if err != nil {
		fail(id, err)
		return
	}
	o, err := generateOptions(msg)
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
	var prompt []int32
	var err error
	if t := msg.Get("tokens"); !t.IsUndefined() && !t.IsNull() {
		prompt, err = tokenIDs(msg)
	} else {
		var text string
		if text, err = str(msg, "prompt"); err == nil {
			if text == "" {
				err = errors.New("complete needs tokens (ids) or a prompt (text)")
			}
			prompt = s.Tokenizer.Encode(text, true, false)
		}
	}
	if err != nil {
		fail(id, err)
		return
	}
	o, err := generateOptions(msg)
	if err != nil {
		fail(id, err)
		return
	}
	n := o.MaxTokens
	if n <= 0 {
		n = defaultCompleteTokens
	}
	out, st, err := s.Complete(ctx, prompt, n, o.Sample, msg.Get("stopAtEOG").Truthy(), func(e engine.Event) {
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
