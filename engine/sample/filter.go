package sample

import (
	"math"
	"slices"
)

// topPSorted returns how many of c (sorted best first) top-p keeps: the shortest prefix
// whose softmax probabilities (at temperature 1, over c) sum to >= p; all of c when
// rounding keeps the sum below p to the end.
func topPSorted(c []cand, p float64) int {
	if len(c) == 0 {
		return 0
	}
	m := c[0].logit
	sum := 0.0
	for _, x := range c {
		sum += weight(x.logit, m, 1)
	}
	cum := 0.0
	for i, x := range c {
		cum += weight(x.logit, m, 1) / sum
		if cum >= p {
			return i + 1
		}
	}
	return len(c)
}

// topPAll applies top-p to the whole vocabulary logits (n,) and returns the survivors
// sorted best first, in dst's storage; NaN counts as -Inf. It never sorts all n:
//
//  1. one pass takes the softmax total and a histogram of the mass by distance below
//     the max logit, in buckets of 1/16 (the last bucket takes everything past 32);
//  2. the bucket where the cumulative mass reaches p·total bounds the answer, so only
//     the tokens down to one bucket further are collected and sorted;
//  3. the sorted walk then decides exactly, as topPSorted does (with the total of step
//     1); if rounding leaves it short, everything is collected and the walk repeats.
func topPAll(dst []cand, logits []float32, p float64) []cand {
	const (
		perUnit = 16 // buckets per logit unit
		buckets = 32 * perUnit
	)
	m := float32(math.Inf(-1))
	for _, l := range logits {
		if l > m { // false for NaN
			m = l
		}
	}
	if math.IsInf(float64(m), 0) { // all -Inf/NaN, or some +Inf: no scale to bucket by
		dst = collect(dst, logits, math.Inf(1))
		return dst[:topPSorted(dst, p)]
	}
	var mass [buckets]float64
	sum := 0.0
	for _, l := range logits {
		d := float64(m) - float64(l)
		if !(d <= math.MaxFloat64) {
			continue // NaN or -Inf: weight 0
		}
		w := expDet(-d)
		sum += w
		if d < buckets/perUnit {
			mass[int(d*perUnit)] += w
		} // else: weight < e^-32, in the total but in no bucket; the walk still sees it
	}
	target, cum, cut := p*sum, 0.0, math.Inf(1)
	for b := range mass {
		if cum += mass[b]; cum >= target {
			cut = float64(b+2) / perUnit
			break
		}
	}
	for {
		dst = collect(dst, logits, cut)
		run := 0.0
		for i, x := range dst {
			run += weight(x.logit, m, 1) / sum
			if run >= p {
				return dst[:i+1]
			}
		}
		if math.IsInf(cut, 1) {
			return dst
		}
		cut = math.Inf(1)
	}
}

// collect puts the tokens of logits (n,) less than cut below the max logit into dst,
// sorted best first (NaN as -Inf; cut = +Inf takes all).
func collect(dst []cand, logits []float32, cut float64) []cand {
	m := float32(math.Inf(-1))
	for _, l := range logits {
		if l > m {
			m = l
		}
	}
	dst = dst[:0]
	negInf := float32(math.Inf(-1))
	for i, l := range logits {
		if l != l {
			l = negInf
		}
		if math.IsInf(cut, 1) || float64(m)-float64(l) < cut {
			dst = append(dst, cand{int32(i), l})
		}
	}
	slices.SortFunc(dst, compare)
	return dst
}

// compare is better as a three-way comparison, for slices.SortFunc.
func compare(a, b cand) int {
	switch {
	case better(a, b):
		return -1
	case better(b, a):
		return 1
	}
	return 0
}

// minP keeps, in place and in order, the candidates whose probability is at least p
// times the largest: e^(l-max) >= p, i.e. llama.cpp's l >= max + ln p.
func minP(c []cand, p float64) []cand {
	m := maxLogit(c)
	// A cheap pre-test in logit space with a margin far wider than any platform's error
	// in math.Log, so the decision itself is always expDet's.
	cut := math.Log(p) - 1e-6
	finiteMax := !math.IsInf(float64(m), 0)
	out := c[:0]
	for _, x := range c {
		if finiteMax && float64(x.logit)-float64(m) < cut {
			continue
		}
		if weight(x.logit, m, 1) >= p {
			out = append(out, x)
		}
	}
	return out
}
