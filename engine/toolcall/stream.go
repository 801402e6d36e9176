package toolcall

import "strings"

// Stream separates a streamed reply's text from its calls: Push returns the text that can
// be shown now, holding back whatever may be (the start of) a call; Finish parses the
// whole reply and returns the text not shown yet and the calls.
type Stream struct {
	f     Format
	all   strings.Builder
	shown int  // bytes of all already returned
	held  bool // a call has started: nothing more is shown until Finish
}

// NewStream starts a reply in format f.
func NewStream(f Format) *Stream { return &Stream{f: f} }

// Push adds text and returns what may be shown.
func (s *Stream) Push(text string) string {
	s.all.WriteString(text)
	if s.held {
		return ""
	}
	all := s.all.String()
	// A reply that opens with JSON may be a call (every format accepts a bare JSON call).
	if strings.TrimLeft(all, " \t\r\n") == "" || strings.ContainsAny(strings.TrimLeft(all, " \t\r\n")[:1], "{[") && s.shown == 0 {
		return ""
	}
	end := len(all)
	if m := s.f.Marker(); m != "" {
		if i := strings.Index(all[s.shown:], m); i >= 0 {
			end = s.shown + i
			s.held = true
		} else {
			for k := min(len(m)-1, len(all)-s.shown); k > 0; k-- { // a marker's beginning
				if strings.HasSuffix(all, m[:k]) {
					end = len(all) - k
					break
				}
			}
		}
	} else if s.f == Llama3 && strings.Contains(all[s.shown:], "<|python_tag|>") {
		end = s.shown + strings.Index(all[s.shown:], "<|python_tag|>")
		s.held = true
	}
	out := all[s.shown:end]
	s.shown = end
	return out
}

// Finish returns the text not shown yet and the calls of the whole reply.
func (s *Stream) Finish() (string, []Call) {
	all := s.all.String()
	content, calls := Parse(s.f, all)
	if len(calls) == 0 {
		return all[s.shown:], nil
	}
	shown := all[:s.shown]
	if strings.HasPrefix(content, strings.TrimSpace(shown)) {
		return strings.TrimPrefix(content, strings.TrimSpace(shown)), calls
	}
	return "", calls
}
