package chat

import (
	"strings"
)

// The Jinja library's filters and string methods are fixed at build time and cannot be
// replaced, so the few that chat templates need to behave exactly like Python are routed to
// globals instead, by rewriting the template source before it is compiled:
//
//	x | tojson(a, k=v)      ->  __hearth_tojson(x, a, k=v)
//	s.split(sep, maxsplit)  ->  __hearth_split(s, sep, maxsplit)   (only with a maxsplit)
//	s.rsplit(...)           ->  __hearth_rsplit(s, ...)
//
// Only the insides of {{ }} and {% %} tags are touched (never text, comments or raw blocks),
// and the operand x is the postfix chain the filter or method applies to, as the library
// parses it: an atom (name, literal, bracketed group) followed by .attr, [index], (call) and
// earlier | filters. A chain that cannot be delimited with certainty is left to the library.

const (
	globalTojson = "__hearth_tojson"
	globalSplit  = "__hearth_split"
	globalRsplit = "__hearth_rsplit"
)

// rewriteWork bounds the bytes the rewrite lexes over a whole template (each construct
// rewritten re-lexes its tag, ~250 ns a byte): 25 times the most a real template takes
// (Kimi-K3's, 20 KB), so that a hostile one (a megabyte tag of a hundred thousand
// filters) costs ~0.1 s. Past it, the rest of the template is left to the library's own
// filters.
const rewriteWork = 512 << 10

// rewriteSource applies the rewrite to every expression and statement tag of src, splitting
// tags exactly as the library's scanner does.
func rewriteSource(src string) string {
	work := 0
	var out strings.Builder
	inRaw := false
	i := 0
	for i < len(src) {
		start := nextTag(src, i)
		if start < 0 {
			out.WriteString(src[i:])
			break
		}
		out.WriteString(src[i:start])
		kind := src[start+1]
		closer := "}}"
		switch kind {
		case '%':
			closer = "%}"
		case '#':
			closer = "#}"
		}
		bodyStart := start + 2
		if bodyStart < len(src) && src[bodyStart] == '-' {
			bodyStart++
		}
		bodyEnd, tagEnd := findCloser(src, bodyStart, closer, kind != '#')
		if bodyEnd < 0 { // unclosed: the library reports it
			out.WriteString(src[start:])
			break
		}
		body := src[bodyStart:bodyEnd]
		if kind == '%' {
			switch firstWord(body) {
			case "raw":
				inRaw = true
			case "endraw":
				inRaw = false
			}
		}
		if kind != '#' && !inRaw {
			body = rewriteBody(body, &work)
		}
		out.WriteString(src[start:bodyStart])
		out.WriteString(body)
		out.WriteString(src[bodyEnd:tagEnd])
		i = tagEnd
	}
	return out.String()
}

// nextTag returns the index of the next "{{", "{%" or "{#" at or after i, or -1.
func nextTag(src string, i int) int {
	for ; i+1 < len(src); i++ {
		if src[i] == '{' && (src[i+1] == '{' || src[i+1] == '%' || src[i+1] == '#') {
			return i
		}
	}
	return -1
}

// findCloser finds the end of a tag body starting at i: it returns where the body ends (before
// an optional "-") and where the tag ends. Quoted strings are skipped when quotes is set.
func findCloser(src string, i int, closer string, quotes bool) (bodyEnd, tagEnd int) {
	for i < len(src) {
		c := src[i]
		if quotes && (c == '\'' || c == '"') {
			i++
			for i < len(src) && src[i] != c {
				if src[i] == '\\' && i+1 < len(src) {
					i++
				}
				i++
			}
			i++
			continue
		}
		if c == '-' && strings.HasPrefix(src[i+1:], closer) {
			return i, i + 3
		}
		if strings.HasPrefix(src[i:], closer) {
			return i, i + 2
		}
		i++
	}
	return -1, -1
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// rtok is an expression token with its byte span in the tag body.
type rtok struct {
	kind       byte // 'n' name, 's' string, '0' number, 'p' punctuation
	text       string
	start, end int
}

func lexBody(s string) []rtok {
	var toks []rtok
	i := 0
	isName := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '\'' || c == '"':
			i++
			for i < len(s) && s[i] != c {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				i++
			}
			if i < len(s) {
				i++
			}
			toks = append(toks, rtok{'s', s[start:i], start, i})
			continue
		case c >= '0' && c <= '9':
			for i < len(s) && (isName(s[i]) || s[i] == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9') {
				i++
			}
			toks = append(toks, rtok{'0', s[start:i], start, i})
			continue
		case isName(c):
			for i < len(s) && isName(s[i]) {
				i++
			}
			toks = append(toks, rtok{'n', s[start:i], start, i})
			continue
		}
		if i+1 < len(s) {
			switch s[i : i+2] {
			case "**", "//", "==", "!=", "<=", ">=":
				toks = append(toks, rtok{'p', s[i : i+2], i, i + 2})
				i += 2
				continue
			}
		}
		toks = append(toks, rtok{'p', s[i : i+1], i, i + 1})
		i++
	}
	return toks
}

// keywords are names that are operators or statement words, never operands.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "is": true, "if": true, "else": true,
	"elif": true, "for": true, "set": true, "recursive": true, "with": true, "import": true,
	"macro": true, "call": true, "filter": true, "endfor": true, "endif": true, "as": true,
}

func (t rtok) is(kind byte, text string) bool { return t.kind == kind && t.text == text }

// postfixable reports whether t can end an expression that a following ( or [ applies to.
func postfixable(t rtok) bool {
	switch t.kind {
	case 'n':
		return !keywords[t.text]
	case 's':
		return true
	case 'p':
		return t.text == ")" || t.text == "]" || t.text == "}"
	}
	return false
}

// operandEnd reports whether t can end an operand, which makes a following - or + binary.
func operandEnd(t rtok) bool { return postfixable(t) || t.kind == '0' }

var pairs = map[string]string{")": "(", "]": "[", "}": "{"}

// matchBack returns the index of the bracket that opens the one closing at j, or -1.
func matchBack(toks []rtok, j int) int {
	var stack []string
	for k := j; k >= 0; k-- {
		t := toks[k]
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case ")", "]", "}":
			stack = append(stack, pairs[t.text])
		case "(", "[", "{":
			if len(stack) == 0 || stack[len(stack)-1] != t.text {
				return -1
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return k
			}
		}
	}
	return -1
}

// matchForward returns the index of the bracket that closes the one opening at i, or -1.
func matchForward(toks []rtok, i int) int {
	var stack []string
	for k := i; k < len(toks); k++ {
		t := toks[k]
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			stack = append(stack, t.text)
		case ")", "]", "}":
			if len(stack) == 0 || stack[len(stack)-1] != pairs[t.text] {
				return -1
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return k
			}
		}
	}
	return -1
}

// operandStart returns the first token of the postfix chain that ends at token j, or -1.
func operandStart(toks []rtok, j int) int {
	for j >= 0 {
		t := toks[j]
		var s int
		switch {
		case t.kind == 'p' && pairs[t.text] != "":
			o := matchBack(toks, j)
			if o < 0 {
				return -1
			}
			if toks[o].text != "{" && o > 0 && postfixable(toks[o-1]) {
				j = o - 1 // a call or subscript: continue with what it applies to
				continue
			}
			s = o
		case t.kind == 'n' && !keywords[t.text], t.kind == 's', t.kind == '0':
			s = j
		default:
			return -1
		}
		if s > 0 && t.kind == 'n' && (toks[s-1].is('p', ".") || toks[s-1].is('p', "|")) {
			j = s - 2 // an attribute or filter name: continue with its object
			continue
		}
		// In Jinja a unary sign binds tighter than a filter: -x|f is (-x)|f.
		for s > 0 && (toks[s-1].is('p', "-") || toks[s-1].is('p', "+")) && (s == 1 || !operandEnd(toks[s-2])) {
			s--
		}
		return s
	}
	return -1
}

// topLevelCommas counts the commas directly inside the bracket pair (open, close).
func topLevelCommas(toks []rtok, open, close int) int {
	n, depth := 0, 0
	for k := open + 1; k < close; k++ {
		switch toks[k].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 && toks[k].kind == 'p' {
				n++
			}
		}
	}
	return n
}

// rewriteBody rewrites one tag body, one construct at a time until none is left (or the
// template's rewrite work is spent).
func rewriteBody(body string, work *int) string {
	for range 1000 {
		if *work += len(body); *work > rewriteWork {
			return body
		}
		next, ok := rewriteOnce(body)
		if !ok {
			return body
		}
		body = next
	}
	return body
}

func rewriteOnce(body string) (string, bool) {
	toks := lexBody(body)
	for i := 0; i+1 < len(toks); i++ {
		var global string
		var argOpen int
		switch {
		case toks[i].is('p', "|") && toks[i+1].is('n', "tojson"):
			global, argOpen = globalTojson, i+2
		case toks[i].is('p', ".") && toks[i+1].is('n', "rsplit") && i+2 < len(toks) && toks[i+2].is('p', "("):
			global, argOpen = globalRsplit, i+2
		case toks[i].is('p', ".") && toks[i+1].is('n', "split") && i+2 < len(toks) && toks[i+2].is('p', "("):
			global, argOpen = globalSplit, i+2
		default:
			continue
		}
		if i == 0 {
			continue
		}
		start := operandStart(toks, i-1)
		if start < 0 {
			continue
		}
		end := toks[i+1].end
		args := ""
		if argOpen < len(toks) && toks[argOpen].is('p', "(") {
			closeIdx := matchForward(toks, argOpen)
			if closeIdx < 0 {
				continue
			}
			if global == globalSplit && topLevelCommas(toks, argOpen, closeIdx) == 0 && !strings.Contains(body[toks[argOpen].end:toks[closeIdx].start], "maxsplit") {
				continue // plain split(sep): the library's own is right
			}
			args = strings.TrimSpace(body[toks[argOpen].end:toks[closeIdx].start])
			end = toks[closeIdx].end
		}
		call := global + "(" + body[toks[start].start:toks[i-1].end]
		if args != "" {
			call += ", " + args
		}
		call += ")"
		return body[:toks[start].start] + call + body[end:], true
	}
	return body, false
}
