package quant

import "testing"

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
	// Every level appears twice, halved: the weights add up to the sum of the levels, -94.
	b32HandDot(t, IQ4_NL, b, -94)
}
