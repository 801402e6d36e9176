package ops

import (
	"math"
	"testing"
)

// TestExpf compares Expf with math.Exp rounded to float32 over a sweep of the float32
// range: at most 3 ulp apart for normal results, a tiny absolute error for subnormal ones,
// and the right limits outside.
func TestExpf(t *testing.T) {
	worst := int64(0)
	for x := float32(-104); x <= 89; x += 0.000731 {
		got, want := Expf(x), float32(math.Exp(float64(x)))
		if want < 0x1p-126 {
			if d := math.Abs(float64(got - want)); d > 0x1p-140 {
				t.Fatalf("Expf(%v) = %v, want %v (subnormal)", x, got, want)
			}
			continue
		}
		u := ulps(got, want) // both positive
		if u > worst {
			worst = u
		}
		if u > 3 {
			t.Fatalf("Expf(%v) = %v, want %v: %d ulp", x, got, want, u)
		}
	}
	t.Logf("worst: %d ulp", worst)
	for _, c := range []struct{ x, want float32 }{
		{0, 1}, {-200, 0}, {200, float32(math.Inf(1))}, {float32(math.Inf(-1)), 0}, {float32(math.Inf(1)), float32(math.Inf(1))},
	} {
		if got := Expf(c.x); got != c.want {
			t.Errorf("Expf(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if nan := Expf(float32(math.NaN())); nan == nan {
		t.Error("Expf(NaN) is not NaN")
	}
}

// TestWeightedRowsF32 checks the Go P·V loop against a float64 sum.
func TestWeightedRowsF32(t *testing.T) {
	const rows, n, stride = 13, 12, 20
	v := make([]float32, rows*stride)
	p := make([]float32, rows)
	for i := range v {
		v[i] = float32(i%17) - 8
	}
	for i := range p {
		p[i] = float32(i+1) / 16
	}
	out := make([]float32, n)
	WeightedRowsF32(v, stride, n, rows, p, out)
	for i := 0; i < n; i++ {
		var want float64
		for r := 0; r < rows; r++ {
			want += float64(p[r]) * float64(v[r*stride+i])
		}
		if math.Abs(float64(out[i])-want) > 1e-5 {
			t.Errorf("out[%d] = %v, want %v", i, out[i], want)
		}
	}
}

func BenchmarkExpf(b *testing.B) {
	x := make([]float32, 1024)
	for i := range x {
		x[i] = -float32(i) / 64
	}
	var s float32
	for b.Loop() {
		for _, v := range x {
			s += Expf(v)
		}
	}
	_ = s
}

func BenchmarkMathExp(b *testing.B) {
	x := make([]float32, 1024)
	for i := range x {
		x[i] = -float32(i) / 64
	}
	var s float32
	for b.Loop() {
		for _, v := range x {
			s += float32(math.Exp(float64(v)))
		}
	}
	_ = s
}
