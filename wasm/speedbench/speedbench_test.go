package speedbench

import (
	"strings"
	"testing"
	"time"
)

// TestRun measures every file type briefly (the Go loops natively) and checks that the
// result describes what ran.
func TestRun(t *testing.T) {
	wantBPP := map[string]float64{"Q8_0": 34.0 / 32}
	for _, ft := range []string{"Q8_0", "Q4_K_M"} {
		yields := 0
		r, err := Run(ft, 20*time.Millisecond, func() { yields++ })
		if err != nil {
			t.Fatalf("%s: %v", ft, err)
		}
		if r.DecodeRate <= 0 || r.PrefillRate <= 0 || r.WorkingSet < workingSet || yields < 2 {
			t.Errorf("%s: %+v, %d yields", ft, r, yields)
		}
		if w, ok := wantBPP[ft]; ok && r.BytesPerParam != w {
			t.Errorf("%s: %.4f bytes per parameter, want %.4f", ft, r.BytesPerParam, w)
		}
		t.Logf("%-6s decode %6.0f M/s  prefill %6.0f M/s  %.3f B/param", ft, r.DecodeRate/1e6, r.PrefillRate/1e6, r.BytesPerParam)
	}
}

func TestRunUnknownType(t *testing.T) {
	_, err := Run("Q3_X", time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "Q4_K_M") {
		t.Fatalf("err = %v, want one listing the known types", err)
	}
}

// fakeClock is a clock that moves only when a step says how long it took.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestMeasureFastestSegment runs measure's loop on a fake clock: a step that is six
// times slower for the first 60% of the time (baseline code until the optimized code is
// ready) and, in another run, in two separate stretches (another program's load) must
// both be measured at the fast speed (the median of the segments, the rule before, gives
// less than half of it in the first case).
func TestMeasureFastestSegment(t *testing.T) {
	const d = time.Second
	const fast = time.Millisecond // per step of 1000 elements: 1e6 elements/s
	for _, c := range []struct {
		name string
		slow func(at time.Duration) bool
	}{
		{"optimized code late", func(at time.Duration) bool { return at < 6*d/10 }},
		{"load in two stretches", func(at time.Duration) bool {
			return at > d/10 && at < 3*d/10 || at > 6*d/10 && at < 8*d/10
		}},
	} {
		clk := &fakeClock{t: time.Unix(0, 0)}
		start := clk.t
		rate, secs := measureWith(d, func() int {
			cost := fast
			if c.slow(clk.t.Sub(start)) {
				cost = 6 * fast
			}
			clk.t = clk.t.Add(cost)
			return 1000
		}, clk.now)
		if rate < 0.95e6 || rate > 1.05e6 {
			t.Errorf("%s: measured %.3g elements/s, want 1e6", c.name, rate)
		}
		if secs < d.Seconds() || secs > 1.1*d.Seconds() {
			t.Errorf("%s: took %.3f s, want about %v", c.name, secs, d)
		}
		t.Logf("%s: %.3g elements/s in %.2f s", c.name, rate, secs)
	}
}
