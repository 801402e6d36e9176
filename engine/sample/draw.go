package sample

import "math"

// weight is the unnormalized softmax weight e^((l-max)/temp) of a logit l, given the
// largest logit max among the candidates (NaN counts as -Inf). It is 1 at the max, so
// every sum of weights over a candidate list is >= 1. Infinite maxima get the limits:
// when some logits are +Inf they share all the mass; when all are -Inf they are equally
// likely.
func weight(l, max float32, temp float64) float64 {
	if l != l {
		l = float32(math.Inf(-1))
	}
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
		if x.logit > m {
			m = x.logit
		}
	}
	return m
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
