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
