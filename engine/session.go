// Package engine is Hearth's inference engine API: load a GGUF model and chat with it.
// A Session renders the conversation with the model's chat template, reuses the KV cache
// for the part of the prompt it has already seen, and streams tokens, text and reasoning
// through a callback. It is pure Go: the same code runs natively and in the browser.
package engine

import (
	"errors"
	"fmt"
	"time"

	"hearth/engine/chat"
	"hearth/engine/gguf"
	"hearth/engine/grammar"
	"hearth/engine/model"
	"hearth/engine/sample"
	"hearth/engine/tokenizer"
	"hearth/engine/toolcall"
)

// Message is one turn of a conversation.
type Message = chat.Message

// LoadOptions configure a Session.
type LoadOptions struct {
	// ContextSize is the KV cache size in tokens: model.Config.ContextSize decides (0:
	// model.DefaultContext, at most the model's training context).
	ContextSize int
	// MemoryLimit refuses a model whose weights, KV cache and scratch would exceed it
	// (bytes; 0: no limit). The browser sets it from wasm32's 4 GiB and the device.
	MemoryLimit int64
	// KV is the KV cache's element type: the zero value model.KVF16 (llama.cpp's default,
	// half the memory), or model.KVF32.
	KV model.KVType
}

// Session is a loaded model with its tokenizer, chat template and KV cache. It is not safe
// for concurrent use: one Generate at a time.
type Session struct {
	Model        *model.Model
	Tokenizer    *tokenizer.Tokenizer
	Template     *chat.Template
	TemplateNote string // set when the GGUF had no usable template and a fallback is used
	state        *model.State
	bos, eos     string
	stops        []string

	vocab    *grammar.Vocab                 // the vocabulary for grammars, built on first use
	grammars map[string]*grammar.Constraint // compiled grammars by source (Constrain)

	// Yield, when set, is called while Generate and Complete compute: four times a layer
	// (model.State.Interrupt), up to thousands of times a second, so it must be cheap
	// (rate-limit inside). The browser build lets the JS event loop run there, so that a
	// cancel message arrives even in the middle of a long prompt.
	Yield func()
}

// Load prepares a session over a parsed GGUF file.
func Load(f *gguf.File, o LoadOptions) (*Session, error) {
	if o.MemoryLimit > 0 {
		need, err := MemoryNeededKV(f, o.ContextSize, o.KV)
		if err != nil {
			return nil, err
		}
		if need.Total() > o.MemoryLimit {
			return nil, &ErrTooBig{Need: need, Limit: o.MemoryLimit}
		}
	}
	m, err := model.Load(f)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if tok.Len() != m.Config.NVocab {
		return nil, fmt.Errorf("tokenizer has %d tokens but token_embd has %d rows", tok.Len(), m.Config.NVocab)
	}
	ggufTemplate, _ := f.String("tokenizer.chat_template")
	src, note := chat.ForModel(m.Config.Arch, ggufTemplate)
	if ggufTemplate != "" {
		note = ""
	}
	tmpl, err := chat.Parse(src)
	if err != nil {
		fallback, _ := chat.ForModel(m.Config.Arch, "")
		note = fmt.Sprintf("the model's chat template could not be parsed (%v); using ChatML", err)
		if tmpl, err = chat.Parse(fallback); err != nil {
			return nil, err
		}
	}
	st, err := m.NewStateKV(o.ContextSize, o.KV) // Config.ContextSize, as MemoryNeededKV above
	if err != nil {
		return nil, err
	}
	s := &Session{Model: m, Tokenizer: tok, Template: tmpl, TemplateNote: note, state: st}
	if b := tok.BOS(); b >= 0 {
		s.bos = string(tok.Piece(b, true))
	}
	if e := tok.EOS(); e >= 0 {
		s.eos = string(tok.Piece(e, true))
	}
	s.stops = chat.StopStrings(tmpl.Source())
	return s, nil
}

// ContextSize is the most tokens the session's KV cache holds.
func (s *Session) ContextSize() int { return s.state.NCtx }

// CachedTokens is the number of tokens currently in the KV cache.
func (s *Session) CachedTokens() int { return s.state.Pos }

// Reset forgets the cached conversation.
func (s *Session) Reset() { s.state.Truncate(0) }

// Options control one reply.
type Options struct {
	Sample    sample.Options
	MaxTokens int      // 0: until end of turn or a full context
	Stop      []string // extra stop strings; the reply ends before them
	// Template variables such as enable_thinking.
	Context map[string]any
	// Now pins strftime_now in templates (zero: the current time).
	Now time.Time
	// Grammar (GBNF text, llama.cpp's syntax) or JSONSchema (a JSON schema; "{}" for any
	// JSON value) constrain the reply: every token keeps it a prefix of a match, the
	// end of turn comes only once it is complete, and the reply ends when nothing more
	// can follow (StopGrammar). At most one of the two.
	Grammar    string
	JSONSchema []byte
	// Tools the model may call and how (zero ToolChoice: "auto"). The template renders
	// them; the reply's calls come back as EventToolCall events and Stats.ToolCalls, in
	// OpenAI's shape; "required" or a named function constrain the reply to a call.
	Tools      []toolcall.Tool
	ToolChoice toolcall.Choice
}

// EventKind says what an Event carries.
type EventKind string

const (
	EventToken     EventKind = "token"     // Token: a sampled token id (Text: its piece)
	EventText      EventKind = "text"      // Text: more of the answer
	EventReasoning EventKind = "reasoning" // Text: more of the <think> reasoning
	EventToolCall  EventKind = "tool_call" // ToolCall: a call the reply makes (after its text)
)

// Event is one streamed piece of a reply.
type Event struct {
	Kind     EventKind
	Token    int32
	Text     string
	ToolCall *chat.ToolCall
}

// Stop reasons.
const (
	StopEOG       = "eog"       // the model ended its turn
	StopString    = "stop"      // a stop string appeared
	StopLength    = "length"    // MaxTokens reached
	StopContext   = "context"   // the context filled up
	StopCancelled = "cancelled" // the context.Context was cancelled
	StopGrammar   = "grammar"   // the grammar is complete and allows nothing more
)

// Stats describe one reply.
type Stats struct {
	PromptTokens    int     `json:"prompt_tokens"`    // tokens of the rendered prompt
	CachedTokens    int     `json:"cached_tokens"`    // of those, reused from the KV cache
	GeneratedTokens int     `json:"generated_tokens"` // tokens sampled
	PrefillSeconds  float64 `json:"prefill_s"`
	DecodeSeconds   float64 `json:"decode_s"`
	PrefillTPS      float64 `json:"prefill_tps"` // new prompt tokens per second
	DecodeTPS       float64 `json:"decode_tps"`
	TrimmedMessages int     `json:"trimmed_messages"` // oldest turns dropped to fit the context
	StopReason      string  `json:"stop_reason"`
	Text            string  `json:"text"`      // the answer (reasoning excluded)
	Reasoning       string  `json:"reasoning"` // the <think> part, if any
	// ToolCalls are the calls the reply makes (Text is then what it says besides them).
	ToolCalls []chat.ToolCall `json:"tool_calls,omitempty"`
}

// ErrPromptTooLong is returned when even the last message alone does not fit the context.
var ErrPromptTooLong = errors.New("the message is too long for the model's context")
