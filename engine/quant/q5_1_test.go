package quant

import (
	"bytes"
	"testing"
)

// q5_1Hand is a Q5_1 block with d = 0.25, m = 1, low nibbles j (element j) and 15-j
// (element j+16) and fifth bits qh: element e -> (nibble + 16*bit e of qh)/4 + 1.
func q5_1Hand(t *testing.T, qh uint32) ([]byte, []float32) {
	b := make([]byte, 24)
	d, m := b32Half(t, 0.25), b32Half(t, 1)
	copy(b[0:], d[:])
	copy(b[2:], m[:])
	b[4], b[5], b[6], b[7] = byte(qh), byte(qh>>8), byte(qh>>16), byte(qh>>24)
	want := make([]float32, 32)
	for j := 0; j < 16; j++ {
		b[8+j] = byte(j) | byte(15-j)<<4
		want[j] = float32(j+16*int(qh>>j&1))/4 + 1
		want[j+16] = float32(15-j+16*int(qh>>(j+16)&1))/4 + 1
	}
	return b, want
}

func TestQ5_1HandMade(t *testing.T) {
	b, want := q5_1Hand(t, 0xFFFF0000)
	got := b32Decode(Q5_1, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != 1 || got[15] != 4.75 || got[16] != 8.75 || got[31] != 5 {
		t.Fatalf("ends %v %v %v %v, want 1 4.75 8.75 5", got[0], got[15], got[16], got[31])
	}
	// min 1 (q 0), max 8.75 (q 31): d = 7.75/31 = 0.25, m = 1, the block comes back.
	if q := b32Encode(Q5_1, want); !bytes.Equal(q, b) {
		t.Fatalf("quantize(dequantize(block)) = %x, want %x", q, b)
	}
	b32HandDot(t, Q5_1, b, sum32(want))

	b, want = q5_1Hand(t, 0x5555AAAA)
	got = b32Decode(Q5_1, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("qh 0x5555AAAA element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != 1 || got[1] != 5.25 || got[16] != 8.75 || got[17] != 4.5 {
		t.Fatalf("qh 0x5555AAAA: %v %v %v %v, want 1 5.25 8.75 4.5", got[0], got[1], got[16], got[17])
	}
	b32HandDot(t, Q5_1, b, sum32(want))
}

func TestQ5_1RoundTrip(t *testing.T) {
	rms := b32CheckRoundTrip(t, Q5_1, func(x []float32) float64 {
		lo, hi := minMax32(x)
		d := (hi - lo) / 31
		return float64(d)/2 + 31*b32HalfErr(d) + b32HalfErr(lo)
	})
	t.Logf("Q5_1 relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.05 {
		t.Errorf("relative RMS error %.4f, want < 0.05", rms)
	}
}
