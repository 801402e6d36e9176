package quant

import (
	"math"
	"testing"
)

func TestQ8_0HandMade(t *testing.T) {
	// d = 0.5, quants 8j-128: element j -> 4j - 64.
	b := make([]byte, 34)
	d := b32Half(t, 0.5)
	copy(b, d[:])
	want := make([]float32, 32)
	for j := range want {
		b[2+j] = byte(int8(8*j - 128))
		want[j] = float32(4*j - 64)
	}
	got := b32Decode(Q8_0, b, 32)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got[0] != -64 || got[16] != 0 || got[31] != 60 {
		t.Fatalf("%v %v %v, want -64 0 60", got[0], got[16], got[31])
	}
	// sum_j 4j - 64 = 4·496 - 2048 = -64.
	b32HandDot(t, Q8_0, b, -64)
}

// TestQ8_0Rounding pins the activation quantizer to llama.cpp's x86 one: 127/amax then
// round half to even, and the weight quantizer to quantize_row_q8_0_ref: 1/d then ties
// away from zero.
func TestQ8_0Rounding(t *testing.T) {
	x := make([]float32, 32)
	copy(x, []float32{127, 2.5, 3.5, -2.5, 0.5, -0.5, 1.5, -127, 126.5})
	// amax 127: d = 1 exactly, and both multipliers are exactly 1.
	even := []int8{127, 2, 4, -2, 0, 0, 2, -127, 126}
	away := []int8{127, 3, 4, -3, 1, -1, 2, -127, 127}
	for _, c := range []struct {
		name string
		f    func([]float32, []byte)
		want []int8
	}{{"quantizeQ8_0 (x86)", quantizeQ8_0, even}, {"quantizeQ8_0Ref", quantizeQ8_0Ref, away}} {
		b := make([]byte, 34)
		c.f(x, b)
		if d := F16ToF32(uint16(b[0]) | uint16(b[1])<<8); d != 1 {
			t.Errorf("%s: d = %v, want 1", c.name, d)
		}
		for j, w := range c.want {
			if int8(b[2+j]) != w {
				t.Errorf("%s: %v -> %d, want %d", c.name, x[j], int8(b[2+j]), w)
			}
		}
	}
	// The table's quantizer is the x86 one.
	if b := QuantizeActivations(Q8_0, x); int8(b[3]) != 2 {
		t.Errorf("QuantizeActivations(Q8_0): 2.5 -> %d, want 2 (round half to even)", int8(b[3]))
	}
}

func TestQ8_0Degenerate(t *testing.T) {
	// All zeros: d = 0 and quants 0, no division by zero.
	b := QuantizeActivations(Q8_0, make([]float32, 32))
	for i, v := range b {
		if v != 0 {
			t.Fatalf("zero block: byte %d = %#x", i, v)
		}
	}
	// NaN and infinities give some block, without a panic; finite neighbours of a NaN keep
	// their quants.
	x := make([]float32, 64)
	x[0] = float32(math.NaN())
	x[1] = 1
	x[2] = -0.5
	x[32] = float32(math.Inf(1))
	b = QuantizeActivations(Q8_0, x)
	if int8(b[3]) != 127 || int8(b[4]) != -64 {
		t.Errorf("block with a NaN: quants %d %d, want 127 -64", int8(b[3]), int8(b[4]))
	}
	_ = b32Decode(Q8_0, b, 64)
}

func TestQ8_0RoundTrip(t *testing.T) {
	bound := func(x []float32) float64 {
		amax, _ := absMax32(x)
		d := amax / 127
		return float64(d)/2 + 127*b32HalfErr(d)
	}
	rms := b32CheckRoundTrip(t, Q8_0, bound)
	t.Logf("Q8_0 relative RMS error on N(0,1): %.4f", rms)
	if rms > 0.01 {
		t.Errorf("relative RMS error %.4f, want < 0.01", rms)
	}
	// The weight quantizer obeys the same bound.
	for _, x := range b32RoundTripRows(b32Rand(3)) {
		b := make([]byte, len(x)/32*34)
		quantizeQ8_0Ref(x, b)
		y := b32Decode(Q8_0, b, len(x))
		for i := range x {
			if e := math.Abs(float64(x[i] - y[i])); e > bound(x[i/32*32:i/32*32+32])*(1+1e-5)+1e-30 {
				t.Fatalf("quantizeQ8_0Ref: %v came back as %v", x[i], y[i])
			}
		}
	}
}
