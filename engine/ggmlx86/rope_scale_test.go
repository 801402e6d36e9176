package ggmlx86

import (
	"testing"

	"hearth/engine/ops"
)

// TestRoPEFreqScale: with linear rope scaling, position p·2 under scale 1/2 rotates
// exactly as position p unscaled in RoPEAngles too (see ops.TestRoPEFreqScale).
func TestRoPEFreqScale(t *testing.T) {
	for _, style := range []ops.RoPEStyle{ops.RoPENormal, ops.RoPENeoX} {
		plain, scaled := ops.NewRoPE(style, 64, 1e6, nil), ops.NewRoPE(style, 64, 1e6, nil)
		scaled.FreqScale = 0.5
		for _, pos := range []int{1, 7, 300} {
			c1, s1, c2, s2 := make([]float32, 32), make([]float32, 32), make([]float32, 32), make([]float32, 32)
			RoPEAngles(plain, pos, c1, s1)
			RoPEAngles(scaled, 2*pos, c2, s2)
			for i := range c1 {
				if c1[i] != c2[i] || s1[i] != s2[i] {
					t.Fatalf("pos %d pair %d: %g,%g vs %g,%g", pos, i, c1[i], s1[i], c2[i], s2[i])
				}
			}
		}
	}
}
