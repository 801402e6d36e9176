package sample

import (
	"math"
	"slices"
	"testing"
)

func lnp(p float64) float32 { return float32(math.Log(p)) }

var inf = float32(math.Inf(1))

// Probabilities 0.5, 0.2, 0.15, 0.1, 0.05 (as logits ln p): top-p keeps the shortest
// prefix whose cumulative probability 0.5, 0.7, 0.85, 0.95, 1 reaches p.
func TestTopPSortedHand(t *testing.T) {
	c := []cand{{4, lnp(0.5)}, {0, lnp(0.2)}, {2, lnp(0.15)}, {1, lnp(0.1)}, {3, lnp(0.05)}}
	for _, tc := range []struct {
		p    float64
		keep int
	}{{0.01, 1}, {0.45, 1}, {0.6, 2}, {0.75, 3}, {0.86, 4}, {0.96, 5}, {1, 5}} {
		if got := topPSorted(c, tc.p); got != tc.keep {
			t.Errorf("top-p %v keeps %d, want %d", tc.p, got, tc.keep)
		}
	}
	// Probabilities are renormalized over the list given (what top-k left): the
	// first two alone are 5/7 = 0.714 and 2/7, so 0.71 keeps one and 0.72 both.
	if got := topPSorted(c[:2], 0.71); got != 1 {
		t.Errorf("top-p 0.71 over {5/7, 2/7} keeps %d, want 1", got)
	}
	if got := topPSorted(c[:2], 0.72); got != 2 {
		t.Errorf("top-p 0.72 over {5/7, 2/7} keeps %d, want 2", got)
	}
}

// topPAll (growing partial selection) keeps exactly what sorting everything keeps,
// including lists that need the second, third and final rounds.
func TestTopPAllCrossCheck(t *testing.T) {
	flat := make([]float32, 3000)
	withNaN := testLogits(2000, 8)
	for i := 0; i < len(withNaN); i += 37 {
		withNaN[i] = float32(math.NaN())
	}
	wide := goldenLogits(5000, 9, 6) // [-60, 60]: many tokens past the 32-unit histogram
	inputs := [][]float32{testLogits(4099, 5), testLogits(300, 6), testLogits(10, 7), flat, withNaN, wide,
		{1, inf, 3, inf}, {-inf, float32(math.NaN()), -inf}, {2}}
	for _, logits := range inputs {
		for _, p := range []float64{0.05, 0.5, 0.9, 0.95, 0.999, 0.999999} {
			got := topPAll(nil, logits, p)
			all := topKRef(logits, len(logits))
			want := all[:topPSorted(all, p)]
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d p=%v: kept %d, want %d", len(logits), p, len(got), len(want))
			}
		}
	}
	// +Inf maxima share the mass; all -Inf (NaN included) are equally likely.
	if got := ids(topPAll(nil, []float32{1, inf, 3, inf}, 0.5)); !slices.Equal(got, []int32{1}) {
		t.Errorf("top-p 0.5 with two +Inf keeps %v, want [1]", got)
	}
	if got := ids(topPAll(nil, []float32{-inf, float32(math.NaN()), -inf}, 0.5)); !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("top-p 0.5 over three -Inf keeps %v, want [0 1]", got)
	}
	// Flat logits: p of the vocabulary, rounded up, is kept.
	if got := topPAll(nil, flat, 0.5); len(got) != 1500 {
		t.Fatalf("flat 3000, p=0.5: kept %d, want 1500", len(got))
	}
}

// min-p keeps p_i >= minP * p_max, in the order given.
func TestMinPHand(t *testing.T) {
	base := []cand{{0, lnp(0.1)}, {1, lnp(0.5)}, {2, lnp(0.05)}, {3, lnp(0.2)}, {4, lnp(0.15)}, {5, -inf}}
	for _, tc := range []struct {
		p    float64
		want []int32
	}{
		{0.25, []int32{1, 3, 4}},       // threshold 0.125
		{0.5, []int32{1}},              // threshold 0.25
		{0.09, []int32{0, 1, 2, 3, 4}}, // threshold 0.045: all finite ones
		{1, []int32{1}},
	} {
		got := minP(slices.Clone(base), tc.p)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("min-p %v keeps %v, want %v", tc.p, ids(got), tc.want)
		}
	}
	// Equal maxima all survive min-p 1; +Inf maxima take everything.
	if got := ids(minP([]cand{{0, 2}, {1, 3}, {2, 3}}, 1)); !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("min-p 1 with tied maxima keeps %v", got)
	}
	if got := ids(minP([]cand{{0, 2}, {1, inf}, {2, 1e30}}, 0.01)); !slices.Equal(got, []int32{1}) {
		t.Errorf("min-p with a +Inf logit keeps %v", got)
	}
}

func ids(c []cand) []int32 {
	out := make([]int32, len(c))
	for i, x := range c {
		out[i] = x.id
	}
	return out
}
