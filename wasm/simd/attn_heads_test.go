//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// TestAttentionHeads compares attn_heads_f16 with the Go loop (DotRowsF16, scale,
// Softmax, WeightedRowsF16, without the kernels) for batches of 1 (decode) to 9 tokens,
// grouped-query heads (groups of 1 to 7), head sizes 64, 128, 80 and 72 (not multiples of
// 16: the rows-in-lanes scores' four-column steps) and 6 (the row-at-a-time scores' scalar tail),
// with and without a sliding window, several positions: within 2e-6 of the output's
// magnitude per element (the kernel's softmax sums in f64 lanes in another order); a pair
// whose keys hold an Inf goes through the Go loop and equals it bit for bit.
func TestAttentionHeads(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, c := range []struct{ b, nh, nkv, hd, pos0, window int }{
		{1, 9, 3, 64, 0, 0}, {1, 9, 3, 64, 63, 0}, {1, 9, 3, 64, 300, 0}, {4, 8, 8, 64, 5, 0},
		{9, 9, 3, 64, 20, 0}, {5, 4, 2, 80, 37, 0}, {3, 2, 1, 6, 11, 0}, {6, 4, 2, 64, 40, 16}, {1, 4, 1, 64, 100, 32},
		{1, 6, 2, 72, 50, 0}, {1, 16, 8, 128, 33, 0}, {2, 14, 2, 64, 3, 0},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			qDim, kvDim := c.nh*c.hd, c.nkv*c.hd
			a := randomAttention(rng, c.b, c.nh, c.nkv, c.hd, c.pos0, c.window)
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

// TestAttentionHeadsPairing: attn_heads_f16 takes up to three heads of one K/V head
// together where it can; a worker's chunks of the pairs cut those groups anywhere. Every head's output is
// the same bit for bit whether the kernel runs all the pairs at once, one pair a call
// (every head alone), or in chunks that start at odd pairs.
func TestAttentionHeadsPairing(t *testing.T) {
	tilesOff = true
	defer func() { tilesOff = false }()
	rng := rand.New(rand.NewPCG(6, 7))
	for _, c := range []struct{ b, nh, nkv, hd, pos0 int }{{1, 9, 3, 64, 40}, {3, 14, 2, 64, 17}, {2, 4, 1, 80, 9}, {2, 8, 8, 64, 5}} {
		qDim := c.nh * c.hd
		a := randomAttention(rng, c.b, c.nh, c.nkv, c.hd, c.pos0, 0)
		if !attention(a) {
			t.Fatal("refused")
		}
		whole := append([]float32(nil), a.Out...)
		pairs := c.b * c.nh
		stride := int32(len(attnScratch) / max(1, hostThreads) * 4)
		for _, cuts := range [][]int{allCuts(pairs), {0, 1, pairs}, {0, 3, 4, pairs}} {
			clear(a.Out)
			for i := 0; i+1 < len(cuts); i++ {
				lo, hi := min(cuts[i], pairs), min(cuts[i+1], pairs)
				if lo < hi {
					attnHeadsF16Kernel(unsafe.Pointer(&attnParams), unsafe.Pointer(&attnScratch[0]), stride, int32(lo), int32(hi))
				}
			}
			for i, w := range whole {
				if math.Float32bits(a.Out[i]) != math.Float32bits(w) {
					t.Fatalf("%+v cut at %v: out[%d] (token %d head %d) %v, all pairs at once %v", c, cuts, i, i/qDim, i%qDim/c.hd, a.Out[i], w)
				}
			}
		}
	}
}

// allCuts is 0, 1, ..., n: every pair its own call.
func allCuts(n int) []int {
	c := make([]int, n+1)
	for i := range c {
		c[i] = i
	}
	return c
}

// BenchmarkAttentionHeads is one layer's attention through the engine's path in
// SmolLM2-135M's shape (9 query heads over 3 K/V heads × 64) and Qwen3-0.6B's (16 over 8 ×
// 128), F16 cache: a decode step at position 1024 (attn_heads_f16), and prompt batches
// after cached positions, through attn_widen_f16 and attn_tile_f32 (tiles) and through
// attn_heads_f16 (heads).
func BenchmarkAttentionHeads(b *testing.B) {
	for _, c := range []struct {
		name               string
		heads, kvHeads, hd int
		tokens, pos0       int
	}{
		{"smollm2/decode/pos1024", 9, 3, 64, 1, 1024},
		{"smollm2/prefill/64at448", 9, 3, 64, 64, 448},
		{"smollm2/prefill/64at0", 9, 3, 64, 64, 0},
		{"smollm2/prefill/8at448", 9, 3, 64, 8, 448},
		{"smollm2/prefill/3at448", 9, 3, 64, 3, 448},
		{"qwen3/decode/pos1024", 16, 8, 128, 1, 1024},
		{"qwen3/prefill/64at448", 16, 8, 128, 64, 448},
	} {
		for _, path := range []string{"tiles", "heads"} {
			if c.tokens == 1 && path == "tiles" {
				continue
			}
			b.Run(c.name+"/"+path, func(b *testing.B) {
				tilesOff = path == "heads"
				defer func() { tilesOff = false }()
				a := randomAttention(rand.New(rand.NewPCG(2, 3)), c.tokens, c.heads, c.kvHeads, c.hd, c.pos0, 0)
				for b.Loop() {
					if !attention(a) {
						b.Fatal("refused")
					}
				}
			})
		}
	}
}

// randomAttention is one layer's attention of b tokens at positions pos0.. over an F16
// cache of pos0+b positions (nh query heads over nkv K/V heads of hd, scale 1/sqrt(hd)),
// with normal random queries, keys and values.
func randomAttention(rng *rand.Rand, b, nh, nkv, hd, pos0, window int) *ops.AttentionF16 {
	qDim, kvDim, nCtx := nh*hd, nkv*hd, pos0+b
	a := &ops.AttentionF16{B: b, NHead: nh, NHeadKV: nkv, HeadDim: hd, Pos0: pos0, Window: window,
		Scale: float32(1 / math.Sqrt(float64(hd))),
		Q:     make([]float32, b*qDim), Out: make([]float32, b*qDim), K: make([]uint16, nCtx*kvDim), V: make([]uint16, nCtx*kvDim)}
	for i := range a.Q {
		a.Q[i] = float32(rng.NormFloat64())
	}
	for i := range a.K {
		a.K[i] = quant.F32ToF16(float32(rng.NormFloat64()))
		a.V[i] = quant.F32ToF16(float32(rng.NormFloat64()))
	}
	return a
}
