package quant

import (
	"bytes"
	"testing"
)

// q4_0Hand is a Q4_0 block with d = 0.5 whose byte j holds nibbles j (element j) and 15-j
// (element j+16): elements j -> (j-8)/2, j+16 -> (7-j)/2.
func q4_0Hand(t *testing.T) ([]byte, []float32) {
	b := make([]byte, 18)
	h := b32Half(t, 0.5)
	copy(b, h[:])
	want := make([]float32, 32)
	for j := 0; j < 16; j++ {
		b[2+j] = byte(j) | byte(15-j)<<4
		want[j] = float32(j-8) / 2
		want[j+16] = float32(7-j) / 2
	}
	return b, want
}

func TestQ4_0HandMade(t *testing.T) {
	b, want := q4_0Hand(t)
	got := b32Decode(Q4_0, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != -4 || got[15] != 3.5 || got[16] != 3.5 || got[31] != -4 {
		t.Fatalf("ends %v %v %v %v, want -4 3.5 3.5 -4", got[0], got[15], got[16], got[31])
	}
	// The value of largest magnitude, -4, sets d = -4/-8 = 0.5: the reference quantizer
	// gives the block back.
	if q := b32Encode(Q4_0, want); !bytes.Equal(q, b) {
		t.Fatalf("quantize(dequantize(block)) = %x, want %x", q, b)
	}
	// Sum of the weights: each pair (j-8)/2 + (7-j)/2 is -1/2; 16 pairs.
	b32HandDot(t, Q4_0, b, -8)
}

func TestQ4_0RoundTrip(t *testing.T) {
	rms := b32CheckRoundTrip(t, Q4_0, func(x []float32) float64 {
		amax, _ := absMax32(x)
		d := float32(amax / 8)
		return float64(d) + 8*b32HalfErr(d)
	})
	t.Logf("Q4_0 relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.12 {
		t.Errorf("relative RMS error %.4f, want < 0.12", rms)
	}
}
