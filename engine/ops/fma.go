package ops

import "math"

// FMA32 returns a*b+c rounded once to float32, as VFMADD*PS does.
//
// float32(math.FMA(float64(a), float64(b), float64(c))) is not quite that: the product is
// exact in float64 (24+24 bits), but the sum is rounded to float64 first and then to
// float32, and the first rounding can land exactly on a float32 halfway point that the
// exact sum was not on (e.g. a*b a float32 halfway value and c a tiny same- or
// opposite-signed term below half a float64 ulp of it); the second rounding then goes to
// even instead of towards c. FMA32 avoids this by rounding the sum to odd in float64
// (TwoSum gives the exact error; an inexact even result is moved one ulp towards the exact
// value), which makes the final conversion to float32 correctly rounded because float64
// carries more than 24+1 bits.
func FMA32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b)) // exact
	cd := float64(c)
	s := p + cd
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	// TwoSum: e is the exact rounding error of s = p + cd.
	bv := s - p
	e := (p - (s - bv)) + (cd - bv)
	if e != 0 {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			if (e > 0) == (s > 0) {
				bits++ // away from zero, towards the exact value
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}
