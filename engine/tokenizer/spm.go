package tokenizer

import "container/heap"

// SentencePiece-style BPE, as llama.cpp's llm_tokenizer_spm: start from UTF-8
// characters, repeatedly merge the adjacent pair whose concatenation is the vocab
// piece with the highest score (ties: leftmost), then emit each final symbol as its
// token, or re-split it along the recorded merges, or as byte tokens.

type symbol struct {
	prev, next int
	off, n     int // bytes of the text; n == 0 once merged away
}

type spmBigram struct {
	left, right int
	score       float32
	size        int
}

type spmQueue []spmBigram

func (q spmQueue) Len() int { return len(q) }
func (q spmQueue) Less(i, j int) bool {
	return q[i].score > q[j].score || q[i].score == q[j].score && q[i].left < q[j].left
}
func (q spmQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *spmQueue) Push(x any)   { *q = append(*q, x.(spmBigram)) }
func (q *spmQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type spmSession struct {
	t        *Tokenizer
	text     string
	symbols  []symbol
	queue    spmQueue
	revMerge map[string][2]int
}

// spmTokenize appends the tokens of text (spaces already escaped as ▁).
func (t *Tokenizer) spmTokenize(text string, out []int32) []int32 {
	s := &spmSession{t: t, text: text, revMerge: map[string][2]int{}}
	for off := 0; off < len(text); {
		n := min(utf8Len(text[off]), len(text)-off)
		i := len(s.symbols)
		next := i + 1
		if off+n == len(text) {
			next = -1
		}
		s.symbols = append(s.symbols, symbol{prev: i - 1, next: next, off: off, n: n})
		off += n
	}
	for i := 1; i < len(s.symbols); i++ {
		s.tryAddBigram(i-1, i)
	}
	for s.queue.Len() > 0 {
		b := heap.Pop(&s.queue).(spmBigram)
		l, r := &s.symbols[b.left], &s.symbols[b.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != b.size {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			s.symbols[r.next].prev = b.left
		}
		s.tryAddBigram(l.prev, b.left)
		s.tryAddBigram(b.left, l.next)
	}
	if len(s.symbols) == 0 {
		return out
	}
	for i := 0; i != -1; i = s.symbols[i].next {
		out = s.resegment(i, out, 0)
	}
	return out
}

func (s *spmSession) tryAddBigram(left, right int) {
	if left == -1 || right == -1 {
		return
	}
	l := s.symbols[left]
	text := s.text[l.off : l.off+l.n+s.symbols[right].n]
	id, ok := s.t.toID[text]
	if !ok {
		return
	}
	var score float32
	if s.t.scores != nil {
		score = s.t.scores[id]
	}
	heap.Push(&s.queue, spmBigram{left: left, right: right, score: score, size: len(text)})
	s.revMerge[text] = [2]int{left, right}
}

func (s *spmSession) resegment(i int, out []int32, depth int) []int32 {
	sym := s.symbols[i]
	text := s.text[sym.off : sym.off+sym.n]
	if id, ok := s.t.toID[text]; ok {
		return append(out, id)
	}
	if p, ok := s.revMerge[text]; ok && depth < len(s.symbols) {
		out = s.resegment(p[0], out, depth+1)
		return s.resegment(p[1], out, depth+1)
	}
	for j := 0; j < len(text); j++ {
		id := s.t.byteTok[text[j]]
		if id == NoToken {
			id = s.t.unk // llama.cpp throws here (a vocab without byte pieces)
		}
		if id != NoToken {
			out = append(out, id)
		}
	}
	return out
}
