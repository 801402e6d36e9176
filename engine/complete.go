package engine

import (
	"context"
	"errors"
	"strings"

	"hearth/engine/sample"
)

// Complete continues a raw prompt (no chat template): base models, benchmarks and the
// conformance checks that feed llama.cpp's own prompt tokens. It shares the session's KV
// cache and its prefix reuse, streams EventToken and EventText, and stops after n tokens
// (0: no limit), at an end-of-generation token when stopAtEOG (that token is the last one
// returned), at a full context, or on cancel (seen within a layer of the model, as in
// Generate).
func (s *Session) Complete(ctx context.Context, prompt []int32, n int, so sample.Options, stopAtEOG bool, onEvent func(Event)) ([]int32, *Stats, error) {
	return s.CompleteWith(ctx, prompt, CompleteOptions{Sample: so, MaxTokens: n, StopAtEOG: stopAtEOG}, onEvent)
}

// CompleteOptions control one raw completion.
type CompleteOptions struct {
	Sample    sample.Options
	MaxTokens int  // 0: until an end-of-generation token (with StopAtEOG) or a full context
	StopAtEOG bool // an end-of-generation token ends the completion
	// Grammar or JSONSchema constrain the output as in Options.
	Grammar    string
	JSONSchema []byte
}

// CompleteWith is Complete with a grammar or JSON schema.
func (s *Session) CompleteWith(ctx context.Context, prompt []int32, o CompleteOptions, onEvent func(Event)) ([]int32, *Stats, error) {
	if len(prompt) == 0 {
		return nil, nil, errors.New("empty prompt")
	}
	if err := o.Sample.Validate(); err != nil {
		return nil, nil, err
	}
	if len(prompt) >= s.state.NCtx {
		return nil, nil, ErrPromptTooLong
	}
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	constraint, err := s.Constrain(o.Grammar, o.JSONSchema)
	if err != nil {
		return nil, nil, err
	}
	var text strings.Builder
	out, st, err := s.decode(ctx, reply{
		prompt: prompt, sample: o.Sample, maxTokens: o.MaxTokens, stopAtEOG: o.StopAtEOG,
		ends:        s.endsText,
		eogInOutput: true, constraint: constraint,
		text: func(piece string, final bool) bool {
			if piece != "" {
				text.WriteString(piece)
				onEvent(Event{Kind: EventText, Text: piece})
			}
			return false
		},
	}, onEvent)
	if st != nil {
		st.Text = text.String()
	}
	return out, st, err
}
