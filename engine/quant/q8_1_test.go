package quant

import (
	"testing"
)

func TestQ8_1HandMade(t *testing.T) {
	// d = 0.25, s anything (dequantization ignores it), quants 31 - 2j: element j -> (31-2j)/4.
	b := make([]byte, 36)
	d, s := b32Half(t, 0.25), b32Half(t, 123)
	copy(b[0:], d[:])
	copy(b[2:], s[:])
	for j := 0; j < 32; j++ {
		b[4+j] = byte(int8(31 - 2*j))
	}
	got := b32Decode(Q8_1, b, 32)
	for j := range got {
		if want := float32(31-2*j) / 4; got[j] != want {
			t.Fatalf("element %d: %v, want %v", j, got[j], want)
		}
	}
}

func TestQ8_1Quantize(t *testing.T) {
	x := make([]float32, 32)
	copy(x, []float32{127, 2.5, 3.5, -2.5, 0.5, -0.5, 1.5, -100})
	// amax 127: d = 1; quants rounded half to even as in Q8_0: 127 2 4 -2 0 0 2 -100;
	// s = d × their sum = 33.
	b := QuantizeActivations(Q8_1, x)
	if d := F16ToF32(uint16(b[0]) | uint16(b[1])<<8); d != 1 {
		t.Errorf("d = %v, want 1", d)
	}
	if s := F16ToF32(uint16(b[2]) | uint16(b[3])<<8); s != 33 {
		t.Errorf("s = %v, want 33", s)
	}
	for j, w := range []int8{127, 2, 4, -2, 0, 0, 2, -100} {
		if int8(b[4+j]) != w {
			t.Errorf("%v -> %d, want %d", x[j], int8(b[4+j]), w)
		}
	}
	// Its quants are exactly Q8_0's.
	q8 := QuantizeActivations(Q8_0, x)
	for j := 0; j < 32; j++ {
		if b[4+j] != q8[2+j] {
			t.Fatalf("quant %d: Q8_1 %d, Q8_0 %d", j, int8(b[4+j]), int8(q8[2+j]))
		}
	}
	// s comes from the float32 d = amax/127, not from the fp16 one: amax 1 gives
	// d = 1/127 (fp16 0.007873535…), quants 127 × 32, s = fp16(32 × 127 × (1/127)) = 32.
	for i := range x {
		x[i] = 1
	}
	b = QuantizeActivations(Q8_1, x)
	if s := F16ToF32(uint16(b[2]) | uint16(b[3])<<8); s != F16ToF32(F32ToF16(float32(1)/127*4064)) {
		t.Errorf("s = %v, want fp16(4064/127) = %v", s, F16ToF32(F32ToF16(float32(1)/127*4064)))
	}
}

func TestQ8_1RoundTrip(t *testing.T) {
	rms := b32CheckRoundTrip(t, Q8_1, func(x []float32) float64 {
		amax, _ := absMax32(x)
		d := amax / 127
		return float64(d)/2 + 127*b32HalfErr(d)
	})
	t.Logf("Q8_1 relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.01 {
		t.Errorf("relative RMS error %.4f, want < 0.01", rms)
	}
}
