package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a grammar the parser refuses; Line and Col (1-based, Col in characters) point
// at the problem when there is one place to point at.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "grammar: " + e.Msg
	}
	return fmt.Sprintf("grammar: %d:%d: %s", e.Line, e.Col, e.Msg)
}

// maxRepeat bounds a {m,n} count, as llama.cpp does.
const maxRepeat = 2000

// The syntax tree.
type (
	ruleDef struct {
		name string
		at   pos
		alts []seq
	}
	seq  []item
	item struct {
		kind     itemKind
		lit      []byte      // itemLiteral
		ranges   []runeRange // itemClass (already negated when written [^...])
		name     string      // itemRef
		alts     []seq       // itemGroup
		min, max int         // repetition; max -1: unbounded
		at       pos
	}
	itemKind  int
	runeRange struct{ lo, hi rune }
	pos       struct{ line, col int }
)

const (
	itemLiteral itemKind = iota
	itemClass
	itemRef
	itemGroup
)

type parser struct {
	src   string
	i     int
	depth int // group nesting: newlines are spaces inside groups
	rules []ruleDef
}

func (p *parser) posAt(i int) pos {
	line := 1 + strings.Count(p.src[:i], "\n")
	start := strings.LastIndexByte(p.src[:i], '\n') + 1
	return pos{line, 1 + utf8.RuneCountInString(p.src[start:i])}
}

func (p *parser) errAt(i int, format string, args ...any) *Error {
	at := p.posAt(min(i, len(p.src)))
	return &Error{Line: at.line, Col: at.col, Msg: fmt.Sprintf(format, args...)}
}

// space skips blanks and comments; newlines too when newlineOK.
func (p *parser) space(newlineOK bool) {
	for p.i < len(p.src) {
		switch c := p.src[p.i]; {
		case c == ' ' || c == '\t':
			p.i++
		case c == '#':
			for p.i < len(p.src) && p.src[p.i] != '\n' && p.src[p.i] != '\r' {
				p.i++
			}
		case (c == '\n' || c == '\r') && newlineOK:
			p.i++
		default:
			return
		}
	}
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func (p *parser) name() string {
	start := p.i
	for p.i < len(p.src) && isWordChar(p.src[p.i]) {
		p.i++
	}
	return p.src[start:p.i]
}

// parse reads the whole grammar.
func parseSource(src string) ([]ruleDef, error) {
	if !utf8.ValidString(src) {
		return nil, &Error{Msg: "the grammar is not valid UTF-8"}
	}
	p := &parser{src: src}
	p.space(true)
	for p.i < len(p.src) {
		if err := p.rule(); err != nil {
			return nil, err
		}
		p.space(true)
	}
	return p.rules, nil
}

func (p *parser) rule() error {
	start := p.i
	name := p.name()
	if name == "" {
		return p.errAt(p.i, "expected a rule name, found %s", p.found())
	}
	p.space(false)
	if !strings.HasPrefix(p.src[p.i:], "::=") {
		return p.errAt(p.i, "expected ::= after the rule name %q, found %s", name, p.found())
	}
	p.i += 3
	p.space(true)
	alts, err := p.alternatives()
	if err != nil {
		return err
	}
	if p.i < len(p.src) && p.src[p.i] != '\n' && p.src[p.i] != '\r' {
		return p.errAt(p.i, "unexpected %s (a rule ends at the end of its line)", p.found())
	}
	p.rules = append(p.rules, ruleDef{name: name, at: p.posAt(start), alts: alts})
	return nil
}

// found describes the input at the cursor for an error message.
func (p *parser) found() string {
	if p.i >= len(p.src) {
		return "the end of the grammar"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.i:])
	switch r {
	case '\n', '\r':
		return "the end of the line"
	}
	return strconv.QuoteRune(r)
}

func (p *parser) alternatives() ([]seq, error) {
	var alts []seq
	for {
		s, err := p.sequence()
		if err != nil {
			return nil, err
		}
		alts = append(alts, s)
		if p.i < len(p.src) && p.src[p.i] == '|' {
			p.i++
			p.space(true)
			continue
		}
		return alts, nil
	}
}

func (p *parser) sequence() (seq, error) {
	var s seq
	for p.i < len(p.src) {
		start := p.i
		c := p.src[p.i]
		var it item
		switch {
		case c == '"':
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			it = item{kind: itemLiteral, lit: lit}
		case c == '[':
			rs, err := p.class()
			if err != nil {
				return nil, err
			}
			it = item{kind: itemClass, ranges: rs}
		case c == '.':
			p.i++
			it = item{kind: itemClass, ranges: []runeRange{{0, utf8.MaxRune}}}
		case c == '(':
			p.i++
			p.depth++
			p.space(true)
			alts, err := p.alternatives()
			if err != nil {
				return nil, err
			}
			if p.i >= len(p.src) || p.src[p.i] != ')' {
				return nil, p.errAt(p.i, "expected ) to close the group opened at %s, found %s", p.posText(start), p.found())
			}
			p.i++
			p.depth--
			it = item{kind: itemGroup, alts: alts}
		case isWordChar(c):
			name := p.name()
			it = item{kind: itemRef, name: name}
			// a name followed by ::= starts the next rule: this sequence has ended
			save := p.i
			p.space(true)
			if strings.HasPrefix(p.src[p.i:], "::=") {
				if p.depth > 0 {
					return nil, p.errAt(start, "rule %q defined inside a group (missing ')'?)", name)
				}
				p.i = start
				return s, nil
			}
			p.i = save
		case c == '*' || c == '+' || c == '?' || c == '{':
			return nil, p.errAt(p.i, "%s has nothing to repeat", p.found())
		default:
			return s, nil
		}
		it.min, it.max, it.at = 1, 1, p.posAt(start)
		p.space(p.depth > 0)
		if err := p.repetition(&it); err != nil {
			return nil, err
		}
		s = append(s, it)
	}
	return s, nil
}

func (p *parser) posText(i int) string {
	at := p.posAt(i)
	return fmt.Sprintf("%d:%d", at.line, at.col)
}

func (p *parser) repetition(it *item) error {
	if p.i >= len(p.src) {
		return nil
	}
	switch p.src[p.i] {
	case '*':
		it.min, it.max = 0, -1
	case '+':
		it.min, it.max = 1, -1
	case '?':
		it.min, it.max = 0, 1
	case '{':
		start := p.i
		p.i++
		p.space(p.depth > 0)
		m, ok := p.number()
		if !ok {
			return p.errAt(p.i, "expected a number after {, found %s", p.found())
		}
		p.space(p.depth > 0)
		n := m
		if p.i < len(p.src) && p.src[p.i] == ',' {
			p.i++
			p.space(p.depth > 0)
			if v, ok := p.number(); ok {
				n = v
			} else {
				n = -1
			}
			p.space(p.depth > 0)
		}
		if p.i >= len(p.src) || p.src[p.i] != '}' {
			return p.errAt(p.i, "expected } to close the repetition at %s, found %s", p.posText(start), p.found())
		}
		if m > maxRepeat || n > maxRepeat {
			return p.errAt(start, "repetition count above %d", maxRepeat)
		}
		if n >= 0 && n < m {
			return p.errAt(start, "repetition {%d,%d}: the maximum is below the minimum", m, n)
		}
		it.min, it.max = m, n
	default:
		return nil
	}
	p.i++
	p.space(p.depth > 0)
	return nil
}

func (p *parser) number() (int, bool) {
	start := p.i
	for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.i++
	}
	if p.i == start {
		return 0, false
	}
	if p.i-start > 9 {
		return maxRepeat + 1, true
	}
	v, _ := strconv.Atoi(p.src[start:p.i])
	return v, true
}

func (p *parser) literal() ([]byte, error) {
	start := p.i
	p.i++ // "
	var out []byte
	for {
		if p.i >= len(p.src) || p.src[p.i] == '\n' || p.src[p.i] == '\r' {
			return nil, p.errAt(start, "unterminated string literal")
		}
		if p.src[p.i] == '"' {
			p.i++
			break
		}
		r, err := p.char()
		if err != nil {
			return nil, err
		}
		out = utf8.AppendRune(out, r)
	}
	p.space(p.depth > 0)
	return out, nil
}

// char reads one character of a literal or class, escapes decoded.
func (p *parser) char() (rune, error) {
	if p.src[p.i] != '\\' {
		r, n := utf8.DecodeRuneInString(p.src[p.i:])
		p.i += n
		return r, nil
	}
	start := p.i
	p.i++
	if p.i >= len(p.src) {
		return 0, p.errAt(start, "unfinished escape")
	}
	c := p.src[p.i]
	p.i++
	switch c {
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case '\\', '"', '[', ']', '-', '/', '\'':
		return rune(c), nil
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if p.i+n > len(p.src) {
			return 0, p.errAt(start, "\\%c needs %d hex digits", c, n)
		}
		v, err := strconv.ParseUint(p.src[p.i:p.i+n], 16, 32)
		if err != nil {
			return 0, p.errAt(start, "\\%c needs %d hex digits", c, n)
		}
		p.i += n
		if v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
			return 0, p.errAt(start, "\\%c%s is not a Unicode scalar value", c, p.src[p.i-n:p.i])
		}
		return rune(v), nil
	}
	p.i--
	return 0, p.errAt(start, "unknown escape \\%s", p.found())
}

func (p *parser) class() ([]runeRange, error) {
	start := p.i
	p.i++ // [
	negate := false
	if p.i < len(p.src) && p.src[p.i] == '^' {
		negate = true
		p.i++
	}
	var rs []runeRange
	for {
		if p.i >= len(p.src) || p.src[p.i] == '\n' || p.src[p.i] == '\r' {
			return nil, p.errAt(start, "unterminated character class")
		}
		if p.src[p.i] == ']' {
			p.i++
			break
		}
		lo, err := p.char()
		if err != nil {
			return nil, err
		}
		hi := lo
		if p.i+1 < len(p.src) && p.src[p.i] == '-' && p.src[p.i+1] != ']' && p.src[p.i+1] != '\n' && p.src[p.i+1] != '\r' {
			at := p.i
			p.i++
			if hi, err = p.char(); err != nil {
				return nil, err
			}
			if hi < lo {
				return nil, p.errAt(at, "range %q-%q is reversed", lo, hi)
			}
		}
		rs = append(rs, runeRange{lo, hi})
	}
	rs = normalize(rs)
	if negate {
		rs = complement(rs)
	}
	return rs, nil
}

// normalize sorts and merges ranges.
func normalize(rs []runeRange) []runeRange {
	for i := 1; i < len(rs); i++ { // insertion sort: classes are short
		for j := i; j > 0 && rs[j].lo < rs[j-1].lo; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	var out []runeRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// complement returns the code points (0..MaxRune) not in the normalized ranges rs.
func complement(rs []runeRange) []runeRange {
	var out []runeRange
	next := rune(0)
	for _, r := range rs {
		if r.lo > next {
			out = append(out, runeRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= utf8.MaxRune {
		out = append(out, runeRange{next, utf8.MaxRune})
	}
	return out
}
