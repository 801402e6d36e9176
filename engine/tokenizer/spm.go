package tokenizer

// SentencePiece-style BPE, as llama.cpp's llm_tokenizer_spm: start from UTF-8
// characters, repeatedly merge the adjacent pair whose concatenation is the vocab
// piece with the highest score (ties: leftmost), then emit each final symbol as its
// token or as byte tokens.

type symbol struct {
	prev, next int
	off, n     int // bytes of the text; n == 0 once merged away
}

type spmBigram struct {
	left, right int
	score       float32
	size        int
}

// spmQueue is a max-heap on (score, then leftmost).
type spmQueue []spmBigram

func (q spmQueue) less(i, j int) bool {
	return q[i].score > q[j].score || q[i].score == q[j].score && q[i].left < q[j].left
}

func (q *spmQueue) push(b spmBigram) {
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

func (q *spmQueue) pop() spmBigram {
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

type spmSession struct {
	t       *Tokenizer
	text    string
	symbols []symbol
	queue   spmQueue
}

// spmTokenize appends the tokens of text (spaces already escaped as ▁).
func (t *Tokenizer) spmTokenize(text string, out []int32) []int32 {
	s := &spmSession{t: t, text: text}
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
	for len(s.queue) > 0 {
		b := s.queue.pop()
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
		out = s.resegment(i, out)
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
	s.queue.push(spmBigram{left: left, right: right, score: score, size: len(text)})
}

// resegment emits a final symbol. llama.cpp first looks the symbol up in a map of the
// merges it made, to re-split it; that lookup can never succeed (a merge is only made
// when its text is a token, and the map is only read for texts that are not), so the
// symbol is either a token or written as byte tokens.
func (s *spmSession) resegment(i int, out []int32) []int32 {
	sym := s.symbols[i]
	text := s.text[sym.off : sym.off+sym.n]
	if id, ok := s.t.toID[text]; ok {
		return append(out, id)
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
