package sample

import (
	"math"
)

// weight is the unnormalized softmax weight e^((l-max)/temp) of a logit l, given the
// largest logit max among the candidates. It is 1 at the max, so every sum of weights
// over a candidate list is >= 1. Infinite maxima get the limits: when some logits are
// +Inf they share all the mass; when all are -Inf they are equally likely.
func weight(l, max float32, temp float64) float64 {
	switch {
	case math.IsInf(float64(max), 1):
		if math.IsInf(float64(l), 1) {
			return 1
		}
		return 0
	case math.IsInf(float64(max), -1):
		return 1
	}
	return expDet((float64(l) - float64(max)) / temp)
}

func maxLogit(c []cand) float32 {
	m := float32(math.Inf(-1))
	for _, x := range c {
		m = max(m, x.logit)
	}
	return m
}

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
// sorted best first, in dst's storage. It never sorts all n: the softmax total is one
// pass, then the best 256, 1024, 4096, ... are selected until their mass reaches p.
func topPAll(dst []cand, logits []float32, p float64) []cand {
	m := float32(math.Inf(-1))
	for _, l := range logits {
		m = max(m, l)
	}
	sum := 0.0
	for _, l := range logits {
		sum += weight(l, m, 1)
	}
	for k := 256; ; k *= 4 {
		k = min(k, len(logits))
		dst = topK(dst, logits, k)
		cum := 0.0
		for i, x := range dst {
			cum += weight(x.logit, m, 1) / sum
			if cum >= p {
				return dst[:i+1]
			}
		}
		if k == len(logits) {
			return dst
		}
	}
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

// draw picks from c with probability softmax(logit/temp) over c, given u in [0, 1): the
// first candidate, in c's order, whose running sum of weights exceeds u times the total.
func draw(c []cand, temp float64, u float64) int32 {
	m := maxLogit(c)
	sum := 0.0
	for _, x := range c {
		sum += weight(x.logit, m, temp)
	}
	target := u * sum
	run := 0.0
	last := c[0].id
	for _, x := range c {
		w := weight(x.logit, m, temp)
		if w == 0 {
			continue
		}
		run += w
		last = x.id
		if run > target {
			return x.id
		}
	}
	return last // u*sum rounded up to sum itself: the last candidate with weight
}
