package quant

import (
	"math"
	"testing"
)

func TestF32HandMade(t *testing.T) {
	x := []float32{1, -2, 0.5, float32(math.Inf(1)), 3}
	b := b32Encode(F32, x)
	if len(b) != 20 || b[0] != 0x00 || b[3] != 0x3f || b[7] != 0xc0 || b[11] != 0x3f {
		t.Fatalf("F32 bytes %x, want little-endian 0000803f 000000c0 0000003f …", b)
	}
	got := b32Decode(F32, b, len(x))
	for i := range x {
		if got[i] != x[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], x[i])
		}
	}
	// [1 -2 0.5 3] · [4 5 6 7] = 4 - 10 + 3 + 21 = 18.
	w := b32Encode(F32, []float32{1, -2, 0.5, 3})
	a := b32Encode(F32, []float32{4, 5, 6, 7})
	if got := traits[F32].VecDot(4, w, a); got != 18 {
		t.Errorf("VecDot = %v, want 18", got)
	}
}

func TestF32RoundTrip(t *testing.T) {
	if rms := b32CheckRoundTrip(t, F32, func([]float32) float64 { return 0 }); rms != 0 {
		t.Errorf("F32 round trip error %v, want 0", rms)
	}
}
