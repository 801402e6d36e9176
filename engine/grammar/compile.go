package grammar

import (
	"fmt"
	"strings"
)

// byteSet is a set of bytes, one bit each.
type byteSet [4]uint64

func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s[c>>6] |= 1 << (c & 63)
	}
}
func (s *byteSet) empty() bool { return s[0]|s[1]|s[2]|s[3] == 0 }

type elemKind uint8

const (
	elemByte elemKind = iota // one byte out of sets[arg]
	elemRef                  // rule arg
	elemEnd                  // the end of an alternative
)

type elem struct {
	kind elemKind
	arg  int32
}

// Grammar is a compiled grammar: its rules as flat byte-level alternatives. It is
// immutable and may be shared by any number of Matchers.
type Grammar struct {
	elems []elem    // every alternative's elements, each ending with elemEnd
	sets  []byteSet // byte sets of the elemByte elements
	alts  [][]int32 // rule -> start positions of its alternatives in elems
	names []string  // rule -> name (generated rules: parent-N)
	root  int32
}

// Parse compiles GBNF source; its start rule is root.
func Parse(src string) (*Grammar, error) {
	return ParseRoot(src, "root")
}

// ParseRoot compiles GBNF source with the given start rule.
func ParseRoot(src, root string) (*Grammar, error) {
	defs, err := parseSource(src)
	if err != nil {
		return nil, err
	}
	c := &compiler{ids: map[string]int32{}, setIDs: map[byteSet]int32{}}
	for _, d := range defs {
		if id, ok := c.ids[d.name]; ok {
			first := c.at[id]
			return nil, &Error{Line: d.at.line, Col: d.at.col, Msg: fmt.Sprintf("rule %q is defined twice (first at %d:%d)", d.name, first.line, first.col)}
		}
		c.ids[d.name] = c.newRule(d.name, d.at)
	}
	rootID, ok := c.ids[root]
	if !ok {
		return nil, &Error{Msg: fmt.Sprintf("no %q rule: the grammar needs one to start from", root)}
	}
	for _, d := range defs {
		id := c.ids[d.name]
		alts, err := c.alternatives(d.name, d.alts)
		if err != nil {
			return nil, err
		}
		c.rules[id] = alts
	}
	if err := c.checkLeftRecursion(); err != nil {
		return nil, err
	}
	if !c.pruneUnfinishable(rootID) {
		at := c.at[rootID]
		return nil, &Error{Line: at.line, Col: at.col, Msg: fmt.Sprintf("rule %q can never finish: no finite text matches it", root)}
	}
	return c.flatten(rootID), nil
}

type compiler struct {
	ids    map[string]int32
	names  []string
	at     []pos
	rules  [][][]elem // rule -> alternatives -> elements
	sets   []byteSet
	setIDs map[byteSet]int32
	gen    map[string]int
}

func (c *compiler) newRule(name string, at pos) int32 {
	c.names = append(c.names, name)
	c.at = append(c.at, at)
	c.rules = append(c.rules, nil)
	return int32(len(c.names) - 1)
}

// generated makes a helper rule named after the rule it comes from.
func (c *compiler) generated(parent string, at pos, alts [][]elem) int32 {
	if c.gen == nil {
		c.gen = map[string]int{}
	}
	c.gen[parent]++
	id := c.newRule(fmt.Sprintf("%s-%d", parent, c.gen[parent]), at)
	c.rules[id] = alts
	return id
}

func (c *compiler) set(s byteSet) int32 {
	if id, ok := c.setIDs[s]; ok {
		return id
	}
	c.sets = append(c.sets, s)
	c.setIDs[s] = int32(len(c.sets) - 1)
	return int32(len(c.sets) - 1)
}

func (c *compiler) alternatives(rule string, alts []seq) ([][]elem, error) {
	out := make([][]elem, 0, len(alts))
	for _, s := range alts {
		var es []elem
		for _, it := range s {
			var err error
			if es, err = c.item(rule, it, es); err != nil {
				return nil, err
			}
		}
		out = append(out, es)
	}
	return out, nil
}

// atom compiles an item without its repetition.
func (c *compiler) atom(rule string, it item) ([]elem, error) {
	switch it.kind {
	case itemLiteral:
		es := make([]elem, len(it.lit))
		for i, b := range it.lit {
			var s byteSet
			s.addRange(b, b)
			es[i] = elem{elemByte, c.set(s)}
		}
		return es, nil
	case itemClass:
		var single byteSet
		var multi [][]elem
		for _, r := range it.ranges {
			utf8Sequences(r.lo, r.hi, func(seq []byteRange) {
				if len(seq) == 1 {
					single.addRange(seq[0].lo, seq[0].hi)
					return
				}
				es := make([]elem, len(seq))
				for i, br := range seq {
					var s byteSet
					s.addRange(br.lo, br.hi)
					es[i] = elem{elemByte, c.set(s)}
				}
				multi = append(multi, es)
			})
		}
		if len(multi) == 0 {
			return []elem{{elemByte, c.set(single)}}, nil // an empty set never matches
		}
		if !single.empty() {
			multi = append([][]elem{{{elemByte, c.set(single)}}}, multi...)
		}
		return []elem{{elemRef, c.generated(rule, it.at, multi)}}, nil
	case itemRef:
		id, ok := c.ids[it.name]
		if !ok {
			return nil, &Error{Line: it.at.line, Col: it.at.col, Msg: fmt.Sprintf("undefined rule %q", it.name)}
		}
		return []elem{{elemRef, id}}, nil
	case itemGroup:
		alts, err := c.alternatives(rule, it.alts)
		if err != nil {
			return nil, err
		}
		if len(alts) == 1 {
			return alts[0], nil
		}
		return []elem{{elemRef, c.generated(rule, it.at, alts)}}, nil
	}
	panic("grammar: unknown item")
}

// item appends it, repetition expanded, to es: x{m,n} is m copies of x, then n-m nested
// optional ones (x (x (x)?)?)?; an open repetition is a right-recursive rule R ::= x R | ε.
func (c *compiler) item(rule string, it item, es []elem) ([]elem, error) {
	a, err := c.atom(rule, it)
	if err != nil {
		return nil, err
	}
	if it.min == 1 && it.max == 1 {
		return append(es, a...), nil
	}
	if len(a) != 1 {
		a = []elem{{elemRef, c.generated(rule, it.at, [][]elem{a})}}
	}
	for i := 0; i < it.min; i++ {
		es = append(es, a...)
	}
	switch {
	case it.max < 0:
		id := c.newRule(fmt.Sprintf("%s-%d", rule, c.bump(rule)), it.at)
		c.rules[id] = [][]elem{append(append([]elem(nil), a...), elem{elemRef, id}), nil}
		es = append(es, elem{elemRef, id})
	case it.max > it.min:
		prev := int32(-1)
		for k := 0; k < it.max-it.min; k++ {
			body := append([]elem(nil), a...)
			if prev >= 0 {
				body = append(body, elem{elemRef, prev})
			}
			prev = c.generated(rule, it.at, [][]elem{body, nil})
		}
		es = append(es, elem{elemRef, prev})
	}
	return es, nil
}

func (c *compiler) bump(rule string) int {
	if c.gen == nil {
		c.gen = map[string]int{}
	}
	c.gen[rule]++
	return c.gen[rule]
}

// nullable: rules that can match the empty text.
func (c *compiler) nullable() []bool {
	null := make([]bool, len(c.rules))
	for changed := true; changed; {
		changed = false
		for r, alts := range c.rules {
			if null[r] {
				continue
			}
			for _, alt := range alts {
				ok := true
				for _, e := range alt {
					if e.kind == elemByte || !null[e.arg] {
						ok = false
						break
					}
				}
				if ok {
					null[r], changed = true, true
					break
				}
			}
		}
	}
	return null
}

// checkLeftRecursion refuses a rule that can reach itself before matching a byte: the
// matcher would expand it forever (llama.cpp refuses it too).
func (c *compiler) checkLeftRecursion() error {
	null := c.nullable()
	first := make([][]int32, len(c.rules)) // rules reachable at the start of each rule
	for r, alts := range c.rules {
		for _, alt := range alts {
			for _, e := range alt {
				if e.kind == elemByte {
					break
				}
				first[r] = append(first[r], e.arg)
				if !null[e.arg] {
					break
				}
			}
		}
	}
	const (
		unseen = iota
		active
		done
	)
	state := make([]int, len(c.rules))
	var path []int32
	var visit func(r int32) error
	visit = func(r int32) error {
		state[r] = active
		path = append(path, r)
		for _, n := range first[r] {
			switch state[n] {
			case active:
				i := len(path) - 1
				for path[i] != n {
					i--
				}
				var names []string
				for _, p := range path[i:] {
					names = append(names, c.names[p])
				}
				names = append(names, c.names[n])
				at := c.at[n]
				return &Error{Line: at.line, Col: at.col, Msg: fmt.Sprintf("left recursion: %s can reach itself without matching any text (%s)", c.names[n], strings.Join(names, " -> "))}
			case unseen:
				if err := visit(n); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		state[r] = done
		return nil
	}
	for r := range c.rules {
		if state[r] == unseen {
			if err := visit(int32(r)); err != nil {
				return err
			}
		}
	}
	return nil
}

// pruneUnfinishable drops every alternative that can never finish (it needs a rule that
// matches no finite text, or a character class that matches nothing), so that every state
// the matcher reaches can still end; it reports whether root can finish.
func (c *compiler) pruneUnfinishable(root int32) bool {
	fin := make([]bool, len(c.rules))
	ok := func(alt []elem) bool {
		for _, e := range alt {
			if e.kind == elemByte && c.sets[e.arg].empty() || e.kind == elemRef && !fin[e.arg] {
				return false
			}
		}
		return true
	}
	for changed := true; changed; {
		changed = false
		for r, alts := range c.rules {
			if fin[r] {
				continue
			}
			for _, alt := range alts {
				if ok(alt) {
					fin[r], changed = true, true
					break
				}
			}
		}
	}
	for r, alts := range c.rules {
		keep := alts[:0]
		for _, alt := range alts {
			if ok(alt) {
				keep = append(keep, alt)
			}
		}
		c.rules[r] = keep
	}
	return fin[root]
}

func (c *compiler) flatten(root int32) *Grammar {
	g := &Grammar{sets: c.sets, names: c.names, root: root, alts: make([][]int32, len(c.rules))}
	for r, alts := range c.rules {
		for _, alt := range alts {
			g.alts[r] = append(g.alts[r], int32(len(g.elems)))
			g.elems = append(g.elems, alt...)
			g.elems = append(g.elems, elem{kind: elemEnd})
		}
	}
	return g
}
