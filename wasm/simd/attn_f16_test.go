//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"hearth/engine/model"
	"hearth/engine/ops"
	"hearth/engine/quant"
)

// f16Rows returns n random halves in [-2, 2) and their float32 values; with special, one
// in 25 is a subnormal half or zero (NaN- and Inf-free).
func f16Rows(rng *rand.Rand, n int, special bool) ([]uint16, []float32) {
	h, f := make([]uint16, n), make([]float32, n)
	for i := range h {
		x := rng.Float32()*4 - 2
		switch k := rng.IntN(50); {
		case special && k == 0:
			x *= 1e-6 // subnormal half
		case special && k == 1:
			x = 0
		}
		h[i] = quant.F32ToF16(x)
		f[i] = quant.F16ToF32(h[i])
	}
	return h, f
}

// attnF16Shapes are (stride, n, rows): head slices of a cache row (64 of 192, 128 of 256)
// and lengths that exercise every tail: n mod 16 in {0, 4, 8, 12} and mod 4 in {1, 2, 3}.
var attnF16Shapes = []struct{ stride, n, rows int }{
	{1, 1, 1}, {3, 3, 2}, {4, 4, 5}, {8, 7, 3}, {12, 12, 9}, {20, 17, 4}, {36, 20, 9},
	{64, 30, 130}, {192, 64, 37}, {256, 128, 5}, {100, 100, 64},
}

// The F16 K·Q kernel agrees with ops.DotRowsF16's Go loop: the products are the same
// (halves widen exactly), only the order of the float32 sums differs (16 lanes then a
// tree, against one running sum), so |kernel - Go| ≤ 1e-5·(Σ|k·q| + |Go|). A float32 sum
// of n terms is off by at most (n-1)·2^-24·Σ|terms| in any order (7.6e-6·Σ at n = 128),
// so 1e-5 is about the worst case at these lengths; measured: under 1% of the bound.
func TestDotRowsF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	for _, c := range attnF16Shapes {
		t.Run(fmt.Sprintf("stride=%d/n=%d/rows=%d", c.stride, c.n, c.rows), func(t *testing.T) {
			kh, kf := f16Rows(rng, (c.rows-1)*c.stride+c.n, true)
			x := make([]float32, c.n)
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			got, want := make([]float32, c.rows+1), make([]float32, c.rows+1)
			got[c.rows], want[c.rows] = 99, 99 // past the end: must stay
			if !stridedDotF16(kh, c.stride, c.n, c.rows, x, got) {
				t.Fatal("refused")
			}
			saved := ops.StridedDotF16
			ops.StridedDotF16 = nil
			ops.DotRowsF16(kh, c.stride, c.n, c.rows, x, want)
			ops.StridedDotF16 = saved
			for r := range want {
				var abs float64
				for i := 0; r < c.rows && i < c.n; i++ {
					abs += math.Abs(float64(kf[r*c.stride+i]) * float64(x[i]))
				}
				tol := 1e-5 * (abs + math.Abs(float64(want[r])))
				if d := math.Abs(float64(got[r]) - float64(want[r])); !(d <= tol) {
					t.Fatalf("row %d: kernel %v, Go %v: |diff| %.3g > %.3g", r, got[r], want[r], d, tol)
				}
			}
		})
	}
	for _, bad := range []struct{ stride, n, rows, lenK, lenY int }{{8, 8, 2, 15, 2}, {8, 8, 2, 16, 1}, {4, 8, 2, 16, 2}} {
		if stridedDotF16(make([]uint16, bad.lenK), bad.stride, bad.n, bad.rows, make([]float32, bad.n), make([]float32, bad.lenY)) {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

// The F16 P·V kernel equals ops.WeightedRowsF16's Go loop bit for bit: both keep one
// running float32 sum per column, add the rows in order, and each product p·f32(v) is
// one rounding of the same exact values (halves widen exactly). It writes nothing past
// out[n).
func TestWeightedRowsF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	for _, c := range attnF16Shapes {
		t.Run(fmt.Sprintf("stride=%d/n=%d/rows=%d", c.stride, c.n, c.rows), func(t *testing.T) {
			vh, _ := f16Rows(rng, (c.rows-1)*c.stride+c.n, true)
			p := make([]float32, c.rows)
			for i := range p {
				p[i] = rng.Float32()
			}
			got, want := make([]float32, c.n+4), make([]float32, c.n+4)
			for i := c.n; i < len(got); i++ {
				got[i], want[i] = 99, 99
			}
			if !weightedRowsF16(vh, c.stride, c.n, c.rows, p, got) {
				t.Fatal("refused")
			}
			saved := ops.WeightedRowsF16Hook
			ops.WeightedRowsF16Hook = nil
			ops.WeightedRowsF16(vh, c.stride, c.n, c.rows, p, want)
			ops.WeightedRowsF16Hook = saved
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("out[%d]: kernel %v, Go %v", i, got[i], want[i])
				}
			}
		})
	}
	for _, bad := range []struct{ stride, n, rows, lenV, lenOut int }{{8, 6, 2, 13, 6}, {8, 8, 2, 16, 7}, {4, 8, 2, 16, 8}} {
		if weightedRowsF16(make([]uint16, bad.lenV), bad.stride, bad.n, bad.rows, make([]float32, bad.rows), make([]float32, bad.lenOut)) {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

// Install hooks both F16 attention kernels into ops.
func TestInstallAttentionF16(t *testing.T) {
	savedDot, savedW := ops.StridedDotF16, ops.WeightedRowsF16Hook
	defer func() { ops.StridedDotF16, ops.WeightedRowsF16Hook = savedDot, savedW }()
	ops.StridedDotF16, ops.WeightedRowsF16Hook = nil, nil
	Install()
	if ops.StridedDotF16 == nil || ops.WeightedRowsF16Hook == nil {
		t.Fatal("Install did not register the F16 attention kernels")
	}
}

// BenchmarkAttentionStep is one decode step's attention in one layer of SmolLM2-135M's
// shape (9 query heads over 3 KV heads × 64) at position 1024: K·Q, softmax and P·V over
// an F32 and an F16 cache, through the kernels; bytes/s is cache bytes read.
func BenchmarkAttentionStep(b *testing.B) {
	Install()
	const hd, heads, kvHeads, pos = 64, 9, 3, 1024
	kvDim := kvHeads * hd
	rng := rand.New(rand.NewPCG(2, 2))
	kh, kf := f16Rows(rng, pos*kvDim, false)
	vh, vf := f16Rows(rng, pos*kvDim, false)
	q := make([]float32, heads*hd)
	for i := range q {
		q[i] = rng.Float32()*2 - 1
	}
	out, sc := make([]float32, heads*hd), make([]float32, pos)
	for _, kv := range []string{"f32", "f16"} {
		b.Run(kv, func(b *testing.B) {
			el := 4
			if kv == "f16" {
				el = 2
			}
			b.SetBytes(int64(2 * pos * kvDim * el))
			for b.Loop() {
				for h := 0; h < heads; h++ {
					off, o := h/(heads/kvHeads)*hd, out[h*hd:(h+1)*hd]
					if kv == "f16" {
						ops.DotRowsF16(kh[off:], kvDim, hd, pos, q[h*hd:(h+1)*hd], sc)
					} else {
						ops.DotRowsF32(kf[off:], kvDim, hd, pos, q[h*hd:(h+1)*hd], sc)
					}
					ops.Softmax(sc)
					if kv == "f16" {
						ops.WeightedRowsF16(vh[off:], kvDim, hd, pos, sc, o)
					} else {
						ops.WeightedRowsF32(vf[off:], kvDim, hd, pos, sc, o)
					}
				}
			}
		})
	}
}

// BenchmarkDecodeStepKV times one token through SmolLM2-135M's shape (Q8_0) at position
// 1024 with an F32 and an F16 KV cache, kernels installed: the whole cache (45 MiB in F32,
// 22.5 MiB in F16) is read once per token.
func BenchmarkDecodeStepKV(b *testing.B) {
	Install()
	m := smolModel(b, "Q8_0")
	for _, kv := range []model.KVType{model.KVF32, model.KVF16} {
		b.Run("pos1024-"+kv.String(), func(b *testing.B) {
			s, err := m.NewStateKV(1100, kv)
			if err != nil {
				b.Fatal(err)
			}
			for s.Pos < 1024 {
				if _, err := s.Forward(benchPrompt(64), false); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Truncate(1024)
				if _, err := s.Forward([]int32{42}, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Rows holding ±Inf or NaN (which the kernels' fast widening cannot represent), a query
// that overflows when scaled by 2^64 and probabilities of 2^16 or more are refused, and
// ops then gives the Go loop's results; in the last n%4 columns, which the kernels widen
// exactly, they are taken and agree with the Go loop.
func TestAttentionF16NonFinite(t *testing.T) {
	const stride, n, rows = 24, 23, 5 // 16 + 4 + 3 columns
	rng := rand.New(rand.NewPCG(16, 4))
	same := func(a, b float32) bool { return a == b || (a != a && b != b) }
	for _, special := range []uint16{0x7c00, 0xfc00, 0x7e00, 0x7c01} { // +Inf, -Inf, NaN, sNaN
		for _, col := range []int{0, 9, 17, 21} {
			kh, _ := f16Rows(rng, (rows-1)*stride+n, false)
			kh[2*stride+col] = special
			x := make([]float32, n)
			p := make([]float32, rows)
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			for i := range p {
				p[i] = rng.Float32()
			}
			inTail := col >= n&^3
			y := make([]float32, rows)
			if got := stridedDotF16(kh, stride, n, rows, x, y); got != inTail {
				t.Errorf("%#04x at column %d: dot_rows_f16 accepted %v, want %v", special, col, got, inTail)
			}
			out := make([]float32, n)
			if got := weightedRowsF16(kh, stride, n, rows, p, out); got != inTail {
				t.Errorf("%#04x at column %d: weighted_rows_f16 accepted %v, want %v", special, col, got, inTail)
			}
			// through ops, hooks installed, against the Go loops
			Install()
			yk, ok := make([]float32, rows), make([]float32, n)
			ops.DotRowsF16(kh, stride, n, rows, x, yk)
			ops.WeightedRowsF16(kh, stride, n, rows, p, ok)
			savedDot, savedW := ops.StridedDotF16, ops.WeightedRowsF16Hook
			ops.StridedDotF16, ops.WeightedRowsF16Hook = nil, nil
			yg, og := make([]float32, rows), make([]float32, n)
			ops.DotRowsF16(kh, stride, n, rows, x, yg)
			ops.WeightedRowsF16(kh, stride, n, rows, p, og)
			ops.StridedDotF16, ops.WeightedRowsF16Hook = savedDot, savedW
			if !same(yk[2], yg[2]) || yg[2] == yg[2] && !math.IsInf(float64(yg[2]), 0) {
				t.Errorf("%#04x at column %d: K·Q row 2 %v, Go %v", special, col, yk[2], yg[2])
			}
			for i := range og {
				if !same(ok[i], og[i]) {
					t.Errorf("%#04x at column %d: P·V out[%d] %v, Go %v", special, col, i, ok[i], og[i])
				}
			}
		}
	}
	vh, _ := f16Rows(rng, (rows-1)*stride+n, false)
	for _, c := range []struct {
		p    float32
		want bool
	}{{0x1p16 - 1, true}, {0x1p16, false}, {float32(math.Inf(1)), false}} {
		p := []float32{0.5, c.p, 0.25, 0, 1}
		if got := weightedRowsF16(vh, stride, n, rows, p, make([]float32, n)); got != c.want {
			t.Errorf("p = %v: accepted %v, want %v", c.p, got, c.want)
		}
	}
	for _, c := range []struct {
		q    float32
		want bool
	}{{0x1p63, true}, {0x1p64, false}, {float32(math.Inf(-1)), false}} {
		x := make([]float32, n)
		x[3] = c.q
		if got := stridedDotF16(vh, stride, n, rows, x, make([]float32, rows)); got != c.want {
			t.Errorf("q = %v: accepted %v, want %v", c.q, got, c.want)
		}
	}
}
