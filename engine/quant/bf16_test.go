package quant

import (
	"math"
	"testing"
)

func TestBF16HandMade(t *testing.T) {
	// 0x3f80 = 1, 0xc000 = -2, 0x3f00 = 0.5, 0x4049 = 3.140625.
	b := []byte{0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3f, 0x49, 0x40}
	want := []float32{1, -2, 0.5, 3.140625}
	got := b32Decode(BF16, b, 4)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if back := b32Encode(BF16, want); string(back) != string(b) {
		t.Fatalf("quantize: %x, want %x", back, b)
	}
	// π rounds to 3.140625 (0x4049).
	if back := b32Encode(BF16, []float32{math.Pi}); back[0] != 0x49 || back[1] != 0x40 {
		t.Fatalf("π -> %x, want 4940", back)
	}
	w := b32Encode(BF16, []float32{1, -2, 0.5, 3})
	a := b32Encode(BF16, []float32{4, 5, 6, 7})
	if got := traits[BF16].VecDot(4, w, a); got != 18 {
		t.Errorf("VecDot = %v, want 18", got)
	}
}

func TestBF16RoundTripBound(t *testing.T) {
	rms := b32CheckRoundTrip(t, BF16, func(x []float32) float64 {
		m := 0.0
		for _, v := range x {
			m = max(m, math.Abs(float64(v))/256)
		}
		return m
	})
	t.Logf("BF16 relative RMS error on N(0,1): %.2g", rms)
	if rms > 1.0/256 {
		t.Errorf("relative RMS error %.2g, want < 2^-8", rms)
	}
}
