//go:build js && wasm

package simd

import (
	"math/rand/v2"
	"testing"

	"hearth/engine/ops"
)

// Queued (node_exec.js runs the worker's queue on one thread), attention writes nothing
// before queue_end, and queue_end reports the checks a queued call fails: a pair whose
// keys hold an Inf (the kernel's flag), a query that overflows when scaled by 2^64
// (scale_f32's result), and, for a prompt's batch, an Inf or NaN anywhere in the rows it
// sees (attn_widen_f16's flags). A clean call reports none, with the unqueued call's output.
func TestQueueChecks(t *testing.T) {
	withQueue(false, func() {
		rng := rand.New(rand.NewPCG(8, 8))
		for _, c := range []struct {
			name     string
			b        int // 1: attn_heads_f16; 8: attn_widen_f16 and attn_tile_f32
			spoil    func(a *ops.AttentionF16)
			wantOK   bool
			overflow bool
		}{
			{"clean", 1, func(*ops.AttentionF16) {}, true, false},
			{"Inf key", 1, func(a *ops.AttentionF16) { a.K[3*a.NHeadKV*a.HeadDim] = 0x7c00 }, false, false},
			{"query overflows ×2^64", 1, func(a *ops.AttentionF16) { a.Q[5] = 0x1p70 }, false, true},
			{"clean batch", 8, func(*ops.AttentionF16) {}, true, false},
			{"batch, Inf key", 8, func(a *ops.AttentionF16) { a.K[3*a.NHeadKV*a.HeadDim] = 0x7c00 }, false, false},
			{"batch, NaN value", 8, func(a *ops.AttentionF16) { a.V[27*a.NHeadKV*a.HeadDim+100] = 0x7e00 }, false, false},
		} {
			a := randomAttention(rng, c.b, 9, 3, 64, 20, 0)
			c.spoil(a)
			ref := *a
			ref.Out = make([]float32, len(a.Out))
			if attention(&ref) != !c.overflow { // unqueued, an overflowing query is refused (the Go loop takes it)
				t.Fatalf("%s: unqueued attention took it: %v", c.name, c.overflow)
			}
			for i := range a.Out {
				a.Out[i] = -1
			}
			if !ops.BeginQueue() {
				t.Fatal("no queue")
			}
			if !attention(a) {
				t.Fatalf("%s: queued attention refused", c.name)
			}
			for i, v := range a.Out {
				if v != -1 {
					t.Fatalf("%s: out[%d] written before queue_end", c.name, i)
				}
			}
			if ok := ops.EndQueue(); ok != c.wantOK {
				t.Fatalf("%s: EndQueue %v, want %v", c.name, ok, c.wantOK)
			}
			if c.wantOK {
				for i := range a.Out {
					if a.Out[i] != ref.Out[i] {
						t.Fatalf("%s: out[%d] queued %v, unqueued %v", c.name, i, a.Out[i], ref.Out[i])
					}
				}
			}
		}
	})
}
