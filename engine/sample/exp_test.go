package sample

import (
	"math"
	"testing"
)

// expDet agrees with math.Exp to within 2 ulp over the range sampling uses and beyond.
func TestExpDet(t *testing.T) {
	check := func(x float64) {
		t.Helper()
		got, want := expDet(x), math.Exp(x)
		if x < -708 {
			if got != 0 {
				t.Fatalf("expDet(%v) = %v, want 0 (flushed)", x, got)
			}
			return
		}
		if rel := math.Abs(got-want) / want; rel > 4.5e-16 {
			t.Fatalf("expDet(%v) = %v, math.Exp = %v (rel err %g)", x, got, want, rel)
		}
	}
	for x := -720.0; x <= 709.7; x += 0.0137 {
		check(x)
	}
	r := newXoshiro(1)
	for range 100000 {
		check(-40 * r.float64())
	}
	for _, x := range []float64{0, -0.5 * math.Ln2, 0.5 * math.Ln2, 1e-300, -1e-300, -708, 709.78, 709.5, -1, 1} {
		check(x)
	}
	if expDet(0) != 1 {
		t.Fatalf("expDet(0) = %v, want exactly 1", expDet(0))
	}
	if !math.IsInf(expDet(710), 1) || !math.IsInf(expDet(math.Inf(1)), 1) {
		t.Fatal("expDet overflow is not +Inf")
	}
	if expDet(math.Inf(-1)) != 0 {
		t.Fatal("expDet(-Inf) != 0")
	}
	if !math.IsNaN(expDet(math.NaN())) {
		t.Fatal("expDet(NaN) is not NaN")
	}
}

// expDet is monotone on a fine grid near 0, where the sampler's weights live.
func TestExpDetMonotone(t *testing.T) {
	prev := expDet(-30)
	for x := -30.0; x <= 0; x += 1.0 / 4096 {
		y := expDet(x)
		if y < prev {
			t.Fatalf("expDet(%v) = %v < expDet(previous) = %v", x, y, prev)
		}
		prev = y
	}
}
