package ops

import "testing"

// TestRoPEFreqScale: linear rope scaling multiplies every angle by FreqScale, so with a
// power-of-two scale position p·2 under scale 1/2 rotates exactly as position p unscaled
// (theta starts at float(pos); doubling it and halving it again is exact).
func TestRoPEFreqScale(t *testing.T) {
	for _, style := range []RoPEStyle{RoPENormal, RoPENeoX} {
		plain, scaled := NewRoPE(style, 64, 1e6, nil), NewRoPE(style, 64, 1e6, nil)
		scaled.FreqScale = 0.5
		for _, pos := range []int{1, 7, 300} {
			c1, s1, c2, s2 := make([]float32, 32), make([]float32, 32), make([]float32, 32), make([]float32, 32)
			plain.Angles(pos, c1, s1)
			scaled.Angles(2*pos, c2, s2)
			for i := range c1 {
				if c1[i] != c2[i] || s1[i] != s2[i] {
					t.Fatalf("Angles: pos %d pair %d: %g,%g vs %g,%g", pos, i, c1[i], s1[i], c2[i], s2[i])
				}
			}
		}
	}
}
