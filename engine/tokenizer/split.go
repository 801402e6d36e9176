package tokenizer

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// A splitter refines a partition of a codepoint sequence. offsets are the lengths (in
// codepoints) of consecutive chunks; each splitter cuts every chunk independently, as
// llama.cpp's unicode_regex_split applies its regex list one after the other.
type splitter interface {
	split(t *splitText, offsets []int) []int
}

// splitText holds one text in the three forms the splitters read.
type splitText struct {
	cpts      []rune // llama.cpp's codepoints
	wide      []rune // for regexes without \p{..}: non-ASCII whitespace -> U+000B
	collapsed []rune // for regexes with \p{..}: every non-ASCII codepoint -> one class rune
}

// Collapsed class runes (llama.cpp's k_ucat_cpt): a non-ASCII codepoint is replaced by
// the rune of its category, and \p{X} in a regex by [<rune><ASCII members of X>].
const (
	collapsedOther       = 0xD0
	collapsedNumber      = 0xD1
	collapsedLetter      = 0xD2
	collapsedPunctuation = 0xD3
	collapsedMark        = 0xD4
	collapsedSymbol      = 0xD5
)

func (t *splitText) wideRunes() []rune {
	if t.wide == nil {
		t.wide = make([]rune, len(t.cpts))
		for i, r := range t.cpts {
			if r > 0x7F && isWhitespace(r) {
				r = 0x0B
			}
			t.wide[i] = r
		}
	}
	return t.wide
}

func (t *splitText) collapsedRunes() []rune {
	if t.collapsed == nil {
		t.collapsed = make([]rune, len(t.cpts))
		for i, r := range t.cpts {
			if r >= 0x80 {
				r = collapse(r)
			}
			t.collapsed[i] = r
		}
	}
	return t.collapsed
}

func collapse(r rune) rune {
	if isWhitespace(r) {
		return 0x0B // \v: matched by \s, as llama.cpp's fallback for non-ASCII spaces
	}
	switch cptFlags(r) {
	case flagNumber:
		return collapsedNumber
	case flagLetter:
		return collapsedLetter
	case flagPunctuation:
		return collapsedPunctuation
	case flagMark:
		return collapsedMark
	case flagSymbol:
		return collapsedSymbol
	}
	return collapsedOther
}

// categories llama.cpp can collapse, with the ASCII members of each (k_ucat_map; note
// that '~' is missing from \p{S} there, and so here).
var collapsedClasses = map[string]struct {
	r     rune
	ascii string
}{
	`\p{N}`:  {collapsedNumber, `0-9`},
	`\p{L}`:  {collapsedLetter, `A-Za-z`},
	`\p{P}`:  {collapsedPunctuation, `!-#%-*,-/:-;?-@\[-\]_\{\}`},
	`\p{M}`:  {collapsedMark, ``},
	`\p{S}`:  {collapsedSymbol, `\$\+<->^` + "`" + `\|`},
	`\p{Lu}`: {collapsedLetter, `A-Za-z`},
	`\p{Ll}`: {collapsedLetter, `A-Za-z`},
	`\p{Lt}`: {collapsedLetter, `A-Za-z`},
	`\p{Lm}`: {collapsedLetter, `A-Za-z`},
	`\p{Lo}`: {collapsedLetter, `A-Za-z`},
}

func usesCategories(expr string) bool {
	for k := range collapsedClasses {
		if strings.Contains(expr, k) {
			return true
		}
	}
	return false
}

// collapseRegex rewrites \p{..} as llama.cpp does: outside brackets it becomes a
// bracket expression, inside it is spliced in. The expression must be ASCII.
func collapseRegex(expr string) (string, error) {
	for _, r := range expr {
		if r >= 0x80 {
			return "", fmt.Errorf("regex %q mixes unicode categories and non-ASCII characters", expr)
		}
	}
	var b strings.Builder
	inside := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c == '[' && (i == 0 || expr[i-1] != '\\') {
			b.WriteByte('[')
			inside = true
			continue
		}
		if inside && c == ']' && expr[i-1] != '\\' {
			b.WriteByte(']')
			inside = false
			continue
		}
		if c == '\\' && i+3 < len(expr) && expr[i+1] == 'p' && expr[i+2] == '{' {
			if j := strings.IndexByte(expr[i+3:], '}'); j >= 0 && i+3+j <= i+10 {
				if cl, ok := collapsedClasses[expr[i:i+3+j+1]]; ok {
					if !inside {
						b.WriteByte('[')
					}
					b.WriteRune(cl.r)
					b.WriteString(cl.ascii)
					if !inside {
						b.WriteByte(']')
					}
					i += 3 + j
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// toRegexp2 turns an ECMAScript pattern (as std::regex reads it) into a regexp2 pattern
// with the same meaning: \s and \S are the C locale's six ASCII spaces (std::regex under
// the "C" locale; regexp2 would also take Unicode spaces), \d is 0-9, and $ is the end of
// the text only (.NET's $ also matches before a final newline).
func toRegexp2(expr string) (string, error) {
	const space = `\t\n\v\f\r `
	var b strings.Builder
	inClass := false
	rs := []rune(expr)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\' && i+1 < len(rs):
			i++
			switch n := rs[i]; n {
			case 's':
				if inClass {
					b.WriteString(space)
				} else {
					b.WriteString("[" + space + "]")
				}
			case 'S', 'D':
				if inClass {
					return "", fmt.Errorf("regex %q: \\%c inside brackets is not supported", expr, n)
				}
				if n == 'S' {
					b.WriteString("[^" + space + "]")
				} else {
					b.WriteString("[^0-9]")
				}
			case 'd':
				if inClass {
					b.WriteString("0-9")
				} else {
					b.WriteString("[0-9]")
				}
			default:
				b.WriteRune('\\')
				b.WriteRune(n)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '^' {
				b.WriteRune('^')
				i++
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteRune(c)
		case c == '[' && inClass:
			b.WriteString(`\[`) // a literal in ECMAScript; regexp2 could read "-[" as subtraction
		case c == '$' && !inClass:
			b.WriteString(`\z`)
		default:
			b.WriteRune(c)
		}
	}
	return b.String(), nil
}

// regexSplit runs one regex over each chunk; matches and the gaps between them both
// become chunks (llama.cpp's unicode_regex_split_stl). A regex without lookaround runs
// on Go's regexp, which picks the match a backtracking engine would (leftmost, then
// first alternative) in linear time; the others run on regexp2.
type regexSplit struct {
	expr      string // as llama.cpp writes it
	re        *regexp2.Regexp
	fast      *regexp.Regexp // when the regex compiles there
	collapsed bool
}

func newRegexSplit(expr string) (*regexSplit, error) {
	s := &regexSplit{expr: expr, collapsed: usesCategories(expr)}
	p := expr
	if s.collapsed {
		var err error
		if p, err = collapseRegex(expr); err != nil {
			return nil, err
		}
	}
	p, err := toRegexp2(p)
	if err != nil {
		return nil, err
	}
	if s.re, err = regexp2.Compile(p, regexp2.None); err != nil {
		return nil, fmt.Errorf("regex %q: %w", expr, err)
	}
	if !strings.Contains(p, "(?=") && !strings.Contains(p, "(?!") && !strings.Contains(p, "(?<") {
		s.fast, _ = regexp.Compile(p) // nil if Go reads it differently: stay on regexp2
	}
	return s, nil
}

func (s *regexSplit) split(t *splitText, offsets []int) []int {
	text := t.wideRunes()
	if s.collapsed {
		text = t.collapsedRunes()
	}
	if s.fast != nil {
		return s.splitFast(text, offsets)
	}
	out := make([]int, 0, len(offsets))
	start := 0
	for _, n := range offsets {
		chunk := text[start : start+n]
		done := 0
		m, err := s.re.FindRunesMatch(chunk)
		for err == nil && m != nil {
			if m.Index > done {
				out = append(out, m.Index-done)
			}
			if m.Length > 0 {
				out = append(out, m.Length)
			}
			done = m.Index + m.Length
			m, err = s.re.FindNextMatch(m)
		}
		if done < n {
			out = append(out, n-done)
		}
		start += n
	}
	return out
}

// splitFast is split on Go's regexp. Codepoints Go cannot encode (surrogates) become
// U+FFFD, which no supported regex tells apart from them.
func (s *regexSplit) splitFast(text []rune, offsets []int) []int {
	out := make([]int, 0, len(offsets))
	var buf []byte
	start := 0
	for _, n := range offsets {
		buf = buf[:0]
		for _, r := range text[start : start+n] {
			buf = utf8.AppendRune(buf, r)
		}
		start += n
		done, doneRunes := 0, 0 // byte and rune position after the last match
		for _, m := range s.fast.FindAllIndex(buf, -1) {
			if m[0] > done {
				k := utf8.RuneCount(buf[done:m[0]])
				out = append(out, k)
				doneRunes += k
			}
			if m[1] > m[0] {
				k := utf8.RuneCount(buf[m[0]:m[1]])
				out = append(out, k)
				doneRunes += k
			}
			done = m[1]
		}
		if doneRunes < n {
			out = append(out, n-doneRunes)
		}
	}
	return out
}
