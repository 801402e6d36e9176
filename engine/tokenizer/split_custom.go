package tokenizer

import "unicode"

// Hand-written matchers llama.cpp uses instead of std::regex for the two most common
// pre-tokenizer regexes (unicode_regex_split_custom_gpt2 / _llama3). They are not exactly
// the regexes (e.g. \s+(?!\S) is decided from a count), so they are ported as they are.

const (
	gpt2Regex    = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
	llama3Regex  = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	llama3RegexI = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

const outOfRange = -1

// chunkCursor reads one chunk [ini, end) of the codepoints; outside it every position
// reads as "no codepoint" with no flags (llama.cpp's OUT_OF_RANGE / empty flags).
type chunkCursor struct {
	cpts     []rune
	ini, end int
	out      []int
	prevEnd  int
}

func (c *chunkCursor) cpt(pos int) rune {
	if pos >= c.ini && pos < c.end {
		return c.cpts[pos]
	}
	return outOfRange
}

type cflags struct {
	f     uint8
	space bool
	valid bool // any flag at all (llama.cpp's as_uint() != 0)
}

func (c *chunkCursor) flags(pos int) cflags {
	if pos >= c.ini && pos < c.end {
		r := c.cpts[pos]
		return cflags{cptFlags(r), isWhitespace(r), true}
	}
	return cflags{}
}

func (f cflags) letter() bool { return f.f == flagLetter }
func (f cflags) number() bool { return f.f == flagNumber }

// add closes a token at end and returns its length.
func (c *chunkCursor) add(end int) int {
	n := end - c.prevEnd
	if n > 0 {
		c.out = append(c.out, n)
	}
	c.prevEnd = end
	return n
}

type gpt2Split struct{}

func (gpt2Split) split(t *splitText, offsets []int) []int {
	c := &chunkCursor{cpts: t.cpts, out: make([]int, 0, len(offsets))}
	start := 0
	for _, off := range offsets {
		c.ini, c.end, c.prevEnd = start, start+off, start
		start += off
		for pos := c.ini; pos < c.end; {
			cpt := c.cpt(pos)
			f := c.flags(pos)
			// 's|'t|'re|'ve|'m|'ll|'d
			if cpt == '\'' && pos+1 < c.end {
				n := c.cpt(pos + 1)
				if n == 's' || n == 't' || n == 'm' || n == 'd' {
					pos += c.add(pos + 2)
					continue
				}
				if pos+2 < c.end {
					nn := c.cpt(pos + 2)
					if n == 'r' && nn == 'e' || n == 'v' && nn == 'e' || n == 'l' && nn == 'l' {
						pos += c.add(pos + 3)
						continue
					}
				}
			}
			f2 := f
			if cpt == ' ' {
				f2 = c.flags(pos + 1)
			}
			//  ?\p{L}+
			if f2.letter() {
				if cpt == ' ' {
					pos++
				}
				for f2.letter() {
					pos++
					f2 = c.flags(pos)
				}
				c.add(pos)
				continue
			}
			//  ?\p{N}+
			if f2.number() {
				if cpt == ' ' {
					pos++
				}
				for f2.number() {
					pos++
					f2 = c.flags(pos)
				}
				c.add(pos)
				continue
			}
			//  ?[^\s\p{L}\p{N}]+
			if !(f2.space || f2.letter() || f2.number()) && f2.valid {
				if cpt == ' ' {
					pos++
				}
				for !(f2.space || f2.letter() || f2.number()) && f2.valid {
					pos++
					f2 = c.flags(pos)
				}
				c.add(pos)
				continue
			}
			nws := 0
			for c.flags(pos + nws).space {
				nws++
			}
			// \s+(?!\S)
			if nws > 1 && c.cpt(pos+nws) != outOfRange {
				pos += nws - 1
				c.add(pos)
				continue
			}
			// \s+
			if nws > 0 {
				pos += nws
				c.add(pos)
				continue
			}
			pos++
			c.add(pos)
		}
	}
	return c.out
}

type llama3Split struct{}

func lower(r rune) rune {
	if r < 0 {
		return r
	}
	return unicode.ToLower(r)
}

func (llama3Split) split(t *splitText, offsets []int) []int {
	c := &chunkCursor{cpts: t.cpts, out: make([]int, 0, len(offsets))}
	start := 0
	for _, off := range offsets {
		c.ini, c.end, c.prevEnd = start, start+off, start
		start += off
		for pos := c.ini; pos < c.end; {
			cpt := c.cpt(pos)
			f := c.flags(pos)
			// (?i:'s|'t|'re|'ve|'m|'ll|'d)
			if cpt == '\'' && pos+1 < c.end {
				n := lower(c.cpt(pos + 1))
				if n == 's' || n == 't' || n == 'm' || n == 'd' {
					pos += c.add(pos + 2)
					continue
				}
				if pos+2 < c.end {
					nn := lower(c.cpt(pos + 2))
					if n == 'r' && nn == 'e' || n == 'v' && nn == 'e' || n == 'l' && nn == 'l' {
						pos += c.add(pos + 3)
						continue
					}
				}
			}
			// [^\r\n\p{L}\p{N}]?\p{L}+
			if !(cpt == '\r' || cpt == '\n' || f.number()) {
				if f.letter() || c.flags(pos+1).letter() {
					pos++
					for c.flags(pos).letter() {
						pos++
					}
					c.add(pos)
					continue
				}
			}
			// \p{N}{1,3}
			if f.number() {
				ini := pos
				for c.flags(pos).number() {
					pos++
					if pos-ini >= 3 {
						c.add(pos)
						ini = pos
					}
				}
				c.add(pos)
				continue
			}
			//  ?[^\s\p{L}\p{N}]+[\r\n]*   (llama.cpp tests the first codepoint's flags here)
			f2 := f
			if cpt == ' ' {
				f2 = c.flags(pos + 1)
			}
			if !(f2.space || f2.letter() || f2.number()) && f.valid {
				if cpt == ' ' {
					pos++
				}
				for !(f2.space || f2.letter() || f2.number()) && f2.valid {
					pos++
					f2 = c.flags(pos)
				}
				for r := c.cpt(pos); r == '\r' || r == '\n'; r = c.cpt(pos) {
					pos++
				}
				c.add(pos)
				continue
			}
			nws, lastRN := 0, 0
			for c.flags(pos + nws).space {
				if r := c.cpt(pos + nws); r == '\r' || r == '\n' {
					lastRN = pos + nws + 1
				}
				nws++
			}
			// \s*[\r\n]+
			if lastRN > 0 {
				pos = lastRN
				c.add(pos)
				continue
			}
			// \s+(?!\S)
			if nws > 1 && c.cpt(pos+nws) != outOfRange {
				pos += nws - 1
				c.add(pos)
				continue
			}
			// \s+
			if nws > 0 {
				pos += nws
				c.add(pos)
				continue
			}
			pos++
			c.add(pos)
		}
	}
	return c.out
}
