package grammar

import (
	"errors"
	"fmt"
	"math"
)

// Cache limits: past them the automaton starts over from the current state (the grammar
// stays exact; only work is redone).
const (
	maxStates    = 1 << 14
	maxMaskBytes = 64 << 20
)

// Constraint is a grammar bound to a vocabulary, with the automaton and the per-state
// token masks it has built so far. Matchers made from it share that work: the second
// generation under the same grammar is cheaper than the first. It serves one Matcher at a
// time (not safe for concurrent use); a new Matcher invalidates the older ones.
type Constraint struct {
	g     *Grammar
	v     *Vocab
	a     *automaton
	start int32
	masks int // masks computed and held
	epoch int
	walk  []int32 // scratch: the state at each trie depth
}

// Bind prepares g for generation over v.
func Bind(g *Grammar, v *Vocab) *Constraint {
	c := &Constraint{g: g, v: v, a: newAutomaton(g)}
	c.start = c.a.start()
	c.walk = make([]int32, v.maxLen+2)
	return c
}

// Matcher follows one generation through the grammar.
type Matcher struct {
	c     *Constraint
	s     int32
	epoch int
	ended bool // an end-of-generation token was accepted
}

// NewMatcher starts at the beginning of the grammar.
func (c *Constraint) NewMatcher() *Matcher {
	c.epoch++
	return &Matcher{c: c, s: c.start, epoch: c.epoch}
}

var errStale = errors.New("grammar: a newer Matcher of the same Constraint is in use")

func (m *Matcher) check() {
	if m.epoch != m.c.epoch {
		panic(errStale)
	}
}

// walkBytes is the state after b from s (dead if the grammar refuses b).
func (c *Constraint) walkBytes(s int32, b []byte) int32 {
	for _, x := range b {
		if s = c.a.step(s, x); s == dead {
			return dead
		}
	}
	return s
}

// Allows reports whether tok may come next.
func (m *Matcher) Allows(tok int32) bool {
	m.check()
	c := m.c
	if tok < 0 || int(tok) >= c.v.nTokens || m.ended {
		return false
	}
	if c.v.isEOG[tok] {
		return c.a.states[m.s].accept
	}
	p := c.v.pieces[tok]
	return len(p) > 0 && c.walkBytes(m.s, p) != dead
}

// Mask sets the logit of every token the grammar does not allow next to -Inf. logits
// covers the vocabulary (extra entries, if any, are masked too).
func (m *Matcher) Mask(logits []float32) {
	m.check()
	mask := m.c.mask(m.s)
	negInf := float32(math.Inf(-1))
	if m.ended {
		mask = nil
	}
	for i := range logits {
		w := i >> 6
		if w >= len(mask) || mask[w]&(1<<(i&63)) == 0 {
			logits[i] = negInf
		}
	}
}

// Accept moves past tok, which must be allowed.
func (m *Matcher) Accept(tok int32) error {
	m.check()
	c := m.c
	if tok < 0 || int(tok) >= c.v.nTokens {
		return fmt.Errorf("grammar: token %d is outside the vocabulary", tok)
	}
	if c.v.isEOG[tok] {
		if !c.a.states[m.s].accept || m.ended {
			return fmt.Errorf("grammar: the end of generation (token %d) is not allowed here", tok)
		}
		m.ended = true
		return nil
	}
	return m.AcceptBytes(c.v.pieces[tok])
}

// AcceptBytes moves past text (it must be allowed: a prefix of some text of the grammar).
func (m *Matcher) AcceptBytes(b []byte) error {
	m.check()
	if m.ended {
		return errors.New("grammar: nothing may follow the end of generation")
	}
	if len(b) == 0 {
		return errors.New("grammar: a token with no text is not allowed")
	}
	s := m.c.walkBytes(m.s, b)
	if s == dead {
		return fmt.Errorf("grammar: %q is not allowed here", b)
	}
	m.s = s
	m.c.trim(m)
	return nil
}

// CanEnd reports whether the text so far is a complete match.
func (m *Matcher) CanEnd() bool { m.check(); return m.c.a.states[m.s].accept }

// Done reports that the grammar is complete and allows nothing more (or an
// end-of-generation token was accepted).
func (m *Matcher) Done() bool {
	m.check()
	st := m.c.a.states[m.s]
	return m.ended || st.accept && len(st.stacks) == 0
}

// mask returns (computing once) the allowed-token bitset of state s: a preorder walk of
// the vocabulary trie that skips every subtree whose prefix the grammar refuses.
func (c *Constraint) mask(s int32) []uint64 {
	if mk := c.a.states[s].mask; mk != nil {
		return mk
	}
	v := c.v
	mk := make([]uint64, (v.nTokens+63)/64)
	set := func(t int32) { mk[t>>6] |= 1 << (t & 63) }
	if c.a.states[s].accept {
		for _, t := range v.eog {
			set(t)
		}
	}
	walk := c.walk
	walk[0] = s
	edge, depth, end, tokAt, toks, plainBelow := v.edge, v.depth, v.end, v.tokAt, v.toks, v.plainBelow
	for n := int32(1); n < int32(len(edge)); {
		d := depth[n]
		from := walk[d-1]
		ns := int32(unknown)
		if next := c.a.states[from].next; next != nil { // the known transition, without a call
			ns = next[edge[n]]
		}
		if ns == unknown {
			ns = c.a.step(from, edge[n])
		}
		if ns == dead {
			n = end[n]
			continue
		}
		walk[d] = ns
		if plainBelow[n] && end[n] > n+1 && c.plainSubtree(mk, n, ns) {
			n = end[n]
			continue
		}
		for _, t := range toks[tokAt[n]:tokAt[n+1]] {
			mk[t>>6] |= 1 << (t & 63)
		}
		n++
	}
	c.a.states[s].mask = mk
	c.masks++
	return mk
}

// trim starts the automaton over from m's state when it has grown past its limits.
func (c *Constraint) trim(m *Matcher) {
	if len(c.a.states) < maxStates && c.masks*(c.v.nTokens/8+8) < maxMaskBytes {
		return
	}
	stacks, accept := c.a.stacksOf(m.s)
	c.a.clear()
	c.masks = 0
	c.start = c.a.start()
	m.s = c.a.restore(stacks, accept)
}

// plainSubtree marks the allowed tokens of trie node n's subtree, reached in state s, when
// every byte below n is plain and, from s on, each plain byte leads to one state whatever
// the byte (inside a JSON string: the same state, or the next count of a bounded one):
// then a token is allowed iff its length below n stays within the states that are alive.
// It reports false (nothing marked) when the states are not so uniform.
func (c *Constraint) plainSubtree(mk []uint64, n int32, s int32) bool {
	v := c.v
	alive := 0 // plain bytes that may follow
	chain := s
	for alive < v.maxLen {
		next := c.a.plainNext(chain)
		if next == notUniform {
			return false
		}
		if next == dead {
			break
		}
		chain = next
		alive++
	}
	base := int(v.depth[n])
	for _, t := range v.toks[v.tokAt[n]:v.tokAt[v.end[n]]] {
		if len(v.pieces[t])-base <= alive {
			mk[t>>6] |= 1 << (t & 63)
		}
	}
	return true
}
