package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"hearth/engine/quant"
)

// TestGeGLU checks GeGLU against the float64 reference: through the FP16 table the gate is
// rounded to half precision on the way in and the GELU on the way out, so each output is
// within a few half-precision ulps of gelu(gate)·up (absolutely, where gelu is near 0);
// beyond ±10 the table is skipped exactly as ggml does.
func TestGeGLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 20000
	gate, up, out := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range gate {
		gate[i] = float32(rng.NormFloat64() * 3)
		up[i] = float32(rng.NormFloat64())
	}
	gate[0], gate[1], gate[2], gate[3] = -10, 10, -10.5, 12
	gate[4], gate[5] = 0, float32(math.Copysign(0, -1))
	GeGLU(out, gate, up)
	for i, g := range gate {
		u := float64(up[i])
		switch {
		case g <= -10:
			if out[i] != 0 {
				t.Fatalf("gate %g: %g, want 0", g, out[i])
			}
			continue
		case g >= 10:
			if out[i] != g*up[i] {
				t.Fatalf("gate %g: %g, want gate·up %g", g, out[i], g*up[i])
			}
			continue
		}
		// input rounding: |gelu'| ≤ 1.13, half an ulp of the half-precision gate (2^-11
		// relative); output rounding: 2^-11 relative; plus 2^-24 absolute for subnormal halves.
		ref := GELURef(float64(g))
		tol := (1.13*math.Abs(float64(g))*0x1p-11 + math.Abs(ref)*0x1p-11 + 0x1p-24) * math.Abs(u)
		if d := math.Abs(float64(out[i]) - ref*u); d > tol*1.01 {
			t.Fatalf("gate %g up %g: %g, reference %g (|Δ| %.3g > %.3g)", g, up[i], out[i], ref*u, d, tol)
		}
	}
	// in place, as the forward pass calls it
	g2 := append([]float32(nil), gate...)
	GeGLU(g2, g2, up)
	for i := range g2 {
		if g2[i] != out[i] {
			t.Fatalf("in place: element %d %g, want %g", i, g2[i], out[i])
		}
	}
}

// TestGeluTable checks table entries that do not depend on tanhf's last bit: zero, values
// whose GELU is exactly half of them in float, and large inputs where tanh is 1.
func TestGeluTable(t *testing.T) {
	tab := geluTable()
	for _, c := range []struct{ x, want float32 }{
		{0, 0},
		{0x1p-14, 0x1p-15}, // 1 + tanh(tiny) rounds to 1 in float
		{-0x1p-14, -0x1p-15},
		{8, 8}, // tanh(6.9) rounds to 1 in float
		{9.5, 9.5},
	} {
		if got := quant.F16ToF32(tab[quant.F32ToF16(c.x)]); got != c.want {
			t.Errorf("table[fp16(%g)] = %g, want %g", c.x, got, c.want)
		}
	}
	// odd symmetry is not exact (1 + tanh(-y) cancels), but the table is monotonic
	// non-decreasing from the minimum near -0.75 on, as GELU is
	prev := float32(math.Inf(-1))
	for h := uint16(0xba00); h > 0x8000; h-- { // -0.75 … -0 (negative halves, decreasing bits)
		v := quant.F16ToF32(tab[h])
		if v < prev {
			t.Fatalf("table not monotonic at %g: %g < %g", quant.F16ToF32(h), v, prev)
		}
		prev = v
	}
	for h := uint16(0); h < 0x4900; h++ { // 0 … 10
		v := quant.F16ToF32(tab[h])
		if v < prev {
			t.Fatalf("table not monotonic at %g: %g < %g", quant.F16ToF32(h), v, prev)
		}
		prev = v
	}
}
