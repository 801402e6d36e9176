package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"hearth/engine/quant"
)

// randF16 returns n random halves in [-2, 2), and their float32 values.
func randF16(rng *rand.Rand, n int) ([]uint16, []float32) {
	h, f := make([]uint16, n), make([]float32, n)
	for i := range h {
		h[i] = quant.F32ToF16(rng.Float32()*4 - 2)
		f[i] = quant.F16ToF32(h[i])
	}
	return h, f
}

// The F16 attention loops give the F32 loops' results on the widened rows (the same order,
// and widening is exact), and agree with a float64 sum to float32 rounding.
func TestAttentionF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	for _, c := range []struct{ stride, n, rows int }{{1, 1, 1}, {8, 8, 3}, {192, 64, 37}, {36, 20, 9}, {33, 17, 130}} {
		kh, kf := randF16(rng, (c.rows-1)*c.stride+c.n)
		x := make([]float32, c.n)
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		p := make([]float32, c.rows)
		for i := range p {
			p[i] = rng.Float32()
		}
		got, want := make([]float32, c.rows), make([]float32, c.rows)
		DotRowsF16(kh, c.stride, c.n, c.rows, x, got)
		DotRowsF32(kf, c.stride, c.n, c.rows, x, want)
		for r := range want {
			var exact, abs float64
			for i := 0; i < c.n; i++ {
				d := float64(kf[r*c.stride+i]) * float64(x[i])
				exact += d
				abs += math.Abs(d)
			}
			if got[r] != want[r] || math.Abs(float64(got[r])-exact) > 1e-6*abs {
				t.Fatalf("%+v dot row %d: F16 %v, F32 %v, float64 %v", c, r, got[r], want[r], exact)
			}
		}
		got, want = make([]float32, c.n), make([]float32, c.n)
		WeightedRowsF16(kh, c.stride, c.n, c.rows, p, got)
		WeightedRowsF32(kf, c.stride, c.n, c.rows, p, want)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v weighted out[%d]: F16 %v, F32 %v", c, i, got[i], want[i])
			}
		}
	}
}

// The hooks take the products when set and the Go loops run when they refuse.
func TestAttentionF16Hooks(t *testing.T) {
	savedDot, savedW := StridedDotF16, WeightedRowsF16Hook
	defer func() { StridedDotF16, WeightedRowsF16Hook = savedDot, savedW }()
	kh, _ := randF16(rand.New(rand.NewPCG(1, 16)), 8)
	x, p := []float32{1, 1, 1, 1}, []float32{1, 1}
	for _, accept := range []bool{true, false} {
		calls := 0
		StridedDotF16 = func(w []uint16, stride, n, rows int, x, y []float32) bool {
			calls++
			if accept {
				y[0], y[1] = -1, -1
			}
			return accept
		}
		WeightedRowsF16Hook = func(v []uint16, stride, n, rows int, p, out []float32) bool {
			calls++
			if accept {
				clear(out)
				out[0] = -1
			}
			return accept
		}
		y, out := make([]float32, 2), make([]float32, 4)
		DotRowsF16(kh, 4, 4, 2, x, y)
		WeightedRowsF16(kh, 4, 4, 2, p, out)
		if calls != 2 || (y[0] == -1) != accept || (out[0] == -1) != accept {
			t.Fatalf("accept=%v: %d calls, y %v, out %v", accept, calls, y, out)
		}
	}
}

// BenchmarkAttentionStep is one decode step's attention for one KV head group at position
// 1024 over SmolLM2-135M's head shape (3 KV heads × 64, 9 query heads): K·Q, softmax and
// P·V over an F32 and an F16 cache (Go loops, or the kernels where the build installs
// them); bytes/s is cache bytes read.
func BenchmarkAttentionStep(b *testing.B) {
	const hd, heads, kvHeads, pos = 64, 9, 3, 1024
	kvDim := kvHeads * hd
	rng := rand.New(rand.NewPCG(2, 2))
	kh, kf := randF16(rng, pos*kvDim)
	vh, vf := randF16(rng, pos*kvDim)
	q := make([]float32, heads*hd)
	for i := range q {
		q[i] = rng.Float32()*2 - 1
	}
	out := make([]float32, heads*hd)
	sc := make([]float32, pos)
	step := func(dot, wsum func(off int, qh, out []float32)) {
		for h := 0; h < heads; h++ {
			off := h / (heads / kvHeads) * hd
			dot(off, q[h*hd:(h+1)*hd], sc)
			Softmax(sc)
			wsum(off, sc, out[h*hd:(h+1)*hd])
		}
	}
	b.Run("f32", func(b *testing.B) {
		b.SetBytes(int64(2 * pos * kvDim * 4))
		for b.Loop() {
			step(func(off int, qh, y []float32) { DotRowsF32(kf[off:], kvDim, hd, pos, qh, y) },
				func(off int, p, o []float32) { WeightedRowsF32(vf[off:], kvDim, hd, pos, p, o) })
		}
	})
	b.Run("f16", func(b *testing.B) {
		b.SetBytes(int64(2 * pos * kvDim * 2))
		for b.Loop() {
			step(func(off int, qh, y []float32) { DotRowsF16(kh[off:], kvDim, hd, pos, qh, y) },
				func(off int, p, o []float32) { WeightedRowsF16(vh[off:], kvDim, hd, pos, p, o) })
		}
	})
}
