package model

import (
	"hearth/engine/ops"
	"testing"

	"hearth/engine/synth"
)

// Converting the activations once for Q/K/V and gate/up gives the same logits, bit for
// bit, as converting them for every matrix (mixed types: Q4_K_M has Q4_K and Q6_K).
func TestSharedActivations(t *testing.T) {
	sh := synth.Shapes["tiny"]
	sh.NEmbd, sh.NFF, sh.HeadDim = 256, 512, 64
	m := synthModel(t, synth.Options{Shape: sh, Type: "Q4_K_M", Seed: 5})
	run := func(noShare bool) []float32 {
		s, _ := m.NewState(64)
		if noShare {
			s.Numerics = separateActs{}
		}
		out, err := s.Forward([]int32{1, 5, 9, 200, 7}, true)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), out...)
	}
	a, b := run(false), run(true)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("logit %d: shared %v, separate %v", i, a[i], b[i])
		}
	}
}

// separateActs is Default but converting the activations for every matrix separately.
type separateActs struct{ Default }

func (separateActs) Mul(x []float32, n int, acts *ops.Acts, ps ...ops.Product) {
	for _, p := range ps {
		Default{}.Mul(x, n, acts, p)
	}
}
