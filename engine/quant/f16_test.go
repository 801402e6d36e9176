package quant

import "testing"

func TestF16HandMade(t *testing.T) {
	// 0x3c00 = 1, 0xc000 = -2, 0x3800 = 0.5, 0x7bff = 65504 (largest finite), 0x0001 = 2^-24.
	b := []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b, 0x01, 0x00}
	want := []float32{1, -2, 0.5, 65504, 1.0 / (1 << 24)}
	got := b32Decode(F16, b, 5)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if back := b32Encode(F16, want); string(back) != string(b) {
		t.Fatalf("quantize: %x, want %x", back, b)
	}
	// [1 -2 0.5 3] · [4 5 6 7] = 18, and 65504·65504 overflows fp16 but not the float32 sum.
	w := b32Encode(F16, []float32{1, -2, 0.5, 3, 65504})
	a := b32Encode(F16, []float32{4, 5, 6, 7, 65504})
	if got := traits[F16].VecDot(4, w, a); got != 18 {
		t.Errorf("VecDot = %v, want 18", got)
	}
	if got, want := traits[F16].VecDot(5, w, a), float32(18+65504.0*65504); got != want {
		t.Errorf("VecDot = %v, want %v", got, want)
	}
}

func TestF16RoundTripBound(t *testing.T) {
	rms := b32CheckRoundTrip(t, F16, func(x []float32) float64 {
		m := 0.0
		for _, v := range x {
			m = max(m, b32HalfErr(v))
		}
		return m
	})
	t.Logf("F16 relative RMS error on N(0,1): %.2g", rms)
	if rms > 1.0/2048 {
		t.Errorf("relative RMS error %.2g, want < 2^-11", rms)
	}
}
