package grammar

import (
	"bytes"
	"slices"

	"hearth/engine/tokenizer"
)

// Vocab is a model's vocabulary as the matcher sees it: each token's piece as bytes, a
// trie of the pieces in preorder (so a subtree that the grammar refuses is skipped in one
// jump), and the end-of-generation tokens. Build it once per model; it is read-only.
type Vocab struct {
	pieces [][]byte
	eog    []int32
	isEOG  []bool
	// trie nodes in preorder; node 0 is the root (the empty prefix)
	edge  []byte  // the byte leading to the node
	depth []int32 // its depth (the root: 0)
	end   []int32 // the first node after its subtree
	tokAt []int32 // tokens ending at node n: toks[tokAt[n]:tokAt[n+1]]
	// plainBelow[n]: every byte below node n is plain (printable ASCII but " and \), so a
	// state that stays put on plain bytes (inside a JSON string, say) allows the whole
	// subtree at once
	plainBelow []bool
	toks       []int32
	maxLen     int
	nTokens    int
}

// NewVocab indexes pieces (token id -> bytes; an empty piece is never allowed under a
// grammar) and the end-of-generation tokens (allowed only where the grammar may end).
func NewVocab(pieces [][]byte, eog []int32) *Vocab {
	v := &Vocab{pieces: pieces, eog: eog, isEOG: make([]bool, len(pieces)), nTokens: len(pieces)}
	for _, t := range eog {
		if t >= 0 && int(t) < len(pieces) {
			v.isEOG[t] = true
		}
	}
	var ids []int32
	for id, p := range pieces {
		if len(p) > 0 && !v.isEOG[id] {
			ids = append(ids, int32(id))
			v.maxLen = max(v.maxLen, len(p))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return bytes.Compare(pieces[a], pieces[b]) })
	v.build(ids, 0, 0)
	v.tokAt = append(v.tokAt, int32(len(v.toks)))
	v.plainBelow = make([]bool, len(v.edge))
	for n := len(v.edge) - 1; n >= 0; n-- { // children come after their parent
		ok := true
		for c := int32(n + 1); c < v.end[n]; c = v.end[c] {
			if !plainByte(v.edge[c]) || !v.plainBelow[c] {
				ok = false
				break
			}
		}
		v.plainBelow[n] = ok
	}
	return v
}

// plainByte: printable ASCII but the quote and the backslash.
func plainByte(b byte) bool { return b >= 0x20 && b < 0x7F && b != '"' && b != '\\' }

// FromTokenizer builds the Vocab of a tokenizer: pieces as the detokenizer writes them
// (control tokens have none), its end-of-generation tokens.
func FromTokenizer(t *tokenizer.Tokenizer) *Vocab {
	pieces := make([][]byte, t.Len())
	for i := range pieces {
		pieces[i] = t.Piece(int32(i), false)
	}
	return NewVocab(pieces, t.EOG())
}

// build appends the node for the sorted ids that share their first depth bytes, then its
// children, in preorder.
func (v *Vocab) build(ids []int32, depth int, b byte) {
	n := len(v.edge)
	v.edge = append(v.edge, b)
	v.depth = append(v.depth, int32(depth))
	v.end = append(v.end, 0)
	v.tokAt = append(v.tokAt, int32(len(v.toks)))
	i := 0
	for i < len(ids) && len(v.pieces[ids[i]]) == depth {
		v.toks = append(v.toks, ids[i])
		i++
	}
	for i < len(ids) {
		c := v.pieces[ids[i]][depth]
		j := i + 1
		for j < len(ids) && v.pieces[ids[j]][depth] == c {
			j++
		}
		v.build(ids[i:j], depth+1, c)
		i = j
	}
	v.end[n] = int32(len(v.edge))
}

// Len is the number of tokens.
func (v *Vocab) Len() int { return v.nTokens }
