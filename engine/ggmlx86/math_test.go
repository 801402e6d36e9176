package ggmlx86

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ggmlLengths are the lengths where ggml's kernels change strategy (16-lane and 64-element
// blocks, GCC's 16/8/scalar leftover split).
var ggmlLengths = []int{1, 7, 8, 15, 16, 17, 24, 63, 64, 65, 71, 72, 200}

// ulps is the distance in float32 steps between a and b (same sign assumed).
func ulps(a, b float32) int64 {
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

func TestVExpfAccuracy(t *testing.T) {
	for x := float32(-87); x < 88; x += 0.0137 {
		got := vExpf(x)
		want := float32(math.Exp(float64(x)))
		if ulps(got, want) > 2 {
			t.Fatalf("vExpf(%g) = %g, want %g (%d ulp)", x, got, want, ulps(got, want))
		}
	}
	inf := float32(math.Inf(1))
	for _, c := range []struct{ x, want float32 }{
		{float32(math.Inf(-1)), 0}, {inf, inf}, {0, 1}, {-200, 0}, {200, inf}, {-1e30, 0},
	} {
		if got := vExpf(c.x); got != c.want {
			t.Errorf("vExpf(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	// Results in the float32 subnormal range are rounded once by _mm512_scalef_ps.
	if got := vExpf(-100); got <= 0 || ulps(got, float32(math.Exp(-100))) > 2 {
		t.Errorf("vExpf(-100) = %g (subnormal expected near %g)", got, math.Exp(-100))
	}
}

func TestGlibcExpf(t *testing.T) {
	// glibc's __exp2f_data.tab entries (e_exp2f_data.c), spot-checked against the table
	// computed here.
	for i, want := range map[int]uint64{0: 0x3ff0000000000000, 1: 0x3fefd9b0d3158574, 16: 0x3feea09e667f3bcd, 31: 0x3fefd0765b6e4540} {
		if exp2fTable[i] != want {
			t.Errorf("exp2fTable[%d] = %#x, want %#x", i, exp2fTable[i], want)
		}
	}
	for x := float32(-103.9); x < 88.7; x += 0.00731 {
		got := glibcExpf(x)
		want := float32(math.Exp(float64(x)))
		if ulps(got, want) > 1 {
			t.Fatalf("glibcExpf(%g) = %g, want %g", x, got, want)
		}
	}
	// Outputs of expf in glibc 2.36 x86-64 (FMA variant) at the two inputs where the
	// unfused C code rounds differently (found by an exhaustive comparison over all floats).
	for _, c := range []struct{ x, want float32 }{
		{0x1.04845ep+5, 0x1.f93e38p+46},
		{-0x1.f8cbb2p+5, 0x1.f45326p-92},
	} {
		if got := glibcExpf(c.x); got != c.want {
			t.Errorf("glibcExpf(%x) = %x, want %x", c.x, got, c.want)
		}
	}
	if glibcExpf(float32(math.Inf(-1))) != 0 || !math.IsInf(float64(glibcExpf(89)), 1) || glibcExpf(-104) != 0 {
		t.Error("glibcExpf special cases")
	}
}

func randSlice(rng *rand.Rand, n int, sd float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * sd)
	}
	return s
}

func TestSiLUMulGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range ggmlLengths {
		gate, up := randSlice(rng, n, 4), randSlice(rng, n, 1)
		out := make([]float32, n)
		SiLUMulGGML(out, gate, up)
		for i, g := range gate {
			// float64 reference; ≤ 4 ulp: exp (≤ 2 ulp), 1+e, the divide and the multiply
			want := float32(float64(g) / (1 + math.Exp(-float64(g))) * float64(up[i]))
			if ulps(out[i], want) > 4 {
				t.Fatalf("n=%d i=%d: %g, want %g", n, i, out[i], want)
			}
			// the 16-wide part uses ggml_v_silu, the tail ggml_silu_f32 with expf
			lane := float32(vSilu(g) * up[i])
			if i >= n&^15 {
				lane = float32(siluScalar(g) * up[i])
			}
			if out[i] != lane {
				t.Fatalf("n=%d i=%d: %g, want %g from the %d-wide split", n, i, out[i], lane, 16)
			}
		}
		// in place, as the forward pass calls it
		SiLUMulGGML(gate, gate, up)
		for i := range gate {
			if gate[i] != out[i] {
				t.Fatalf("n=%d: aliasing changed element %d", n, i)
			}
		}
	}
}

func TestSoftmaxGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range ggmlLengths {
		for _, masked := range []int{0, n / 3} {
			x := randSlice(rng, n, 6)
			for i := n - masked; i < n; i++ {
				x[i] = float32(math.Inf(-1))
			}
			scale := KQScaleGGML(64)
			ref := make([]float64, n)
			max, sum := math.Inf(-1), 0.0
			for i, v := range x {
				ref[i] = float64(float32(v * scale))
				max = math.Max(max, ref[i])
			}
			for i := range ref {
				// exact exp of ggml's float difference (x*scale - max, rounded)
				ref[i] = math.Exp(float64(float32(ref[i]) - float32(max)))
				sum += ref[i]
			}
			SoftmaxGGML(x, scale)
			var total float64
			for i, p := range x {
				want := float32(ref[i] / sum)
				if i >= n-masked && p != 0 {
					t.Fatalf("n=%d masked cell %d = %g", n, i, p)
				}
				if ulps(p, want) > 4 {
					t.Fatalf("n=%d i=%d: %g, want %g", n, i, p, want)
				}
				total += float64(p)
			}
			if math.Abs(total-1) > 1e-5 {
				t.Fatalf("n=%d: sum %g", n, total)
			}
		}
	}
}

func TestRMSNormGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range ggmlLengths {
		x, w := randSlice(rng, n, 2), randSlice(rng, n, 1)
		var ss float64
		for _, v := range x {
			ss += float64(v) * float64(v)
		}
		inv := 1 / math.Sqrt(ss/float64(n)+1e-5)
		out := make([]float32, n)
		RMSNormGGML(out, x, w, 1e-5)
		for i := range out {
			want := float32(float64(x[i]) * inv * float64(w[i]))
			if ulps(out[i], want) > 3 {
				t.Fatalf("n=%d i=%d: %g, want %g", n, i, out[i], want)
			}
		}
		RMSNormGGML(x, x, w, 1e-5)
		for i := range x {
			if x[i] != out[i] {
				t.Fatalf("n=%d: aliasing changed element %d", n, i)
			}
		}
	}
}

func TestDotKernelsClose(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	kernels := map[string]func(x, y []float32) float32{
		"vec_dot_f32": DotF32GGML, "sgemm": DotF32SgemmGGML, "vec_dot_f16": DotF16GGML,
	}
	for name, dot := range kernels {
		for _, n := range ggmlLengths {
			x, y := randSlice(rng, n, 1), randSlice(rng, n, 1)
			var exact, mag float64
			for i := range x {
				exact += float64(x[i]) * float64(y[i])
				mag += math.Abs(float64(x[i]) * float64(y[i]))
			}
			if got := float64(dot(x, y)); math.Abs(got-exact) > 2*float64(n)*0x1p-24*mag {
				t.Errorf("%s n=%d: %g, want %g", name, n, got, exact)
			}
			// small integers: every kernel is exact
			for i := range x {
				x[i], y[i] = float32(rng.IntN(9)-4), float32(rng.IntN(9)-4)
			}
			var isum int
			for i := range x {
				isum += int(x[i]) * int(y[i])
			}
			if got := dot(x, y); got != float32(isum) {
				t.Errorf("%s n=%d integer dot: %g, want %d", name, n, got, isum)
			}
		}
	}
}

// TestDotF32Leftovers checks the GCC leftover split on a case where a rounded product and a
// fused one differ: -1 followed by (1+2^-12)^2 = 1 + 2^-11 + 2^-24.
func TestDotF32Leftovers(t *testing.T) {
	const fused, rounded = 0x1p-11 + 0x1p-24, 0x1p-11
	for _, c := range []struct {
		i, j, n int // positions of the -1 and of the square, length
		want    float32
	}{
		{0, 1, 7, fused},      // scalar epilogue only
		{0, 1, 8, rounded},    // one 8-block
		{0, 1, 15, rounded},   // the pair in the 8-block, then 7 fused
		{8, 9, 15, fused},     // the pair in the scalar epilogue after the 8-block
		{0, 1, 16, rounded},   // one 16-block
		{16, 17, 23, fused},   // 16-block, then 7 fused
		{16, 17, 24, rounded}, // 16-block, then an 8-block
		{64, 65, 71, fused},   // a 64-block through the accumulators, then 7 fused
		{0, 64, 128, fused},   // same accumulator lane: FMA
		{62, 63, 64, rounded}, // different lanes, each product rounded alone, then reduced
	} {
		x, y := make([]float32, c.n), make([]float32, c.n)
		x[c.i], y[c.i] = 1, -1
		x[c.j], y[c.j] = 1+0x1p-12, 1+0x1p-12
		if got := DotF32GGML(x, y); got != c.want {
			t.Errorf("pair at %d,%d n=%d: %x, want %x", c.i, c.j, c.n, got, c.want)
		}
	}
}

// TestAttnValueGGML cross-checks the strided V·P product against the dot kernels on the
// gathered Vᵀ rows, with masked (zero-probability) cells whose V rows hold garbage.
func TestAttnValueGGML(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const hd, stride = 8, 24
	for _, n := range ggmlLengths {
		p := randSlice(rng, n, 1)
		for i := range p {
			p[i] = float32(math.Abs(float64(p[i])))
		}
		v := randSlice(rng, n*stride, 1)
		for t := 0; t < n; t += 3 {
			p[t] = 0
			v[t*stride+2] = float32(math.NaN()) // never read
		}
		for _, k := range []F32Kernel{KernelVecDot, KernelSgemm} {
			out := make([]float32, hd)
			AttnValueGGML(out, p, v, stride, k)
			for i := range out {
				col := make([]float32, n)
				for t := range col {
					if p[t] != 0 {
						col[t] = v[t*stride+i]
					}
				}
				if want := k.Dot(col, p); out[i] != want {
					t.Fatalf("kernel %d n=%d i=%d: %g, want %g", k, n, i, out[i], want)
				}
			}
		}
	}
}

func TestKernelChoice(t *testing.T) {
	for _, c := range []struct {
		nTok, nHead, hd, nKV int
		kq, kqv              F32Kernel
	}{
		{1, 8, 32, 256, KernelVecDot, KernelVecDot}, // decode
		{7, 8, 32, 256, KernelVecDot, KernelSgemm},  // prefill: q not contiguous
		{7, 1, 32, 256, KernelSgemm, KernelSgemm},   // one head: q contiguous
		{7, 8, 8, 256, KernelVecDot, KernelSgemm},   // stories260K head_dim 8
		{7, 8, 30, 256, KernelVecDot, KernelVecDot}, // head_dim % 4 != 0
		{7, 8, 32, 100, KernelVecDot, KernelVecDot}, // n_kv % 16 != 0
	} {
		kq, kqv := AttnKernels(c.nTok, c.nHead, c.hd, c.nKV)
		if kq != c.kq || kqv != c.kqv {
			t.Errorf("AttnKernels%v = %d,%d, want %d,%d", c, kq, kqv, c.kq, c.kqv)
		}
	}
	for _, c := range [][3]int{{1, 512, 256}, {255, 512, 256}, {256, 512, 256}, {257, 512, 512}, {600, 512, 512}, {10, 128, 128}} {
		if got := NKVGGML(c[0], c[1]); got != c[2] {
			t.Errorf("NKVGGML(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
	if KQScaleGGML(64) != 0.125 || KQScaleGGML(8) != 1/float32(math.Sqrt(8)) {
		t.Error("KQScaleGGML")
	}
}
