package quant

import (
	"bytes"
	"testing"
)

// q5_0Hand is a Q5_0 block with d = 0.5, low nibbles j (element j) and 15-j (element
// j+16), and the fifth bit set for the second half only (qh = 0xFFFF0000):
// elements j -> (j-16)/2, j+16 -> (15-j+16-16)/2 = (15-j)/2.
func q5_0Hand(t *testing.T, qh uint32) ([]byte, []float32) {
	b := make([]byte, 22)
	d := b32Half(t, 0.5)
	copy(b, d[:])
	b[2], b[3], b[4], b[5] = byte(qh), byte(qh>>8), byte(qh>>16), byte(qh>>24)
	want := make([]float32, 32)
	for j := 0; j < 16; j++ {
		b[6+j] = byte(j) | byte(15-j)<<4
		want[j] = float32(j+16*int(qh>>j&1)-16) / 2
		want[j+16] = float32(15-j+16*int(qh>>(j+16)&1)-16) / 2
	}
	return b, want
}

func TestQ5_0HandMade(t *testing.T) {
	b, want := q5_0Hand(t, 0xFFFF0000)
	got := b32Decode(Q5_0, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != -8 || got[15] != -0.5 || got[16] != 7.5 || got[31] != 0 {
		t.Fatalf("ends %v %v %v %v, want -8 -0.5 7.5 0", got[0], got[15], got[16], got[31])
	}
	// -8 sets d = -8/-16 = 0.5: the block comes back.
	if q := b32Encode(Q5_0, want); !bytes.Equal(q, b) {
		t.Fatalf("quantize(dequantize(block)) = %x, want %x", q, b)
	}
	// sum_j (j-16)/2 + (15-j)/2 = 16 × -1/2.
	b32HandDot(t, Q5_0, b, -8)

	// Fifth bits on alternate elements: which bit goes with which element.
	b, want = q5_0Hand(t, 0x5555AAAA)
	got = b32Decode(Q5_0, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("qh 0x5555AAAA element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != -8 || got[1] != 0.5 || got[16] != 7.5 || got[17] != -1 {
		t.Fatalf("qh 0x5555AAAA: %v %v %v %v, want -8 0.5 7.5 -1", got[0], got[1], got[16], got[17])
	}
	b32HandDot(t, Q5_0, b, sum32(want))
}

func sum32(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s
}

func TestQ5_0RoundTrip(t *testing.T) {
	rms := b32CheckRoundTrip(t, Q5_0, func(x []float32) float64 {
		amax, _ := absMax32(x)
		d := float32(amax / 16)
		return float64(d) + 16*b32HalfErr(d)
	})
	t.Logf("Q5_0 relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.06 {
		t.Errorf("relative RMS error %.4f, want < 0.06", rms)
	}
}
