package ggmlx86

import (
	"math"
	"math/big"
)

// vExpf is one lane of ggml_v_expf, the __AVX512F__ && __AVX512DQ__ variant in ggml-cpu's
// vec.h (ARM's optimized-routines expf: max error 1.45 ulp + 0.5 ulp rounding, flushes to +Inf
// above ~88.38 and to 0 below ~-103.97). Every _mm512_fmadd_ps / _mm512_fnmadd_ps is one
// fma32; the result is _mm512_scalef_ps(j, n) = j·2^n rounded once (with subnormals), or
// +Inf / 0 where |n| > 192.
func vExpf(x float32) float32 {
	const r = 0x1.8p23
	z := fma32(x, 0x1.715476p+0, r)
	n := z - r
	b := fma32(-n, 0x1.7f7d1cp-20, fma32(-n, 0x1.62e4p-1, x))
	u := float32(b * b)
	j := fma32(
		fma32(fma32(0x1.0e4020p-7, b, 0x1.573e2ep-5), u, fma32(0x1.555e66p-3, b, 0x1.fffdb6p-2)),
		u,
		fma32(0x1.ffffecp-1, b, 1))
	if abs32(n) > 192 { // _CMP_GT_OQ: false for NaN
		if n <= 0 {
			return 0
		}
		return float32(math.Inf(1))
	}
	return float32(math.Ldexp(float64(j), int(n))) // j·2^n is exact in float64
}

// vSilu is one lane of ggml_v_silu (AVX-512): x / (1 + ggml_v_expf(0 - x)).
func vSilu(x float32) float32 {
	e := vExpf(0 - x)
	return x / (1 + e)
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// glibcExpf is expf from glibc ≥ 2.27 (sysdeps/ieee754/flt-32/e_expf.c, 0.502 ulp) as its
// x86-64 FMA variant (__expf_fma, chosen by ifunc on CPUs with FMA and AVX2) computes it:
// the C code compiled with -mfma -mavx2 and GCC's default contraction, so z*InvLn2N+SHIFT,
// z*InvLn2N-kd and the three polynomial steps are each one fused double FMA. ggml calls the
// scalar expf for the elements left over after its 16-wide loops (ggml_silu_f32,
// ggml_vec_soft_max_f32).
func glibcExpf(x float32) float32 {
	const (
		tableBits = 5
		nTab      = 1 << tableBits
		shift     = 0x1.8p+52
		invLn2N   = 0x1.71547652b82fep+0 * nTab
		c0        = 0x1.c6af84b912394p-5 / nTab / nTab / nTab
		c1        = 0x1.ebfce50fac4f3p-3 / nTab / nTab
		c2        = 0x1.62e42ff0c52d6p-1 / nTab
	)
	bits := math.Float32bits(x)
	abstop := (bits >> 20) & 0x7ff
	if abstop >= math.Float32bits(88)>>20 {
		switch {
		case x == float32(math.Inf(-1)):
			return 0
		case abstop >= math.Float32bits(float32(math.Inf(1)))>>20:
			return x + x
		case x > 0x1.62e42ep6:
			return float32(math.Inf(1))
		case x < -0x1.9fe368p6:
			return 0
		}
	}
	xd := float64(x)
	kd := math.FMA(invLn2N, xd, shift)
	ki := math.Float64bits(kd)
	kd -= shift
	r := math.FMA(invLn2N, xd, -kd)
	t := exp2fTable[ki%nTab] + ki<<(52-tableBits)
	s := math.Float64frombits(t)
	z := math.FMA(c0, r, c1)
	r2 := float64(r * r)
	y := math.FMA(c2, r, 1)
	y = math.FMA(z, r2, y)
	return float32(float64(y * s))
}

// exp2fTable is glibc's __exp2f_data.tab: the bits of 2^(i/32) rounded to double, minus
// i<<47, so that adding k<<47 for k ≡ i (mod 32) yields 2^(k/32). Computed here with 5
// square roots of 2^i at 256-bit precision.
var exp2fTable = func() (tab [32]uint64) {
	for i := range tab {
		v := new(big.Float).SetPrec(256).SetMantExp(big.NewFloat(1).SetPrec(256), i)
		for range 5 {
			v.Sqrt(v)
		}
		f, _ := v.Float64()
		tab[i] = math.Float64bits(f) - uint64(i)<<47
	}
	return tab
}()

// siluScalar is ggml_silu_f32: x/(1.0f + expf(-x)) with glibc's expf.
func siluScalar(x float32) float32 {
	return x / (1 + glibcExpf(-x))
}

// SiLUMulGGML is ggml_vec_swiglu_f32 on AVX-512 (the CPU backend's GGML_OP_GLU SWIGLU, which
// llama.cpp's FFN uses for silu(gate)*up): gate (n,), up (n,) -> out (n,),
// out[i] = silu(gate[i]) * up[i]. The first n&^15 elements go through ggml_v_silu 16 at a
// time and one float multiply; the rest through the scalar ggml_silu_f32 (glibc expf) and
// one float multiply. out may alias gate or up.
func SiLUMulGGML(out, gate, up []float32) {
	n := len(gate)
	up = up[:n]
	out = out[:n]
	i := 0
	for ; i+15 < n; i += 16 {
		for l := i; l < i+16; l++ {
			out[l] = float32(vSilu(gate[l]) * up[l])
		}
	}
	for ; i < n; i++ {
		out[i] = float32(siluScalar(gate[i]) * up[i])
	}
}

// SoftmaxGGML is ggml_compute_forward_soft_max_f32 for one row as llama.cpp's non-flash
// attention uses it (ggml_soft_max_ext with an F32 mask of 0/-INFINITY, max_bias 0, no sinks):
// x (n,) raw K·Q dot products, in place -> probabilities.
//
//	wp = x*scale                   // ggml_vec_scale_f32: float multiply
//	wp += 1.0f*mask                // masked cells: the caller puts -Inf in x instead
//	max = max(wp)
//	16 at a time: y = ggml_v_expf(wp - max); sum += (double)_mm512_reduce_add_ps(y)
//	leftover:     y = expf(wp - max) (glibc); sum += (double)y
//	y *= (float)(1.0/sum)          // ggml_vec_scale_f32 with the double reciprocal rounded
//
// The row ggml sees has n_kv cells (NKVGGML, a multiple of 256 in practice), so pass the
// whole padded row with -Inf in masked and unused cells: the 16-wide split depends on it.
func SoftmaxGGML(x []float32, scale float32) {
	n := len(x)
	if n == 0 {
		return
	}
	max := float32(math.Inf(-1))
	for i, v := range x {
		v = float32(v * scale)
		x[i] = v
		if !(max > v) { // MAX(max, v) = max > v ? max : v
			max = v
		}
	}
	var sum float64
	i := 0
	var lane [16]float32
	for ; i+15 < n; i += 16 {
		for l := range lane {
			lane[l] = vExpf(x[i+l] - max)
			x[i+l] = lane[l]
		}
		sum += float64(reduceAdd16(&lane))
	}
	for ; i < n; i++ {
		v := glibcExpf(x[i] - max)
		sum += float64(v)
		x[i] = v
	}
	inv := float32(1.0 / sum)
	for i := range x {
		x[i] = float32(x[i] * inv)
	}
}
