package quant

import (
	"math"
	"testing"
)

// nearest_int rounds to nearest, ties to even, over its whole range.
func TestNearestInt(t *testing.T) {
	check := func(f float32) {
		if got, want := kNearestInt(f), int(math.RoundToEven(float64(f))); got != want {
			t.Fatalf("kNearestInt(%v) = %d, want %d", f, got, want)
		}
	}
	for _, f := range []float32{0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 127.5, -128.5, 4194303, -4194303, 4194302.5} {
		check(f)
	}
	r := kqRand(13)
	for n := 0; n < 100000; n++ {
		check(float32((r.Float64()*2 - 1) * float64([]float32{2, 40, 300, 4194303}[n%4])))
	}
}

// The scale searches reconstruct their input well and return zeros for a zero group.
func TestScaleSearches(t *testing.T) {
	r := kqRand(14)
	var L [32]int8
	var U, aux [32]uint8
	x := kqGaussian(32, 1, r)
	w := make([]float32, 32)
	for i, v := range x {
		w[i] = kAbs(v)
	}
	rmsOf := func(f func(i int) float32) float64 {
		s := 0.0
		for i := range x {
			d := float64(x[i] - f(i))
			s += d * d
		}
		return math.Sqrt(s / 32)
	}
	// 6-bit symmetric: one step is max/32, the error must be well under it.
	d := makeQxQuants(32, 32, x, L[:], 1, nil)
	if e := rmsOf(func(i int) float32 { return d * float32(int(L[i])-32) }); e > 0.03 {
		t.Errorf("makeQxQuants(nmax 32): RMS error %v", e)
	}
	d = makeQ3Quants(32, 4, x, L[:], true)
	if e := rmsOf(func(i int) float32 { return d * float32(int(L[i])-4) }); e > 0.3 {
		t.Errorf("makeQ3Quants(nmax 4): RMS error %v", e)
	}
	scale, mn := makeQkx2Quants(32, 15, x, w, U[:], aux[:], -1, 0.1, 20, false)
	if e := rmsOf(func(i int) float32 { return scale*float32(U[i]) - mn }); e > 0.12 {
		t.Errorf("makeQkx2Quants(nmax 15): RMS error %v", e)
	}
	// The search must do at least as well as the plain min/max fit it starts from.
	scale0, mn0 := makeQkx2Quants(32, 15, x, w, U[:], aux[:], -1, 0.1, 0, false)
	e0 := rmsOf(func(i int) float32 { return scale0*float32(U[i]) - mn0 })
	scale, mn = makeQkx2Quants(32, 15, x, w, U[:], aux[:], -1, 0.1, 20, false)
	if e := rmsOf(func(i int) float32 { return scale*float32(U[i]) - mn }); e > e0 {
		t.Errorf("makeQkx2Quants: search error %v, min/max fit %v", e, e0)
	}
	zero := make([]float32, 32)
	if d := makeQxQuants(32, 32, zero, L[:], 1, nil); d != 0 || L != [32]int8{} {
		t.Errorf("makeQxQuants of zeros: %v, %v", d, L)
	}
	if s, m := makeQkx2Quants(32, 15, zero, w, U[:], aux[:], -1, 0.1, 20, false); s != 0 || m != 0 || U != [32]uint8{} {
		t.Errorf("makeQkx2Quants of zeros: %v %v %v", s, m, U)
	}
}

// Quantizing anything, NaN and infinities included, must not panic; zero super-blocks
// stay zero.
func TestKQuantQuantizeOddInputs(t *testing.T) {
	x := make([]float32, 3*QK_K)
	for i := QK_K; i < 2*QK_K; i++ {
		x[i] = float32(i%7) - 3
	}
	x[2*QK_K] = float32(math.NaN())
	x[2*QK_K+1] = float32(math.Inf(1))
	x[2*QK_K+2] = float32(math.Inf(-1))
	x[2*QK_K+3] = 1e30
	for _, typ := range []Type{Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K} {
		b := kqQuantize(t, typ, x)
		y := kqDequantize(t, typ, b, len(x))
		for i, v := range y[:QK_K] {
			if v != 0 {
				t.Errorf("%s: zero block value %d dequantized to %v", typ, i, v)
				break
			}
		}
	}
}
