package sample

// window holds the last cap accepted tokens and how often each occurs among them, kept
// up to date on every accept, as llama.cpp's penalties sampler does.
type window struct {
	ring   []int32 // capacity = PenaltyWindow; ring[(start+i)%len] is the i-th oldest
	start  int
	n      int
	counts map[int32]int32 // token -> occurrences in ring; no zero entries
}

func newWindow(size int) window {
	return window{ring: make([]int32, size), counts: make(map[int32]int32)}
}

func (w *window) accept(tok int32) {
	if len(w.ring) == 0 {
		return
	}
	if w.n == len(w.ring) {
		old := w.ring[w.start]
		if w.counts[old]--; w.counts[old] == 0 {
			delete(w.counts, old)
		}
		w.ring[w.start] = tok
		w.start = (w.start + 1) % len(w.ring)
	} else {
		w.ring[(w.start+w.n)%len(w.ring)] = tok
		w.n++
	}
	w.counts[tok]++
}

func (w *window) reset() {
	w.start, w.n = 0, 0
	clear(w.counts)
}

// applyPenalties adjusts logits (n_vocab,) in place for every token counted in counts,
// with llama.cpp's formula: l = l/repeat if l > 0 else l*repeat; then
// l -= count*freq + present. Tokens outside [0, len(logits)) are skipped. Each product is
// rounded to float32 before it is used (no fused multiply-add), so all platforms agree.
func applyPenalties(logits []float32, counts map[int32]int32, repeat, freq, present float32) {
	if repeat == 1 && freq == 0 && present == 0 {
		return
	}
	for tok, c := range counts { // map order is random, but each token is handled alone
		if tok < 0 || int(tok) >= len(logits) || c <= 0 {
			continue
		}
		l := logits[tok]
		if l <= 0 {
			l = float32(l * repeat)
		} else {
			l = l / repeat
		}
		logits[tok] = l - (float32(float32(c)*freq) + present)
	}
}
