package quant

import (
	"math"
	"testing"
)

// Every half value converts to float32 and back to itself (NaNs stay NaN).
func TestF16RoundTrip(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToF32(h)
		if f != f {
			if g := F32ToF16(f); F16ToF32(g) == F16ToF32(g) {
				t.Fatalf("NaN %#04x came back as %#04x", h, g)
			}
			continue
		}
		if g := F32ToF16(f); g != h {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, g)
		}
	}
}

// Rounding to nearest even, checked against float64 arithmetic on the neighbours.
func TestF32ToF16Rounding(t *testing.T) {
	cases := []float32{1 + 1.0/2048, 1 + 3.0/2048, 65504, 65520, 65519.99, 1e-8, 2.98e-8, 6.0e-8, -0.333333, 0.1, 1e5}
	for _, f := range cases {
		h := F32ToF16(f)
		got := float64(F16ToF32(h))
		// no other half value is strictly closer
		for _, d := range []int{-1, 1} {
			n := uint16(int(h) + d)
			nv := float64(F16ToF32(n))
			if math.IsInf(got, 0) || math.IsNaN(nv) {
				continue
			}
			if math.Abs(nv-float64(f)) < math.Abs(got-float64(f)) {
				t.Errorf("F32ToF16(%v) = %v, but %v is closer", f, got, nv)
			}
		}
	}
	if F32ToF16(65520) != 0x7c00 {
		t.Errorf("65520 should round to +Inf")
	}
}

func TestBF16(t *testing.T) {
	if g := F32ToBF16(1.00390625); g != 0x3f80 { // exactly halfway, rounds to even
		t.Errorf("halfway rounding: %#04x", g)
	}
	if g := F32ToBF16(1.01171875); g != 0x3f82 {
		t.Errorf("halfway up to even: %#04x", g)
	}
	if BF16ToF32(0x3f80) != 1 {
		t.Errorf("bf16 1.0")
	}
	if v := BF16ToF32(F32ToBF16(float32(math.NaN()))); v == v {
		t.Errorf("NaN lost")
	}
}
