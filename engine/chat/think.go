package chat

import (
	"strings"
	"unicode"
)

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// OpensThink reports whether a rendered prompt ends inside an open <think> block, as the
// DeepSeek-R1 templates' generation prompt "<｜Assistant｜><think>\n" does: the model's first
// tokens are then reasoning, with no <think> of their own.
func OpensThink(prompt string) bool {
	return strings.HasSuffix(strings.TrimRightFunc(prompt, unicode.IsSpace), thinkOpen)
}

type thinkState int

const (
	thinkStart     thinkState = iota // nothing but whitespace seen: a <think> may still open
	thinkReasoning                   // inside <think>
	thinkContent                     // the answer; tags are plain text from here on
)

// ThinkSplitter separates a streamed answer into reasoning (inside <think>...</think>) and
// content, the way llama.cpp's "deepseek" reasoning format does: reasoning is recognised only
// at the start of the answer, and the whitespace around it is dropped (leading and trailing
// whitespace of the reasoning, and the whitespace between </think> and the content). Tags may
// arrive split across chunks; text that could be the start of a tag is held back until the
// next Push or Flush decides it.
type ThinkSplitter struct {
	state   thinkState
	buf     string // held back, not yet returned
	trimmed bool   // leading whitespace of the current section already dropped
}

// NewThinkSplitter returns a splitter. startsInThink is true when the prompt already opened
// <think> (see OpensThink), so the stream begins with reasoning.
func NewThinkSplitter(startsInThink bool) *ThinkSplitter {
	if startsInThink {
		return &ThinkSplitter{state: thinkReasoning}
	}
	return &ThinkSplitter{state: thinkStart}
}

// Push adds the next chunk of generated text and returns the reasoning and content that are
// now certain.
func (s *ThinkSplitter) Push(text string) (reasoning, content string) {
	s.buf += text
	var r, c strings.Builder
	for {
		switch s.state {
		case thinkStart:
			rest := strings.TrimLeftFunc(s.buf, unicode.IsSpace)
			switch {
			case strings.HasPrefix(rest, thinkOpen):
				s.buf = rest[len(thinkOpen):]
				s.state, s.trimmed = thinkReasoning, false
				continue
			case rest == "" || strings.HasPrefix(thinkOpen, rest):
				return r.String(), c.String() // whitespace or a partial "<think>": wait
			}
			s.state, s.trimmed = thinkContent, true // keep the answer's own leading whitespace
			continue
		case thinkReasoning:
			if !s.trimmed {
				s.buf = strings.TrimLeftFunc(s.buf, unicode.IsSpace)
				if s.buf == "" {
					return r.String(), c.String()
				}
				s.trimmed = true
			}
			if i := strings.Index(s.buf, thinkClose); i >= 0 {
				r.WriteString(strings.TrimRightFunc(s.buf[:i], unicode.IsSpace))
				s.buf = s.buf[i+len(thinkClose):]
				s.state, s.trimmed = thinkContent, false
				continue
			}
			// Hold back a partial "</think>" at the end and the whitespace before it, which is
			// dropped if the reasoning ends there.
			keep := len(s.buf) - partialSuffix(s.buf, thinkClose)
			keep = len(strings.TrimRightFunc(s.buf[:keep], unicode.IsSpace))
			r.WriteString(s.buf[:keep])
			s.buf = s.buf[keep:]
			return r.String(), c.String()
		case thinkContent:
			if !s.trimmed {
				s.buf = strings.TrimLeftFunc(s.buf, unicode.IsSpace)
				if s.buf == "" {
					return r.String(), c.String()
				}
				s.trimmed = true
			}
			c.WriteString(s.buf)
			s.buf = ""
			return r.String(), c.String()
		}
	}
}

// Flush ends the stream and returns whatever was held back: an unfinished tag is text after
// all; an unclosed <think> leaves its text as reasoning.
func (s *ThinkSplitter) Flush() (reasoning, content string) {
	buf := s.buf
	s.buf = ""
	switch s.state {
	case thinkReasoning:
		if !s.trimmed {
			buf = strings.TrimLeftFunc(buf, unicode.IsSpace)
		}
		return strings.TrimRightFunc(buf, unicode.IsSpace), ""
	case thinkStart:
		if strings.TrimSpace(buf) == "" {
			return "", ""
		}
		return "", buf
	}
	return "", "" // content: only whitespace after </think> can be held
}

// partialSuffix returns the length of the longest proper prefix of tag that s ends with.
func partialSuffix(s, tag string) int {
	for n := min(len(tag)-1, len(s)); n > 0; n-- {
		if strings.HasSuffix(s, tag[:n]) {
			return n
		}
	}
	return 0
}
