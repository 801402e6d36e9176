package jsonschema

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// decodeOrdered decodes one JSON value (numbers as json.Number) and records the key order
// of every object under its JSON pointer, so properties keep the order they were written in.
func decodeOrdered(d *json.Decoder, path string, order map[string][]string) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			var keys []string
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := decodeOrdered(d, path+"/"+escapePointer(k), order)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			order[path] = keys
			return m, nil
		case '[':
			var list []any
			for i := 0; d.More(); i++ {
				v, err := decodeOrdered(d, fmt.Sprintf("%s/%d", path, i), order)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			if list == nil {
				list = []any{}
			}
			return list, nil
		}
	}
	return t, nil
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func checkEOF(d *json.Decoder) error {
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("text after the schema")
	}
	return nil
}

func (c *converter) array(s map[string]any, path, name string) (string, error) {
	space := c.prim("space")
	if p, ok := s["prefixItems"]; ok {
		list, ok := p.([]any)
		if !ok {
			return "", &Error{Path: path, Keyword: "prefixItems", Msg: "must be an array"}
		}
		if it, ok := s["items"]; ok && it != false {
			return "", unsupported(path, "items", "items beside prefixItems is not supported (a tuple is exactly its prefixItems)")
		}
		parts := []string{`"[" ` + space}
		for i, sub := range list {
			b, err := c.visit(sub, fmt.Sprintf("%s/prefixItems/%d", path, i), fmt.Sprintf("%s-%d", name, i))
			if err != nil {
				return "", err
			}
			if i > 0 {
				parts = append(parts, `"," `+space)
			}
			parts = append(parts, c.add(fmt.Sprintf("%s-%d", name, i), b))
		}
		return strings.Join(append(parts, `"]" `+space), " "), nil
	}
	var item string
	if it, ok := s["items"]; ok {
		b, err := c.visit(it, path+"/items", name+"-item")
		if err != nil {
			return "", err
		}
		item = c.add(name+"-item", b)
	} else {
		item = c.prim("value")
	}
	lo, _, err := intOf(s, "minItems", path)
	if err != nil {
		return "", err
	}
	hi, hasHi, err := intOf(s, "maxItems", path)
	if err != nil {
		return "", err
	}
	if lo > 2000 || hasHi && hi > 2000 {
		return "", unsupported(path, "maxItems", "item counts above 2000 are not supported")
	}
	if hasHi && hi < lo {
		return "", &Error{Path: path, Keyword: "maxItems", Msg: "is below minItems"}
	}
	if hasHi && hi == 0 {
		return `"[" ` + space + ` "]" ` + space, nil
	}
	rest := fmt.Sprintf("{%d,}", max(lo-1, 0))
	if hasHi {
		rest = fmt.Sprintf("{%d,%d}", max(lo-1, 0), hi-1)
	}
	list := fmt.Sprintf(`%s ("," %s %s)%s`, item, space, item, rest)
	if lo == 0 {
		list = "(" + list + ")?"
	}
	return `"[" ` + space + " " + list + ` "]" ` + space, nil
}

func (c *converter) object(s map[string]any, path, name string) (string, error) {
	space := c.prim("space")
	props, _ := s["properties"].(map[string]any)
	if s["properties"] != nil && props == nil {
		return "", &Error{Path: path, Keyword: "properties", Msg: "must be an object"}
	}
	required := map[string]bool{}
	if r, ok := s["required"]; ok {
		list, ok := r.([]any)
		if !ok {
			return "", &Error{Path: path, Keyword: "required", Msg: "must be an array of property names"}
		}
		for _, k := range list {
			ks, ok := k.(string)
			if !ok {
				return "", &Error{Path: path, Keyword: "required", Msg: "must be an array of property names"}
			}
			if _, ok := props[ks]; !ok {
				if ap, _ := s["additionalProperties"].(bool); s["additionalProperties"] == nil || !ap {
					return "", unsupported(path, "required", fmt.Sprintf("%q is required but not among the properties", ks))
				}
			}
			required[ks] = true
		}
	}
	var members []string // kv rules in the order written
	var optional []bool
	var names []string
	for _, k := range c.keyOrder[path+"/properties"] {
		b, err := c.visit(props[k], path+"/properties/"+escapePointer(k), name+"-"+k)
		if err != nil {
			return "", err
		}
		key, _ := json.Marshal(k)
		kv := c.add(name+"-"+k+"-kv", gbnfString(string(key))+" "+space+` ":" `+space+" "+c.add(name+"-"+k, b))
		members = append(members, kv)
		optional = append(optional, !required[k])
		names = append(names, k)
	}
	// additional members (any key but the named ones), after the named ones
	var extraValue string
	switch ap := s["additionalProperties"].(type) {
	case nil:
		if props == nil {
			extraValue = c.prim("value")
		}
	case bool:
		if ap {
			extraValue = c.prim("value")
		}
	default:
		b, err := c.visit(ap, path+"/additionalProperties", name+"-additional")
		if err != nil {
			return "", err
		}
		extraValue = c.add(name+"-additional", b)
	}
	if extraValue != "" {
		key := c.prim("string")
		if len(names) > 0 {
			key = c.add(name+"-other-key", `"\"" `+c.notStrings(name+"-other-key", names)+` "\"" `+space)
		}
		extra := c.add(name+"-extra-kv", key+` ":" `+space+" "+extraValue)
		members = append(members, c.add(name+"-extra-kvs", extra+` ("," `+space+" "+extra+")*"))
		optional = append(optional, true)
	}
	// first_i: members i.. with none written yet; next_i: members i.. after one was
	// written (each then preceded by a comma). Optional members may be left out.
	first, next := "", ""
	for i := len(members) - 1; i >= 0; i-- {
		kv := members[i]
		withNext := func(r string) string {
			if r == "" {
				return kv
			}
			return kv + " " + r
		}
		var nb, fb string
		if optional[i] {
			nb = `"," ` + space + " " + withNext(next)
			fb = withNext(next)
			if next != "" {
				nb += " | " + next
			} else {
				nb = "(" + nb + ")?"
			}
			if first != "" {
				fb += " | " + first
			} else {
				fb = "(" + fb + ")?"
			}
		} else {
			nb = `"," ` + space + " " + withNext(next)
			fb = withNext(next)
		}
		next = c.add(fmt.Sprintf("%s-next-%d", name, i), nb)
		first = c.add(fmt.Sprintf("%s-first-%d", name, i), fb)
	}
	inner := first
	return `"{" ` + space + " " + inner + ` "}" ` + space, nil
}

// notStrings is GBNF for the content of a JSON string (between the quotes) that is none of
// words: a trie of their encoded texts where each node may end (unless a word ends there),
// take a character no word continues with and then anything, or follow a word further.
func (c *converter) notStrings(name string, words []string) string {
	type trie struct {
		end  bool
		kids map[rune]*trie
	}
	root := &trie{kids: map[rune]*trie{}}
	for _, w := range words {
		b, _ := json.Marshal(w)
		n := root
		for _, r := range string(b[1 : len(b)-1]) {
			k := n.kids[r]
			if k == nil {
				k = &trie{kids: map[rune]*trie{}}
				n.kids[r] = k
			}
			n = k
		}
		n.end = true
	}
	char := c.prim("char")
	var visit func(n *trie, depth int) string
	visit = func(n *trie, depth int) string {
		var alts []string
		if !n.end {
			alts = append(alts, `""`)
		}
		rs := make([]rune, 0, len(n.kids))
		for r := range n.kids {
			rs = append(rs, r)
		}
		slices.Sort(rs)
		excl := `"\\\x7F\x00-\x1F`
		escapeLed := false
		for _, r := range rs {
			if r == '\\' {
				escapeLed = true
				continue
			}
			excl += fmt.Sprintf(`\U%08X`, r)
		}
		other := "[^" + excl + "] " + char + "*"
		if !escapeLed {
			other += ` | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) ` + char + "*"
		}
		alts = append(alts, other)
		for _, r := range rs {
			alts = append(alts, gbnfString(string(r))+" "+visit(n.kids[r], depth+1))
		}
		return c.add(fmt.Sprintf("%s-%d", name, depth), strings.Join(alts, " | "))
	}
	return visit(root, 0)
}
