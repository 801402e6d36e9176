package grammar

import (
	"encoding/binary"
	"slices"
)

// A stack is a chain of nodes: the top node's pos is the byte element to match next, each
// parent's pos is where to go on once the rule above it ends. Nodes are interned, so a
// stack is one id and stacks share their tails; node 0 is the empty stack.
type node struct{ pos, parent int32 }

// A state is a set of stacks (sorted ids) plus whether the text so far may end here:
// a state of the lazily built automaton.
type state struct {
	stacks []int32
	accept bool
	next   *[256]int32 // transitions by byte: unknown, dead, or a state id
	mask   []uint64    // allowed tokens (Vocab order), once computed
	plain  int32       // plainNext + 10 (0: not computed yet)
}

const (
	unknown = -2
	dead    = -1
)

// automaton is the interned stacks and states of one grammar, and their transitions.
type automaton struct {
	g        *Grammar
	nodes    []node
	nodeIDs  map[node]int32
	states   []state
	stateIDs map[string]int32
	key      []byte
	out      []int32 // scratch: stacks of the state being built
	steps    int
}

func newAutomaton(g *Grammar) *automaton {
	a := &automaton{g: g}
	a.clear()
	return a
}

func (a *automaton) clear() {
	a.nodes = append(a.nodes[:0], node{-1, -1})
	a.nodeIDs = map[node]int32{}
	a.states = a.states[:0]
	a.stateIDs = map[string]int32{}
}

func (a *automaton) intern(pos, parent int32) int32 {
	n := node{pos, parent}
	if id, ok := a.nodeIDs[n]; ok {
		return id
	}
	a.nodes = append(a.nodes, n)
	id := int32(len(a.nodes) - 1)
	a.nodeIDs[n] = id
	return id
}

// start is the state before any text: the root rule's alternatives.
func (a *automaton) start() int32 {
	a.out = a.out[:0]
	accept := false
	for _, alt := range a.g.alts[a.g.root] {
		a.closure(alt, 0, &accept)
	}
	return a.state(accept)
}

// closure adds to a.out the stacks that continue at pos with the stack parent below:
// rule references expand into their alternatives (a reference that ends its sequence is a
// tail call: nothing is pushed for it), the end of an alternative returns to the parent,
// and the end of the root sets accept.
func (a *automaton) closure(pos, parent int32, accept *bool) {
	a.steps++
	e := a.g.elems[pos]
	switch e.kind {
	case elemByte:
		a.out = append(a.out, a.intern(pos, parent))
	case elemEnd:
		if parent == 0 {
			*accept = true
			return
		}
		p := a.nodes[parent]
		a.closure(p.pos, p.parent, accept)
	case elemRef:
		ret := parent
		if a.g.elems[pos+1].kind != elemEnd {
			ret = a.intern(pos+1, parent)
		}
		for _, alt := range a.g.alts[e.arg] {
			a.closure(alt, ret, accept)
		}
	}
}

// state interns the set of stacks in a.out.
func (a *automaton) state(accept bool) int32 {
	slices.Sort(a.out)
	a.out = slices.Compact(a.out)
	if len(a.out) == 0 && !accept {
		return dead
	}
	a.key = a.key[:0]
	if accept {
		a.key = append(a.key, 1)
	}
	for _, s := range a.out {
		a.key = binary.LittleEndian.AppendUint32(a.key, uint32(s))
	}
	if id, ok := a.stateIDs[string(a.key)]; ok {
		return id
	}
	id := int32(len(a.states))
	a.states = append(a.states, state{stacks: slices.Clone(a.out), accept: accept})
	a.stateIDs[string(a.key)] = id
	return id
}

// step is the state after byte b from state s (dead when no stack takes b).
func (a *automaton) step(s int32, b byte) int32 {
	st := &a.states[s]
	if st.next != nil {
		if n := st.next[b]; n != unknown {
			return n
		}
	} else {
		st.next = new([256]int32)
		for i := range st.next {
			st.next[i] = unknown
		}
	}
	a.out = a.out[:0]
	accept := false
	for _, id := range st.stacks {
		n := a.nodes[id]
		if a.g.sets[a.g.elems[n.pos].arg].has(b) {
			a.closure(n.pos+1, n.parent, &accept)
		}
	}
	ns := a.state(accept)
	a.states[s].next[b] = ns // a.states may have grown: index again
	return ns
}

// stacksOf returns the stacks of state s as position lists (top first), to carry a state
// across a clear.
func (a *automaton) stacksOf(s int32) ([][]int32, bool) {
	st := a.states[s]
	out := make([][]int32, len(st.stacks))
	for i, id := range st.stacks {
		for ; id != 0; id = a.nodes[id].parent {
			out[i] = append(out[i], a.nodes[id].pos)
		}
	}
	return out, st.accept
}

// restore interns a state saved by stacksOf.
func (a *automaton) restore(stacks [][]int32, accept bool) int32 {
	a.out = a.out[:0]
	for _, st := range stacks {
		id := int32(0)
		for i := len(st) - 1; i >= 0; i-- {
			id = a.intern(st[i], id)
		}
		a.out = append(a.out, id)
	}
	return a.state(accept)
}

// notUniform: plain bytes lead from the state to different states.
const notUniform = -3

// plainNext is the state every plain byte (plainByte) leads to from s (dead included), or
// notUniform when they do not all lead to one state.
func (a *automaton) plainNext(s int32) int32 {
	if p := a.states[s].plain; p != 0 {
		return p - 10
	}
	next := a.step(s, 'a')
	for b := 0x20; b < 0x7F && next != notUniform; b++ {
		if plainByte(byte(b)) && a.step(s, byte(b)) != next {
			next = notUniform
		}
	}
	a.states[s].plain = next + 10
	return next
}
