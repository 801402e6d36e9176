package sample

import (
	"math"
	"slices"
)

// cand is one surviving token and its (penalized) logit.
type cand struct {
	id    int32
	logit float32
}

// better orders candidates: higher logit first, lower id first among equal logits.
// Candidates never hold NaN (they are made -Inf on the way in), so this is a total order.
func better(a, b cand) bool {
	return a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
}

// topK selects the k best of logits (n,) into dst[:k], sorted best first; 0 < k <= n.
// NaN logits count as -Inf. logits (n,) -> dst (k,)
//
// A min-heap of the k best so far, its worst at the root: each logit costs one compare
// with the root's logit and, rarely, a sift. O(n + k log k log(n/k)) expected, no
// allocation when cap(dst) >= k. Ends with an in-place heap sort of the k survivors.
func topK(dst []cand, logits []float32, k int) []cand {
	negInf := float32(math.Inf(-1))
	h := slices.Grow(dst[:0], k)[:k]
	for i := range k {
		l := logits[i]
		if l != l {
			l = negInf
		}
		h[i] = cand{int32(i), l}
	}
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	floor := h[0].logit
	for i := k; i < len(logits); i++ {
		// Ids only grow, so a logit equal to the root's loses the tie: <= skips it.
		// NaN fails both comparisons and is skipped too.
		l := logits[i]
		if l <= floor || l != l {
			continue
		}
		h[0] = cand{int32(i), l}
		siftDown(h, 0)
		floor = h[0].logit
	}
	// Heap sort: move the worst to the end, one at a time, leaving the best at h[0].
	for end := k - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		siftDown(h[:end], 0)
	}
	return h
}

// siftDown restores the min-heap (worst candidate at the root) below node i.
func siftDown(h []cand, i int) {
	for {
		w := i
		if l := 2*i + 1; l < len(h) && better(h[w], h[l]) {
			w = l
		}
		if r := 2*i + 2; r < len(h) && better(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// topKRef is the scalar reference for topK: sort everything, keep the first k.
func topKRef(logits []float32, k int) []cand {
	all := make([]cand, len(logits))
	for i, l := range logits {
		if l != l {
			l = float32(math.Inf(-1))
		}
		all[i] = cand{int32(i), l}
	}
	slices.SortFunc(all, compare)
	return all[:k]
}
