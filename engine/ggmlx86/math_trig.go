package ggmlx86

import (
	"math"

	"hearth/engine/ops"
)

// glibc's single-precision sine and cosine (sysdeps/ieee754/flt-32/s_sincosf.c, from ARM's
// optimized-routines; glibc ≥ 2.28), as the x86-64 FMA variant computes them (__sincosf_fma,
// chosen by ifunc on CPUs with FMA: the C code compiled with -mfma, so every a + b*c of the
// polynomial and the range reduction x - n*pi/2 is one fused double FMA). ggml's rope cache
// (ggml_rope_cache_init → rope_yarn) calls cosf and sinf on each angle; they are not
// correctly rounded (about 2% of the angles llama.cpp's rope uses differ in the last bit from
// float32(math.Cos(x))), and a last-bit difference in a rotated query or key is enough to flip
// a later F16 or Q8 rounding.

// sincosfPoly is one row of glibc's __sincosf_table: the sign of the sine per quadrant, 2/pi
// scaled by 2^24, pi/2, the cosine polynomial c0..c4 and the sine polynomial s1..s3. The
// second row has the cosine polynomial negated.
type sincosfPoly struct {
	sign           [4]float64
	hpiInv, hpi    float64
	c0, c1, c2, c3 float64
	c4, s1, s2, s3 float64
}

var sincosfTable = [2]sincosfPoly{
	{[4]float64{1, -1, -1, 1}, 0x1.45F306DC9C883p+23, 0x1.921FB54442D18p0,
		0x1p0, -0x1.ffffffd0c621cp-2, 0x1.55553e1068f19p-5, -0x1.6c087e89a359dp-10,
		0x1.99343027bf8c3p-16, -0x1.555545995a603p-3, 0x1.1107605230bc4p-7, -0x1.994eb3774cf24p-13},
	{[4]float64{1, -1, -1, 1}, 0x1.45F306DC9C883p+23, 0x1.921FB54442D18p0,
		-0x1p0, 0x1.ffffffd0c621cp-2, -0x1.55553e1068f19p-5, 0x1.6c087e89a359dp-10,
		-0x1.99343027bf8c3p-16, -0x1.555545995a603p-3, 0x1.1107605230bc4p-7, -0x1.994eb3774cf24p-13},
}

// invPio4 is 4/pi to 192 bits, 8 new bits per entry (glibc's __inv_pio4).
var invPio4 = [24]uint32{
	0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44,
	0x6e4e4415, 0x4e441529, 0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1,
	0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0, 0x34ddc0db, 0xddc0db62,
	0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
}

func abstop12(x float32) uint32 { return (math.Float32bits(x) >> 20) & 0x7ff }

// sincosfPolyEval is sincosf_poly: x reduced to [-pi/4, pi/4], x2 = x*x, quadrant n (odd
// swaps the sine and cosine polynomials).
func sincosfPolyEval(x, x2 float64, p *sincosfPoly, n int) (sin, cos float32) {
	x4 := x2 * x2
	x3 := x2 * x
	c2 := math.FMA(x2, p.c4, p.c3)
	s1 := math.FMA(x2, p.s3, p.s2)
	c1 := math.FMA(x2, p.c1, p.c0)
	x5 := x3 * x2
	x6 := x4 * x2
	s := math.FMA(x3, p.s1, x)
	c := math.FMA(x4, p.c2, c1)
	sv := float32(math.FMA(x5, s1, s))
	cv := float32(math.FMA(x6, c2, c))
	if n&1 != 0 {
		return cv, sv
	}
	return sv, cv
}

// reduceLargef is reduce_large: |x| ≥ 120 (xi its bits) reduced modulo pi/2 with the
// 192-bit 4/pi table; returns the remainder in [-pi/4, pi/4] and the quadrant.
func reduceLargef(xi uint32) (float64, int) {
	arr := invPio4[(xi>>26)&15:]
	shift := (xi >> 23) & 7
	xi = (xi & 0xffffff) | 0x800000
	xi <<= shift
	res0 := uint64(xi * arr[0]) // 32-bit product, as in C
	res1 := uint64(xi) * uint64(arr[4])
	res2 := uint64(xi) * uint64(arr[8])
	res0 = (res2 >> 32) | (res0 << 32)
	res0 += res1
	n := (res0 + (1 << 61)) >> 62
	res0 -= n << 62
	return float64(int64(res0)) * 0x1.921FB54442D18p-62, int(n)
}

// sinCosfGlibc returns glibc's sinf(x) and cosf(x).
func sinCosfGlibc(y float32) (sin, cos float32) {
	x := float64(y)
	p := &sincosfTable[0]
	switch t := abstop12(y); {
	case t < abstop12(0x1.921FB6p-1):
		if t < abstop12(0x1p-12) {
			return y, 1
		}
		return sincosfPolyEval(x, x*x, p, 0)
	case t < abstop12(120):
		r := x * p.hpiInv
		n := int((int32(r) + 0x800000) >> 24)
		x = math.FMA(-float64(n), p.hpi, x)
		s := p.sign[n&3]
		if n&2 != 0 {
			p = &sincosfTable[1]
		}
		return sincosfPolyEval(x*s, x*x, p, n)
	case t < abstop12(float32(math.Inf(1))):
		xi := math.Float32bits(y)
		sign := int(xi >> 31)
		x, n := reduceLargef(xi)
		s := p.sign[(n+sign)&3]
		if (n+sign)&2 != 0 {
			p = &sincosfTable[1]
		}
		return sincosfPolyEval(x*s, x*x, p, n)
	}
	nan := y - y
	return nan, nan
}

// RoPEAngles is r.Angles as ggml_rope_cache_init computes it (rope_yarn with ext_factor 0,
// attn_factor 1): theta starts at float(pos) and is multiplied by thetaScale in float after
// each pair, pair i's angle is FreqScale·(theta / freqFactor[i]) (a float divide, by 1
// without factors, and a float multiply, exact for FreqScale 1), and its cosine and sine
// are glibc's cosf and sinf.
func RoPEAngles(r *ops.RoPE, pos int, cos, sin []float32) {
	theta := float32(pos)
	ff := r.FreqFactors()
	for i := 0; i < r.NDims/2; i++ {
		t := theta
		if ff != nil {
			t /= ff[i]
		}
		t = float32(r.FreqScale * t)
		sin[i], cos[i] = sinCosfGlibc(t)
		theta *= r.ThetaScale()
	}
}

// RoPEApply is r.Apply with the rounding of ggml's rotate_pairs as GCC 12 compiles it
// (-O3 -march=native, default FP contraction; checked by compiling the same loop on a Zen 4
// machine): in each output the first product is fused with the sum,
//
//	x0' = fma(x0, cos, -(x1*sin))
//	x1' = fma(x0, sin, x1*cos)
//
// except, for normal (adjacent-pair) rope, the pairs after the last multiple of four, which
// the vectorized loop leaves to a scalar epilogue that rounds both products
// (x0*cos - x1*sin). x (nHeads*headSize,) rotated in place at the position whose angles
// are cos, sin.
func RoPEApply(r *ops.RoPE, x []float32, nHeads, headSize int, cos, sin []float32) {
	half := r.NDims / 2
	for h := 0; h < nHeads; h++ {
		v := x[h*headSize : h*headSize+r.NDims]
		step, off, fused := 2, 1, half&^3 // normal: adjacent pairs
		if r.Style == ops.RoPENeoX {
			step, off, fused = 1, half, half // NeoX: the two halves
		}
		for i := 0; i < half; i++ {
			j := i * step
			x0, x1 := v[j], v[j+off]
			if i < fused {
				v[j] = fma32(x0, cos[i], -float32(x1*sin[i]))
				v[j+off] = fma32(x0, sin[i], float32(x1*cos[i]))
			} else {
				v[j] = float32(x0*cos[i]) - float32(x1*sin[i])
				v[j+off] = float32(x0*sin[i]) + float32(x1*cos[i])
			}
		}
	}
}
