package engine

import (
	"context"
	"errors"
	"time"

	"hearth/engine/model"
	"hearth/engine/sample"
)

// reply is what Generate and Complete ask of the one prefill/decode loop (decode).
type reply struct {
	prompt    []int32
	sample    sample.Options
	maxTokens int  // 0: until an end-of-generation token or a full context
	stopAtEOG bool // a token for which ends is true ends the reply
	ends      func(tok int32) bool
	// eogInOutput reports an end-of-generation token that ends the reply as an EventToken
	// and keeps it in the returned tokens (Complete); otherwise it is dropped (Generate).
	eogInOutput bool
	// constraint, when set, limits every sampled token to those it allows (a grammar).
	constraint Constraint
	// text receives the detokenized text as it grows, and final once at the end (unless
	// it reported a stop); it returns true when a stop string ends the reply.
	text func(piece string, final bool) (stop bool)
}

// Constraint limits which tokens may come next (engine/grammar implements it).
type Constraint interface {
	sample.Constraint
	// Accept moves past tok, which Allows allowed.
	Accept(tok int32) error
	// Done reports that nothing more may follow: the reply ends here.
	Done() bool
}

// decode keeps the longest common prefix of r.prompt and the KV cache, evaluates the rest
// in chunks, then samples until an end-of-generation token (when r.stopAtEOG), a stop
// string, r.maxTokens, a finished constraint, a full context or a cancelled ctx (then it
// returns ctx.Err() with the stats and tokens so far; the session stays usable). It streams
// EventToken for every kept token and hands the text to r.text.
func (s *Session) decode(ctx context.Context, r reply, onEvent func(Event)) ([]int32, *Stats, error) {
	if onEvent == nil {
		onEvent = func(Event) {}
	}
	st := &Stats{PromptTokens: len(r.prompt)}
	defer s.interruptible(ctx)()
	t0 := time.Now()
	logits, cached, err := s.prefill(ctx, r.prompt)
	st.CachedTokens = cached
	if err != nil {
		if ctx.Err() != nil {
			st.StopReason = StopCancelled
			return nil, st, ctx.Err()
		}
		return nil, nil, err
	}
	st.PrefillSeconds = time.Since(t0).Seconds()
	if n := len(r.prompt) - cached; st.PrefillSeconds > 0 {
		st.PrefillTPS = float64(n) / st.PrefillSeconds
	}

	smp := sample.New(r.sample)
	for _, t := range r.prompt {
		smp.Accept(t)
	}
	stream := s.Tokenizer.NewStream(false)
	var out []int32
	t1 := time.Now()
	for {
		if err := ctx.Err(); err != nil {
			st.StopReason = StopCancelled
			break
		}
		var tok int32
		if r.constraint != nil {
			if tok = smp.SampleConstrained(logits, r.constraint); tok < 0 {
				return nil, nil, errors.New("the grammar allows no token of this model's vocabulary here (it needs text the vocabulary cannot write)")
			}
		} else {
			tok = smp.Sample(logits)
		}
		smp.Accept(tok)
		st.GeneratedTokens++
		// under a constraint an end-of-generation token is only allowed once it may end
		eog := (r.stopAtEOG && r.ends(tok)) || (r.constraint != nil && s.Tokenizer.IsEOG(tok))
		if eog && !r.eogInOutput {
			st.StopReason = StopEOG
			break
		}
		out = append(out, tok)
		onEvent(Event{Kind: EventToken, Token: tok, Text: string(s.Tokenizer.Piece(tok, false))})
		if r.text(stream.Push(tok), false) {
			st.StopReason = StopString
			break
		}
		if eog {
			st.StopReason = StopEOG
			break
		}
		if r.constraint != nil {
			if err := r.constraint.Accept(tok); err != nil {
				return nil, nil, err
			}
			if r.constraint.Done() {
				st.StopReason = StopGrammar
				break
			}
		}
		if r.maxTokens > 0 && st.GeneratedTokens >= r.maxTokens {
			st.StopReason = StopLength
			break
		}
		var ferr error
		logits, ferr = s.state.Forward([]int32{tok}, false)
		var full *model.ErrContextFull
		if errors.As(ferr, &full) {
			st.StopReason = StopContext
			break
		}
		if ferr != nil && ctx.Err() != nil {
			st.StopReason = StopCancelled
			break
		}
		if ferr != nil {
			return nil, nil, ferr
		}
	}
	if st.StopReason != StopString {
		r.text(stream.Flush(), true)
	}
	st.DecodeSeconds = time.Since(t1).Seconds()
	if st.DecodeSeconds > 0 {
		st.DecodeTPS = float64(st.GeneratedTokens) / st.DecodeSeconds
	}
	if st.StopReason == StopCancelled {
		return out, st, ctx.Err()
	}
	return out, st, nil
}
