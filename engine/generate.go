package engine

import (
	"context"
	"errors"
	"strings"

	"hearth/engine/chat"
	"hearth/engine/toolcall"
)

// Generate renders msgs with the chat template, evaluates the part of the prompt that is
// not already in the KV cache, and samples a reply, calling onEvent for every token and
// every piece of text. It returns when the model ends its turn, a stop string or the token
// limit is reached, the context is full, or ctx is cancelled (then with ctx.Err() and the
// stats so far; the session stays usable). A cancel is seen within a layer of the model,
// also in the middle of a long prompt.
func (s *Session) Generate(ctx context.Context, msgs []Message, o Options, onEvent func(Event)) (*Stats, error) {
	if len(msgs) == 0 {
		return nil, errors.New("no messages")
	}
	if err := o.Sample.Validate(); err != nil {
		return nil, err
	}
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	msgs, tools, err := s.planTools(msgs, &o)
	if err != nil {
		return nil, err
	}
	gbnf := o.Grammar
	if tools != nil && tools.grammar != "" {
		gbnf = tools.grammar
	}
	constraint, err := s.Constrain(gbnf, o.JSONSchema)
	if err != nil {
		return nil, err
	}
	var calls *toolcall.Stream
	if tools != nil {
		calls = toolcall.NewStream(tools.format)
	}
	reserve := min(max(o.MaxTokens, 64), s.state.NCtx/4)
	prompt, tokens, trimmed, err := s.fitPrompt(ctx, msgs, o, s.state.NCtx-reserve)
	if err != nil && ctx.Err() != nil { // cancelled while the template rendered
		return &Stats{StopReason: StopCancelled}, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	// a grammar decides the whole reply: none of it is reasoning, even after a prompt that
	// opens a <think> block (the model cannot close it under the grammar)
	think := chat.NewThinkSplitter(chat.OpensThink(prompt) && constraint == nil)
	stops := newStopMatcher(append(append([]string(nil), o.Stop...), s.stops...))
	var text, reasoning strings.Builder
	emit := func(raw string, final bool) bool {
		out, hit := stops.push(raw, final)
		r, c := think.Push(out)
		if final || hit {
			r2, c2 := think.Flush()
			r, c = r+r2, c+c2
		}
		if r != "" {
			reasoning.WriteString(r)
			onEvent(Event{Kind: EventReasoning, Text: r})
		}
		if calls != nil {
			c = calls.Push(c)
		}
		if c != "" {
			text.WriteString(c)
			onEvent(Event{Kind: EventText, Text: c})
		}
		return hit
	}
	_, st, err := s.decode(ctx, reply{
		prompt: tokens, sample: o.Sample, maxTokens: o.MaxTokens, stopAtEOG: true, ends: s.Tokenizer.IsEOG, text: emit,
		constraint: constraint,
	}, onEvent)
	if st == nil {
		return nil, err
	}
	st.TrimmedMessages = trimmed
	if calls != nil {
		rest, cs := calls.Finish()
		if rest != "" {
			text.WriteString(rest)
			onEvent(Event{Kind: EventText, Text: rest})
		}
		for i := range cs {
			onEvent(Event{Kind: EventToolCall, ToolCall: &cs[i]})
		}
		st.ToolCalls = cs
	}
	st.Text, st.Reasoning = text.String(), reasoning.String()
	return st, err
}

// fitPrompt renders and tokenizes msgs; while the prompt is longer than limit it drops the
// oldest turns after the system prompt (a user message and the replies after it).
func (s *Session) fitPrompt(ctx context.Context, msgs []Message, o Options, limit int) (string, []int32, int, error) {
	var sys []Message
	rest := msgs
	if rest[0].Role == "system" {
		sys, rest = rest[:1], rest[1:]
	}
	trimmed := 0
	for {
		conv := append(append([]Message(nil), sys...), rest...)
		// the template is the model file's code: bounded, and stopped by a cancel (Yield lets
		// the browser's event loop deliver one)
		prompt, err := s.Template.RenderContext(ctx, conv, chat.RenderOptions{
			BOS: s.bos, EOS: s.eos, AddGenerationPrompt: true, Context: o.Context, Now: o.Now, Yield: s.Yield,
		})
		if err != nil {
			return "", nil, 0, err
		}
		prompt = chat.TrimAddedTokens(prompt, s.bos, s.eos, s.Tokenizer.AddBOS(), s.Tokenizer.AddEOS())
		tokens := s.Tokenizer.Encode(prompt, true, true)
		if len(tokens) <= limit {
			return prompt, tokens, trimmed, nil
		}
		// drop the oldest turn: up to (not including) the next user message
		next := 1
		for next < len(rest) && rest[next].Role != "user" {
			next++
		}
		if next >= len(rest) {
			if len(sys) > 0 {
				sys = nil // last resort: the system prompt goes too
				trimmed++
				continue
			}
			return "", nil, 0, ErrPromptTooLong
		}
		trimmed += next
		rest = rest[next:]
	}
}
