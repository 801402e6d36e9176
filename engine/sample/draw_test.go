package sample

import "testing"

// draw maps u to the candidate whose cumulative probability interval contains it.
func TestDrawHand(t *testing.T) {
	c := []cand{{7, lnp(0.5)}, {3, lnp(0.3)}, {9, lnp(0.2)}}
	for _, tc := range []struct {
		temp, u float64
		want    int32
	}{
		// temperature 1: intervals [0, .5) [.5, .8) [.8, 1)
		{1, 0, 7}, {1, 0.49, 7}, {1, 0.51, 3}, {1, 0.6, 3}, {1, 0.79, 3}, {1, 0.81, 9}, {1, 0.9999999, 9},
		// temperature 0.5 squares the weights: .25 .09 .04 -> [0, .658) [.658, .895) [.895, 1)
		{0.5, 0.6, 7}, {0.5, 0.7, 3}, {0.5, 0.89, 3}, {0.5, 0.9, 9},
		// temperature 2 flattens them: sqrt -> .7071 .5477 .4472 -> [0, .4154) [.4154, .7372) [.7372, 1)
		{2, 0.41, 7}, {2, 0.42, 3}, {2, 0.73, 3}, {2, 0.74, 9},
	} {
		if got := draw(c, tc.temp, tc.u); got != tc.want {
			t.Errorf("draw(temp %v, u %v) = %d, want %d", tc.temp, tc.u, got, tc.want)
		}
	}
	// Zero-weight candidates are never drawn, even at u = 0.
	if got := draw([]cand{{1, -inf}, {2, 0}, {3, -inf}}, 1, 0); got != 2 {
		t.Errorf("u=0 drew %d, want 2", got)
	}
	if got := draw([]cand{{1, 0}, {2, -inf}}, 1, 0.9999999999); got != 1 {
		t.Errorf("u~1 drew %d, want 1", got)
	}
	// All -Inf: uniform. Some +Inf: uniform over those.
	if a, b := draw([]cand{{4, -inf}, {5, -inf}}, 1, 0.25), draw([]cand{{4, -inf}, {5, -inf}}, 1, 0.75); a != 4 || b != 5 {
		t.Errorf("all -Inf drew %d, %d; want 4, 5", a, b)
	}
	pinf := []cand{{1, 3}, {2, inf}, {3, inf}}
	if a, b := draw(pinf, 1, 0), draw(pinf, 1, 0.9); a != 2 || b != 3 {
		t.Errorf("+Inf drew %d, %d; want 2, 3", a, b)
	}
}
