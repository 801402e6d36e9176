package tokenizer

import "unicode/utf8"

// Stream turns generated tokens into text as they come. A piece that ends inside a
// UTF-8 character (byte-fallback and byte-level tokens often do) is held back until the
// character is complete; bytes that can never form a character come out as U+FFFD, one
// per maximal ill-formed subpart (as Python's decode(errors="replace")). So the text of
// all Push calls plus Flush is Decode(ids) made valid UTF-8.
type Stream struct {
	t       *Tokenizer
	special bool
	pending []byte
}

// NewStream starts a detokenizer; with special, control tokens are rendered as text.
func (t *Tokenizer) NewStream(special bool) *Stream {
	return &Stream{t: t, special: special}
}

// Push adds a token and returns the text that is now complete (maybe "").
func (s *Stream) Push(id int32) string {
	s.pending = s.t.AppendPiece(s.pending, id, s.special)
	cut := len(s.pending) - incompleteTail(s.pending)
	if cut == 0 {
		return ""
	}
	out := ValidUTF8(s.pending[:cut])
	s.pending = append(s.pending[:0], s.pending[cut:]...)
	return out
}

// Flush returns what is held back (a truncated character becomes U+FFFD) and resets.
func (s *Stream) Flush() string {
	out := ValidUTF8(s.pending)
	s.pending = s.pending[:0]
	return out
}

// incompleteTail is the length of a trailing UTF-8 sequence that is well-formed so far
// but not finished (0 when there is none).
func incompleteTail(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 { // a lead byte k bytes from the end
			need := seqLen(c)
			if need > k && validPrefix(b[len(b)-k:]) == k {
				return k
			}
			return 0
		}
	}
	return 0
}

// seqLen is the length a well-formed sequence starting with lead byte c has (0: c
// cannot start one).
func seqLen(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c >= 0xC2 && c <= 0xDF:
		return 2
	case c >= 0xE0 && c <= 0xEF:
		return 3
	case c >= 0xF0 && c <= 0xF4:
		return 4
	}
	return 0
}

// validPrefix is how many leading bytes of b form the start of a well-formed sequence
// (Unicode Table 3-7), at most one sequence long.
func validPrefix(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	c := b[0]
	n := seqLen(c)
	if n <= 1 {
		return n
	}
	lo, hi := byte(0x80), byte(0xBF)
	switch c {
	case 0xE0:
		lo = 0xA0
	case 0xED:
		hi = 0x9F
	case 0xF0:
		lo = 0x90
	case 0xF4:
		hi = 0x8F
	}
	k := 1
	for ; k < n && k < len(b); k++ {
		if b[k] < lo || b[k] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return k
}

// ValidUTF8 returns b as a string with each maximal ill-formed subpart replaced by
// U+FFFD.
func ValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			out = append(out, b[:n]...)
			b = b[n:]
			continue
		}
		out = append(out, "\uFFFD"...)
		b = b[max(1, validPrefix(b)):]
	}
	return string(out)
}
