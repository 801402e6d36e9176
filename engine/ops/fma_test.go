package ops

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// ulps is the distance in float32 steps between a and b (same sign assumed).
func ulps(a, b float32) int64 {
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

// exactFMA32 rounds a*b+c correctly to float32 with big.Float.
func exactFMA32(a, b, c float32) float32 {
	p := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	p.Mul(p, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
	p.Add(p, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
	f, _ := p.Float32()
	return f
}

func TestFMA32CorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		a := float32(rng.NormFloat64())
		b := float32(rng.NormFloat64() * math.Ldexp(1, rng.IntN(40)-20))
		c := float32(rng.NormFloat64() * math.Ldexp(1, rng.IntN(80)-40))
		if got, want := FMA32(a, b, c), exactFMA32(a, b, c); got != want {
			t.Fatalf("FMA32(%g,%g,%g) = %g, want %g", a, b, c, got, want)
		}
	}
	// The double-rounding corner: a*b = 1 + 2^-24 (exactly halfway between two float32s)
	// and a tiny c. Rounding the sum to float64 first drops c and lands on the halfway
	// point; the second rounding then goes to even (1) instead of up.
	var a, b float32 = 1 + 0x1p-12, 1 + 0x1p-12 // a*b = 1 + 2^-11 + 2^-24: a float32 halfway point
	c := float32(0x1p-80)
	naive := float32(math.FMA(float64(a), float64(b), float64(c)))
	want := exactFMA32(a, b, c)
	if naive == want {
		t.Fatalf("test case does not exercise double rounding: both %g", want)
	}
	if got := FMA32(a, b, c); got != want {
		t.Fatalf("FMA32 double-rounding case = %x, want %x", math.Float32bits(got), math.Float32bits(want))
	}
	if got := FMA32(a, b, -c); got != exactFMA32(a, b, -c) {
		t.Fatalf("FMA32 with negative tiny addend = %g", got)
	}
}
