package jsonschema

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// pattern translates a regular expression (JSON Schema's pattern: it matches anywhere in
// the string unless anchored with ^ and $) to GBNF for the JSON string's content.
func (c *converter) pattern(p, path string) (string, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", &Error{Path: path, Keyword: "pattern", Msg: err.Error()}
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	anchoredStart, anchoredEnd := false, false
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		anchoredStart, subs = true, subs[1:]
	}
	if n := len(subs); n > 0 && (subs[n-1].Op == syntax.OpEndText || subs[n-1].Op == syntax.OpEndLine) {
		anchoredEnd, subs = true, subs[:n-1]
	}
	var parts []string
	char := c.prim("char")
	if !anchoredStart {
		parts = append(parts, char+"*")
	}
	for _, s := range subs {
		g, err := c.regex(s, path)
		if err != nil {
			return "", err
		}
		parts = append(parts, g)
	}
	if !anchoredEnd {
		parts = append(parts, char+"*")
	}
	if len(parts) == 0 {
		return `""`, nil
	}
	return "(" + strings.Join(parts, " ") + ")", nil
}

// jsonChar is how rune r is written inside a JSON string.
func jsonChar(r rune) string {
	switch r {
	case '"':
		return `\"`
	case '\\':
		return `\\`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x20 || r == 0x7F {
		return fmt.Sprintf(`\u%04x`, r)
	}
	return string(r)
}

func (c *converter) regex(re *syntax.Regexp, path string) (string, error) {
	sub := func() ([]string, error) {
		out := make([]string, len(re.Sub))
		for i, s := range re.Sub {
			g, err := c.regex(s, path)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	}
	switch re.Op {
	case syntax.OpEmptyMatch:
		return `""`, nil
	case syntax.OpLiteral:
		var parts []string
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && unicode.ToUpper(r) != unicode.ToLower(r) {
				parts = append(parts, classGBNF([]rune{unicode.ToLower(r), unicode.ToLower(r), unicode.ToUpper(r), unicode.ToUpper(r)}))
				continue
			}
			parts = append(parts, gbnfString(jsonChar(r)))
		}
		return "(" + strings.Join(parts, " ") + ")", nil
	case syntax.OpCharClass:
		return classGBNF(re.Rune), nil
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return c.prim("char"), nil
	case syntax.OpCapture:
		return c.regex(re.Sub[0], path)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		g, err := c.regex(re.Sub[0], path)
		if err != nil {
			return "", err
		}
		return "(" + g + ")" + map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[re.Op], nil
	case syntax.OpRepeat:
		g, err := c.regex(re.Sub[0], path)
		if err != nil {
			return "", err
		}
		if re.Max > 2000 || re.Min > 2000 {
			return "", unsupported(path, "pattern", "repetition counts above 2000 are not supported")
		}
		if re.Max < 0 {
			return fmt.Sprintf("(%s){%d,}", g, re.Min), nil
		}
		return fmt.Sprintf("(%s){%d,%d}", g, re.Min, re.Max), nil
	case syntax.OpConcat:
		parts, err := sub()
		if err != nil {
			return "", err
		}
		return "(" + strings.Join(parts, " ") + ")", nil
	case syntax.OpAlternate:
		parts, err := sub()
		if err != nil {
			return "", err
		}
		return "(" + strings.Join(parts, " | ") + ")", nil
	}
	return "", unsupported(path, "pattern", fmt.Sprintf("%q: only literals, classes, ., groups, alternation, repetition and ^...$ at the ends are supported", re.String()))
}

// classGBNF writes a rune class (pairs lo, hi) as GBNF over JSON string text: characters
// that JSON escapes (", \, controls) come as their escapes.
func classGBNF(pairs []rune) string {
	var ranges []string
	var escapes []string
	for i := 0; i+1 < len(pairs); i += 2 {
		lo, hi := pairs[i], pairs[i+1]
		// split around the characters JSON must escape
		for r := lo; r <= hi; {
			if r < 0x20 || r == '"' || r == '\\' || r == 0x7F {
				escapes = append(escapes, gbnfString(jsonChar(r)))
				r++
				continue
			}
			end := hi
			for _, x := range []rune{'"', '\\', 0x7F} {
				if x > r && x <= end {
					end = x - 1
				}
			}
			ranges = append(ranges, fmt.Sprintf(`\U%08X-\U%08X`, r, end))
			if end == unicode.MaxRune {
				break
			}
			r = end + 1
		}
	}
	var alts []string
	if len(ranges) > 0 {
		alts = append(alts, "["+strings.Join(ranges, "")+"]")
	}
	alts = append(alts, escapes...)
	if len(alts) == 0 {
		return `[^\x00-\U0010FFFF]`
	}
	return "(" + strings.Join(alts, " | ") + ")"
}
