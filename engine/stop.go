package engine

import "strings"

// stopMatcher finds stop strings in streamed text, holding back the tail that could still
// become one, so no part of a stop string is ever emitted.
type stopMatcher struct {
	stops   []string
	pending string
}

func newStopMatcher(stops []string) *stopMatcher {
	var keep []string
	for _, s := range stops {
		if s != "" {
			keep = append(keep, s)
		}
	}
	return &stopMatcher{stops: keep}
}

// push adds text and returns what may be emitted; hit reports a stop string (the text
// before it is returned and the rest is dropped). final releases the held-back tail.
func (m *stopMatcher) push(text string, final bool) (out string, hit bool) {
	buf := m.pending + text
	cut := -1
	for _, s := range m.stops {
		if i := strings.Index(buf, s); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut >= 0 {
		m.pending = ""
		return buf[:cut], true
	}
	if final {
		m.pending = ""
		return buf, false
	}
	hold := 0
	for _, s := range m.stops {
		for n := min(len(s)-1, len(buf)); n > hold; n-- {
			if strings.HasSuffix(buf, s[:n]) {
				hold = n
				break
			}
		}
	}
	m.pending = buf[len(buf)-hold:]
	return buf[:len(buf)-hold], false
}

// endsText reports whether a raw continuation (Complete with stopAtEOG) ends at tok, as
// llama.cpp's completion ends a base model's text: at an end-of-generation token (EOS,
// EOT, …), or at BOS in a model whose texts begin with BOS — the model has finished one
// text and is starting the next (stories260K ends each story so).
func (s *Session) endsText(tok int32) bool {
	t := s.Tokenizer
	return t.IsEOG(tok) || (t.AddBOS() && tok >= 0 && tok == t.BOS())
}
