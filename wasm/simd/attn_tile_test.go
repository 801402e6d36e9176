//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"hearth/engine/ops"
)

// TestAttentionTiles compares a prompt's attention through attn_widen_f16 and
// attn_tile_f32 with the Go loop (DotRowsF16, scale, Softmax, WeightedRowsF16, without the
// kernels): batches of 4 to 70 tokens, K/V groups of 1, 2, 3, 4 and 7 heads (tiles that cut
// a token's heads, a short last tile), head sizes 64 and 128, sliding windows shorter and
// longer than the batch, a batch at position 0 and far into the context: within 2e-6 of
// the output's magnitude per element (the scores sum in another order). A cache holding an
// Inf goes to attn_heads_f16 instead, which gives the pairs that see it to the Go loop.
func TestAttentionTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 9))
	for _, c := range []struct{ b, nh, nkv, hd, pos0, window int }{
		{8, 9, 3, 64, 0, 0}, {64, 9, 3, 64, 448, 0}, {13, 9, 3, 64, 37, 0}, {16, 8, 8, 64, 5, 0},
		{9, 16, 8, 128, 20, 0}, {5, 14, 2, 64, 0, 0}, {70, 4, 1, 64, 3, 0}, {6, 32, 8, 64, 100, 0},
		{40, 4, 1, 64, 30, 16}, {24, 9, 3, 64, 50, 100}, {33, 8, 2, 128, 7, 20},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			a := randomAttention(rng, c.b, c.nh, c.nkv, c.hd, c.pos0, c.window)
			if !tiled(a) {
				t.Fatal("not a tiled batch")
			}
			checkAgainstGo(t, a)
		})
	}
	t.Run("Inf in the cache", func(t *testing.T) {
		a := randomAttention(rng, 12, 9, 3, 64, 30, 0)
		kvDim := 3 * 64
		a.K[33*kvDim+5] = 0x7c00  // +Inf, position 33 (token 3), K/V head 0
		a.V[35*kvDim+70] = 0xfc00 // -Inf, position 35 (token 5), K/V head 1
		checkAgainstGo(t, a)
		// the pairs that see the -Inf value: -Inf in that column, as the Go loop has it
		if o := a.Out[5*9*64+3*64+6]; !math.IsInf(float64(o), -1) {
			t.Fatalf("token 5 head 3 column 6: %v, want -Inf", o)
		}
	})
}

// checkAgainstGo runs attention(a) and compares it with the Go loop element by element:
// within 2e-6 of its magnitude, ±Inf and NaN where it has them.
func checkAgainstGo(t *testing.T, a *ops.AttentionF16) {
	t.Helper()
	hd, qDim := a.HeadDim, a.NHead*a.HeadDim
	want := make([]float32, len(a.Out))
	ref := *a
	ref.Out = want
	saveDot, saveW := ops.StridedDotF16, ops.WeightedRowsF16Hook
	ops.StridedDotF16, ops.WeightedRowsF16Hook = nil, nil
	for b := 0; b < a.B; b++ {
		for h := 0; h < a.NHead; h++ {
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
		b, h := i/qDim, i%qDim/hd
		if g == w || (g != g && w != w) { // ±Inf (or NaN) where the Go loop has it too
			continue
		}
		if d := math.Abs(float64(g - w)); !(d <= 2e-6*(1+math.Abs(float64(w)))) {
			t.Fatalf("out[%d] (token %d head %d): kernel %v, Go %v", i, b, h, g, w)
		}
	}
}

// TestAttentionTilesSplit: the worker cuts attn_widen_f16's rows and attn_tile_f32's tiles
// anywhere among its threads; the output is the same bit for bit whichever cuts.
func TestAttentionTilesSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 10))
	for _, c := range []struct{ b, nh, nkv, hd, pos0 int }{{8, 9, 3, 64, 40}, {7, 14, 2, 64, 17}, {20, 4, 1, 64, 9}} {
		qDim := c.nh * c.hd
		a := randomAttention(rng, c.b, c.nh, c.nkv, c.hd, c.pos0, 0)
		if !attention(a) {
			t.Fatal("refused")
		}
		whole := append([]float32(nil), a.Out...)
		rows := c.pos0 + c.b
		items := c.nkv * ((c.b*(c.nh/c.nkv) + 3) / 4)
		stride := int32(len(attnScratch) / max(1, hostThreads) * 4)
		cut := func(n int, cuts []int, run func(lo, hi int32)) {
			for i := 0; i+1 < len(cuts); i++ {
				if lo, hi := min(cuts[i], n), min(cuts[i+1], n); lo < hi {
					run(int32(lo), int32(hi))
				}
			}
		}
		for _, cuts := range [][]int{allCuts(items), {0, 1, 1 << 20}, {0, 3, 5, 1 << 20}} {
			clear(a.Out)
			clear(tileWide)
			cut(rows, []int{0, rows / 3, rows}, func(lo, hi int32) {
				attnWidenF16Kernel(unsafe.Pointer(&attnParams[0]), unsafe.Pointer(&attnScratch[0]), stride, lo, hi)
			})
			cut(items, cuts, func(lo, hi int32) {
				attnTileF32Kernel(unsafe.Pointer(&attnParams[1]), unsafe.Pointer(&attnScratch[0]), stride, lo, hi)
			})
			for i, w := range whole {
				if math.Float32bits(a.Out[i]) != math.Float32bits(w) {
					t.Fatalf("%+v cut at %v: out[%d] (token %d head %d) %v, all at once %v", c, cuts, i, i/qDim, i%qDim/c.hd, a.Out[i], w)
				}
			}
		}
	}
}
