package sample

import (
	"math"
	"testing"
)

// allowSet allows the listed tokens.
type allowSet map[int32]bool

func (a allowSet) Allows(tok int32) bool { return a[tok] }
func (a allowSet) Mask(logits []float32) {
	for i := range logits {
		if !a[int32(i)] {
			logits[i] = float32(math.Inf(-1))
		}
	}
}

// SampleConstrained draws only allowed tokens, with the masked distribution p(t)/p(allowed),
// greedy picks the best allowed token, and nothing allowed gives -1.
func TestSampleConstrained(t *testing.T) {
	logits := []float32{3, 2, 1, 0, -1}
	o := DefaultOptions()
	o.TopK, o.TopP, o.MinP, o.Temperature = 0, 1, 0, 1
	s := New(o)
	allowed := allowSet{1: true, 3: true}
	counts := map[int32]int{}
	const n = 20000
	for i := 0; i < n; i++ {
		tok := s.SampleConstrained(logits, allowed)
		if !allowed[tok] {
			t.Fatalf("drew %d", tok)
		}
		counts[tok]++
	}
	want := math.Exp(2) / (math.Exp(2) + math.Exp(0)) // p(1 | {1, 3})
	if got := float64(counts[1]) / n; math.Abs(got-want) > 0.015 {
		t.Fatalf("p(1) = %.3f, want %.3f", got, want)
	}
	o.Temperature = 0
	if tok := New(o).SampleConstrained(logits, allowed); tok != 1 {
		t.Fatalf("greedy: %d", tok)
	}
	if tok := New(o).SampleConstrained(logits, allowSet{}); tok != -1 {
		t.Fatalf("nothing allowed: %d", tok)
	}
}
