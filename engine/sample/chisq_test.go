package sample

import (
	"math"
	"slices"
	"sort"
	"testing"
)

// refProbs is an independent reference for the whole chain on a small vocabulary
// (no penalties): sort, top-k, top-p and min-p at temperature 1, then the softmax at
// temperature temp over the survivors, all with math.Exp. Ties do not occur in the
// inputs used here.
func refProbs(logits []float32, o Options) []float64 {
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return logits[idx[a]] > logits[idx[b]] })
	if o.TopK > 0 && o.TopK < len(idx) {
		idx = idx[:o.TopK]
	}
	softmax := func(ids []int, temp float64) []float64 {
		p := make([]float64, len(ids))
		sum := 0.0
		for i, id := range ids {
			p[i] = math.Exp(float64(logits[id]) / temp)
			sum += p[i]
		}
		for i := range p {
			p[i] /= sum
		}
		return p
	}
	if o.TopP < 1 {
		cum := 0.0
		for i, p := range softmax(idx, 1) {
			cum += p
			if cum >= float64(o.TopP) {
				idx = idx[:i+1]
				break
			}
		}
	}
	if o.MinP > 0 {
		top := float64(logits[idx[0]])
		idx = slices.DeleteFunc(idx, func(id int) bool {
			return math.Exp(float64(logits[id])-top) < float64(o.MinP)
		})
	}
	out := make([]float64, len(logits))
	for i, p := range softmax(idx, float64(o.Temperature)) {
		out[idx[i]] = p
	}
	return out
}

// Draws follow the chain's distribution: a chi-square goodness-of-fit test on 200000
// draws (fixed seed, so the outcome is fixed), against the 0.999 quantile of chi-square.
// Tokens the reference gives probability 0 must never be drawn.
func TestChiSquare(t *testing.T) {
	logits := []float32{0.3, -1.2, 2.0, 0.7, -0.4, 1.1, 0, -2.5}
	// 0.999 quantiles of chi-square with 1..7 degrees of freedom
	crit := []float64{0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32}
	for _, o := range []Options{
		{Temperature: 0.7, TopP: 1, RepeatPenalty: 1, Seed: 1},
		{Temperature: 1.3, TopK: 4, TopP: 1, RepeatPenalty: 1, Seed: 2},
		{Temperature: 0.9, TopK: 6, TopP: 0.8, MinP: 0.1, RepeatPenalty: 1, Seed: 3},
		{Temperature: 2, TopP: 0.9, MinP: 0.2, RepeatPenalty: 1, Seed: 4},
	} {
		const n = 200000
		want := refProbs(logits, o)
		seen := drawSet(o, logits, n)
		chi2, dof := 0.0, -1
		for id, p := range want {
			got := float64(seen[int32(id)])
			if p == 0 {
				if got != 0 {
					t.Errorf("%+v: token %d drawn %v times, but the chain removes it", o, id, got)
				}
				continue
			}
			e := p * n
			chi2 += (got - e) * (got - e) / e
			dof++
		}
		if dof < 1 {
			t.Fatalf("%+v: only one token survives; the test would prove nothing", o)
		}
		if chi2 > crit[dof] {
			t.Errorf("%+v: chi-square %.2f with %d dof > %.2f\n got %v\nwant %v", o, chi2, dof, crit[dof], seen, want)
		}
		t.Logf("%+v: chi-square %.2f, %d dof (limit %.2f)", o, chi2, dof, crit[dof])
	}
}
