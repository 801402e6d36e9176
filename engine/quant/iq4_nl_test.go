package quant

import (
	"bytes"
	"math"
	"testing"
)

func TestIQ4_NLHandMade(t *testing.T) {
	// d = 0.5, byte j holds indices j (element j) and 15-j (element j+16).
	b := make([]byte, 18)
	d := b32Half(t, 0.5)
	copy(b, d[:])
	for j := 0; j < 16; j++ {
		b[2+j] = byte(j) | byte(15-j)<<4
	}
	got := b32Decode(IQ4_NL, b, 32)
	// GGML's kvalues_iq4nl, halved.
	levels := []float32{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}
	for j := 0; j < 16; j++ {
		if got[j] != levels[j]/2 || got[j+16] != levels[15-j]/2 {
			t.Fatalf("elements %d, %d: %v %v, want %v %v", j, j+16, got[j], got[j+16], levels[j]/2, levels[15-j]/2)
		}
	}
	if got[0] != -63.5 || got[8] != 0.5 || got[16] != 56.5 || got[31] != -63.5 {
		t.Fatalf("%v %v %v %v, want -63.5 0.5 56.5 -63.5", got[0], got[8], got[16], got[31])
	}
	// The levels are the block's exact values and -63.5 is the largest in magnitude: the
	// scale search finds d = 0.5 again and the block comes back.
	if q := b32Encode(IQ4_NL, got); !bytes.Equal(q, b) {
		t.Fatalf("quantize(dequantize(block)) = %x, want %x", q, b)
	}
	// Every level appears twice, halved: the weights add up to the sum of the levels, -94.
	b32HandDot(t, IQ4_NL, b, -94)
}

func TestIQ4_NLIndex(t *testing.T) {
	// Nearest level; a value half way between two levels goes to the upper one.
	for _, c := range []struct {
		v    float32
		want byte
	}{{-1000, 0}, {-127, 0}, {-115.5, 1}, {-115.6, 0}, {-4.5, 8}, {-4.51, 7}, {0, 8}, {101, 15}, {100.9, 14}, {1e9, 15}} {
		if got := iq4nlIndex(c.v); got != c.want {
			t.Errorf("iq4nlIndex(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

func TestIQ4_NLRoundTrip(t *testing.T) {
	// The scale is a least-squares fit, so the bound takes the stored d as given: each
	// element lies within half the widest gap between levels (23, from -127 to -104) of
	// its level, or beyond the last level on its side (113 or 127) by at most amax.
	rms := b32CheckRoundTrip(t, IQ4_NL, func(x []float32) float64 {
		b := b32Encode(IQ4_NL, x)
		d := math.Abs(float64(F16ToF32(uint16(b[0]) | uint16(b[1])<<8)))
		amax, _ := absMax32(x)
		return max(11.5*d, float64(amax)-113*d)
	})
	t.Logf("IQ4_NL relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.08 {
		t.Errorf("relative RMS error %.4f, want < 0.08", rms)
	}
}
