package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"hearth/engine/model"
	"hearth/engine/sample"
)

// Complete continues a raw prompt (no chat template): base models, benchmarks and the
// conformance checks that feed llama.cpp's own prompt tokens. It shares the session's KV
// cache and its prefix reuse, streams EventToken and EventText, and stops after n tokens
// (or at an end-of-generation token when stopAtEOG), at a full context, or on cancel
// (seen within a layer of the model, as in Generate).
func (s *Session) Complete(ctx context.Context, prompt []int32, n int, so sample.Options, stopAtEOG bool, onEvent func(Event)) ([]int32, *Stats, error) {
	if len(prompt) == 0 {
		return nil, nil, errors.New("empty prompt")
	}
	if err := so.Validate(); err != nil {
		return nil, nil, err
	}
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	if len(prompt) >= s.state.NCtx {
		return nil, nil, ErrPromptTooLong
	}
	st := &Stats{PromptTokens: len(prompt)}
	defer s.interruptible(ctx)()
	t0 := time.Now()
	logits, cached, err := s.prefill(ctx, prompt)
	st.CachedTokens = cached
	if err != nil {
		if ctx.Err() != nil {
			st.StopReason = StopCancelled
			return nil, st, ctx.Err()
		}
		return nil, nil, err
	}
	st.PrefillSeconds = time.Since(t0).Seconds()
	if st.PrefillSeconds > 0 {
		st.PrefillTPS = float64(len(prompt)-cached) / st.PrefillSeconds
	}
	smp := sample.New(so)
	for _, t := range prompt {
		smp.Accept(t)
	}
	stream := s.Tokenizer.NewStream(false)
	var out []int32
	var text strings.Builder
	t1 := time.Now()
	st.StopReason = StopLength
	for len(out) < n {
		if ctx.Err() != nil {
			st.StopReason = StopCancelled
			break
		}
		tok := smp.Sample(logits)
		smp.Accept(tok)
		out = append(out, tok)
		onEvent(Event{Kind: EventToken, Token: tok, Text: string(s.Tokenizer.Piece(tok, false))})
		if piece := stream.Push(tok); piece != "" {
			text.WriteString(piece)
			onEvent(Event{Kind: EventText, Text: piece})
		}
		if stopAtEOG && s.Tokenizer.IsEOG(tok) {
			st.StopReason = StopEOG
			break
		}
		if len(out) == n {
			break
		}
		var ferr error
		logits, ferr = s.state.Forward([]int32{tok}, false)
		var full *model.ErrContextFull
		if errors.As(ferr, &full) {
			st.StopReason = StopContext
			break
		} else if ferr != nil && ctx.Err() != nil {
			st.StopReason = StopCancelled
			break
		} else if ferr != nil {
			return nil, nil, ferr
		}
	}
	if rest := stream.Flush(); rest != "" {
		text.WriteString(rest)
		onEvent(Event{Kind: EventText, Text: rest})
	}
	st.GeneratedTokens = len(out)
	st.DecodeSeconds = time.Since(t1).Seconds()
	if st.DecodeSeconds > 0 {
		st.DecodeTPS = float64(len(out)) / st.DecodeSeconds
	}
	st.Text = text.String()
	if st.StopReason == StopCancelled {
		return out, st, ctx.Err()
	}
	return out, st, nil
}
