package tokenizer

import "container/heap"

// Byte-level BPE, as llama.cpp's llm_tokenizer_bpe_session: each pre-token (already in
// GPT-2's alphabet) starts as its UTF-8 characters; the adjacent pair with the lowest
// merge rank (ties: leftmost) is merged until no ranked pair is left.

type bpeBigram struct {
	left, right int
	rank        int32
	size        int
}

type bpeQueue []bpeBigram

func (q bpeQueue) Len() int { return len(q) }
func (q bpeQueue) Less(i, j int) bool {
	return q[i].rank < q[j].rank || q[i].rank == q[j].rank && q[i].left < q[j].left
}
func (q bpeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *bpeQueue) Push(x any)   { *q = append(*q, x.(bpeBigram)) }
func (q *bpeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
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
	for s.queue.Len() > 0 {
		b := heap.Pop(&s.queue).(bpeBigram)
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
	heap.Push(&s.queue, bpeBigram{left: left, right: right, rank: rank, size: l.n + r.n})
}
