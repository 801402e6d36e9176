package quant

import (
	"bytes"
	"testing"
)

// q4_1Hand is a Q4_1 block with d = 0.25, m = -1.5 whose byte j holds nibbles j and 15-j:
// elements j -> j/4 - 1.5, j+16 -> (15-j)/4 - 1.5.
func q4_1Hand(t *testing.T) ([]byte, []float32) {
	b := make([]byte, 20)
	d, m := b32Half(t, 0.25), b32Half(t, -1.5)
	copy(b[0:], d[:])
	copy(b[2:], m[:])
	want := make([]float32, 32)
	for j := 0; j < 16; j++ {
		b[4+j] = byte(j) | byte(15-j)<<4
		want[j] = float32(j)/4 - 1.5
		want[j+16] = float32(15-j)/4 - 1.5
	}
	return b, want
}

func TestQ4_1HandMade(t *testing.T) {
	b, want := q4_1Hand(t)
	got := b32Decode(Q4_1, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != -1.5 || got[15] != 2.25 || got[16] != 2.25 || got[31] != -1.5 {
		t.Fatalf("ends %v %v %v %v, want -1.5 2.25 2.25 -1.5", got[0], got[15], got[16], got[31])
	}
	// min -1.5, max 2.25: d = 3.75/15 = 0.25, m = -1.5, the block comes back.
	if q := b32Encode(Q4_1, want); !bytes.Equal(q, b) {
		t.Fatalf("quantize(dequantize(block)) = %x, want %x", q, b)
	}
	// Each pair j/4 + (15-j)/4 - 3 is 0.75; 16 pairs.
	b32HandDot(t, Q4_1, b, 12)
}

func TestQ4_1RoundTrip(t *testing.T) {
	rms := b32CheckRoundTrip(t, Q4_1, func(x []float32) float64 {
		lo, hi := minMax32(x)
		d := (hi - lo) / 15
		return float64(d)/2 + 15*b32HalfErr(d) + b32HalfErr(lo)
	})
	t.Logf("Q4_1 relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.1 {
		t.Errorf("relative RMS error %.4f, want < 0.1", rms)
	}
}
