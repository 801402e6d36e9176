//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// TestAttentionHeads compares attn_heads_f16 with the Go loop (DotRowsF16, scale,
// Softmax, WeightedRowsF16, without the kernels) for batches of 1 (decode) to 9 tokens,
// grouped-query heads, head sizes 64 and 80 (not a multiple of 16) and 6 (a scalar tail),
// with and without a sliding window, several positions: within 2e-6 of the output's
// magnitude per element (the kernel's softmax sums in f64 lanes in another order); a pair
// whose keys hold an Inf goes through the Go loop and equals it bit for bit.
func TestAttentionHeads(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct{ b, nh, nkv, hd, pos0, window int }{
		{1, 9, 3, 64, 0, 0}, {1, 9, 3, 64, 63, 0}, {1, 9, 3, 64, 300, 0}, {4, 8, 8, 64, 5, 0},
		{9, 9, 3, 64, 20, 0}, {5, 4, 2, 80, 37, 0}, {3, 2, 1, 6, 11, 0}, {6, 4, 2, 64, 40, 16}, {1, 4, 1, 64, 100, 32},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			qDim, kvDim, nCtx := c.nh*c.hd, c.nkv*c.hd, c.pos0+c.b
			a := &ops.AttentionF16{B: c.b, NHead: c.nh, NHeadKV: c.nkv, HeadDim: c.hd, Pos0: c.pos0, Window: c.window,
				Scale: float32(1 / math.Sqrt(float64(c.hd))),
				Q:     make([]float32, c.b*qDim), Out: make([]float32, c.b*qDim), K: make([]uint16, nCtx*kvDim), V: make([]uint16, nCtx*kvDim)}
			for i := range a.Q {
				a.Q[i] = float32(rng.NormFloat64())
			}
			for i := range a.K {
				a.K[i] = quant.F32ToF16(float32(rng.NormFloat64()))
				a.V[i] = quant.F32ToF16(float32(rng.NormFloat64()))
			}
			if c.b == 9 {
				a.K[5*kvDim+1] = 0x7c00 // +Inf in position 5, KV head 0: the pairs that see it fall back
			}
			want := make([]float32, len(a.Out))
			ref := *a
			ref.Out = want
			saveDot, saveW := ops.StridedDotF16, ops.WeightedRowsF16Hook
			ops.StridedDotF16, ops.WeightedRowsF16Hook = nil, nil
			for b := 0; b < c.b; b++ {
				for h := 0; h < c.nh; h++ {
					attentionPairGo(&ref, b, h)
				}
			}
			ops.StridedDotF16, ops.WeightedRowsF16Hook = saveDot, saveW
			for i := range a.Out {
				a.Out[i] = float32(math.NaN())
			}
			if !attention(a) {
				t.Fatal("refused")
			}
			for i, w := range want {
				g := a.Out[i]
				if w != w {
					if g == g {
						t.Fatalf("out[%d] = %v, Go NaN", i, g)
					}
					continue
				}
				if d := math.Abs(float64(g - w)); !(d <= 2e-6*(1+math.Abs(float64(w)))) {
					t.Fatalf("out[%d] (token %d head %d): kernel %v, Go %v", i, i/qDim, i%qDim/c.hd, g, w)
				}
			}
		})
	}
}
