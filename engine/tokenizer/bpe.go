package tokenizer

import "sync"

// Byte-level BPE, as llama.cpp's llm_tokenizer_bpe_session: each pre-token (already in
// GPT-2's alphabet) starts as its UTF-8 characters; the adjacent pair with the lowest
// merge rank (ties: leftmost) is merged until no ranked pair is left.

type bpeBigram struct {
	left, right int
	rank        int32
	size        int
}

// bpeQueue is a min-heap on (rank, then leftmost).
type bpeQueue []bpeBigram

func (q bpeQueue) less(i, j int) bool {
	return q[i].rank < q[j].rank || q[i].rank == q[j].rank && q[i].left < q[j].left
}

func (q *bpeQueue) push(b bpeBigram) {
	*q = append(*q, b)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *bpeQueue) pop() bpeBigram {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, best := 2*i+1, i
		if l < n && h.less(l, best) {
			best = l
		}
		if l+1 < n && h.less(l+1, best) {
			best = l + 1
		}
		if best == i {
			break
		}
		h[i], h[best] = h[best], h[i]
		i = best
	}
	*q = h
	return top
}

type bpeSession struct {
	t       *Tokenizer
	word    []byte
	symbols []symbol
	queue   bpeQueue
	key     []byte
}

// bpeWord appends the tokens of one byte-encoded pre-token.
func (s *bpeSession) bpeWord(word []byte, out []int32) []int32 {
	t := s.t
	if len(word) <= maxCachedWord {
		if ids, ok := t.words.get(word); ok {
			return append(out, ids...)
		}
		n := len(out)
		out = s.merge(word, out)
		t.words.put(word, out[n:])
		return out
	}
	return s.merge(word, out)
}

func (s *bpeSession) merge(word []byte, out []int32) []int32 {
	t := s.t
	if t.ignoreMerges {
		if id, ok := t.toID[string(word)]; ok {
			return append(out, id)
		}
	}
	s.word = word
	s.symbols = s.symbols[:0]
	s.queue = s.queue[:0]
	for off := 0; off < len(word); {
		n := min(utf8Len(word[off]), len(word)-off)
		i := len(s.symbols)
		next := i + 1
		if off+n == len(word) {
			next = -1
		}
		s.symbols = append(s.symbols, symbol{prev: i - 1, next: next, off: off, n: n})
		off += n
	}
	for i := 1; i < len(s.symbols); i++ {
		s.addBigram(i-1, i)
	}
	for len(s.queue) > 0 {
		b := s.queue.pop()
		l, r := &s.symbols[b.left], &s.symbols[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue // outdated: one side was merged since
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.symbols[r.next].prev = b.left
		}
		s.addBigram(l.prev, b.left)
		s.addBigram(b.left, l.next)
	}
	for _, sym := range s.symbols {
		if sym.n == 0 {
			continue
		}
		text := word[sym.off : sym.off+sym.n]
		if id, ok := t.toID[string(text)]; ok {
			out = append(out, id)
			continue
		}
		// llama.cpp looks each byte of the piece up as a one-byte token, and drops it
		// when there is none
		for _, c := range text {
			if id := t.rawByte[c]; id != NoToken {
				out = append(out, id)
			}
		}
	}
	return out
}

func (s *bpeSession) addBigram(left, right int) {
	if left == -1 || right == -1 {
		return
	}
	l, r := s.symbols[left], s.symbols[right]
	s.key = append(s.key[:0], s.word[l.off:l.off+l.n]...)
	s.key = append(s.key, ' ')
	s.key = append(s.key, s.word[r.off:r.off+r.n]...)
	rank, ok := s.t.ranks[string(s.key)]
	if !ok {
		return
	}
	s.queue.push(bpeBigram{left: left, right: right, rank: rank, size: l.n + r.n})
}

// wordCache remembers the tokens of short pre-tokens: natural text repeats its words.
type wordCache struct {
	mu sync.Mutex
	m  map[string][]int32
}

const (
	maxCachedWord  = 48
	maxCachedWords = 1 << 15
)

func (c *wordCache) get(word []byte) ([]int32, bool) {
	c.mu.Lock()
	ids, ok := c.m[string(word)]
	c.mu.Unlock()
	return ids, ok
}

func (c *wordCache) put(word []byte, ids []int32) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedWords {
		c.m = make(map[string][]int32)
	}
	c.m[string(word)] = append([]int32(nil), ids...)
	c.mu.Unlock()
}
