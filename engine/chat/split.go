package chat

import (
	"fmt"
	"strings"
	"unicode"

	"hearth/engine/chat/jinja"
)

// pySpace reports whether r is whitespace for Python's str.split(): Unicode White_Space plus
// the ASCII separators U+001C..U+001F.
func pySpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// pySplit is Python's str.split(sep, maxsplit) (right is false) or str.rsplit (right is
// true). sep "" with hasSep false splits on runs of whitespace; maxsplit < 0 means no limit.
func pySplit(s, sep string, hasSep bool, maxsplit int, right bool) ([]string, error) {
	if hasSep {
		if sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		if !right {
			n := -1
			if maxsplit >= 0 {
				n = maxsplit + 1
			}
			return strings.SplitN(s, sep, n), nil
		}
		var parts []string
		for maxsplit != 0 {
			k := strings.LastIndex(s, sep)
			if k < 0 {
				break
			}
			parts = append(parts, s[k+len(sep):])
			s = s[:k]
			maxsplit--
		}
		parts = append(parts, s)
		reverse(parts)
		return parts, nil
	}
	rs := []rune(s)
	var parts []string
	if !right {
		i := 0
		for {
			for i < len(rs) && pySpace(rs[i]) {
				i++
			}
			if i == len(rs) {
				break
			}
			if maxsplit == 0 {
				parts = append(parts, string(rs[i:])) // the rest, trailing whitespace and all
				break
			}
			j := i
			for j < len(rs) && !pySpace(rs[j]) {
				j++
			}
			parts = append(parts, string(rs[i:j]))
			maxsplit--
			i = j
		}
		return parts, nil
	}
	j := len(rs)
	for {
		for j > 0 && pySpace(rs[j-1]) {
			j--
		}
		if j == 0 {
			break
		}
		if maxsplit == 0 {
			parts = append(parts, string(rs[:j]))
			break
		}
		i := j
		for i > 0 && !pySpace(rs[i-1]) {
			i--
		}
		parts = append(parts, string(rs[i:j]))
		maxsplit--
		j = i
	}
	reverse(parts)
	return parts, nil
}

// splitBudget charges a split of s and checks the number of parts before it is done.
func splitBudget(bud *jinja.Budget, s, sep string, hasSep bool, maxsplit int64) error {
	if err := bud.Scan(2 * len(s)); err != nil {
		return err
	}
	var n int64
	switch {
	case hasSep && sep == "":
		return nil // an error, reported by pySplit
	case hasSep:
		n = int64(strings.Count(s, sep)) + 1
	default:
		in := false
		for _, r := range s {
			if pySpace(r) {
				in = false
			} else if !in {
				in = true
				n++
			}
		}
	}
	if maxsplit >= 0 {
		n = min(n, maxsplit+1)
	}
	if err := bud.List(n); err != nil {
		return err
	}
	return bud.Memory(int64(len(s)))
}

func reverse(s []string) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// splitCall is the global that s.split(...) / s.rsplit(...) are rewritten to: args[0] is s,
// then sep and maxsplit, positional or by keyword, as in Python.
func splitCall(right bool) jinja.Value {
	name := "split"
	if right {
		name = "rsplit"
	}
	return jinja.NewBudgetCallable(name, func(bud *jinja.Budget, args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
		if len(args) == 0 || !args[0].IsString() {
			return jinja.Undefined(), fmt.Errorf("%s: not a string", name)
		}
		if len(args) > 3 {
			return jinja.Undefined(), fmt.Errorf("%s: too many arguments", name)
		}
		sep, maxsplit := jinja.None(), jinja.NewInt(-1)
		if len(args) > 1 {
			sep = args[1]
		}
		if len(args) > 2 {
			maxsplit = args[2]
		}
		for k, v := range kwargs {
			switch k {
			case "sep":
				sep = v
			case "maxsplit":
				maxsplit = v
			default:
				return jinja.Undefined(), fmt.Errorf("%s: unexpected keyword argument %q", name, k)
			}
		}
		if !maxsplit.IsInt() {
			return jinja.Undefined(), fmt.Errorf("%s: maxsplit must be an integer", name)
		}
		if !sep.IsNone() && !sep.IsString() {
			return jinja.Undefined(), fmt.Errorf("%s: sep must be a string or None", name)
		}
		var sepStr string
		if sep.IsString() {
			sepStr = sep.AsString()
		}
		if err := splitBudget(bud, args[0].AsString(), sepStr, sep.IsString(), maxsplit.AsInt()); err != nil {
			return jinja.Undefined(), err
		}
		parts, err := pySplit(args[0].AsString(), sepStr, sep.IsString(), int(min(maxsplit.AsInt(), 1<<40)), right)
		if err != nil {
			return jinja.Undefined(), fmt.Errorf("%s: %w", name, err)
		}
		items := make([]jinja.Value, len(parts))
		for i, p := range parts {
			items[i] = jinja.NewString(p)
		}
		return jinja.NewList(items), nil
	})
}
