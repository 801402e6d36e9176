package model

import (
	"testing"

	"hearth/engine/ops"
	"hearth/engine/synth"
)

// A decode step allocates nothing once the state's buffers have grown: in the browser
// every heap object a token makes is garbage the collector must come back for (the wasm
// Memory never shrinks, and a collection there takes ~10 ms for SmolLM2-135M). On one
// goroutine, as in the browser (natively ParallelFor's goroutines allocate), with the
// default numerics.
func TestDecodeStepAllocs(t *testing.T) {
	defer func(n int) { ops.Threads = n }(ops.Threads)
	ops.Threads = 1
	for _, ft := range []string{"Q8_0", "Q4_K_M", "F16"} {
		m := synthModel(t, synth.Options{Shape: synth.Shapes["tiny"], Type: ft, Seed: 5})
		s, err := m.NewState(64)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Forward([]int32{1, 5, 9, 200}, false); err != nil {
			t.Fatal(err)
		}
		tok := int32(7)
		step := func() {
			if _, err := s.Forward([]int32{tok}, false); err != nil {
				t.Fatal(err)
			}
		}
		step() // the one-token buffers
		s.Tokens = append(make([]int32, 0, 64), s.Tokens...)
		if n := testing.AllocsPerRun(16, step); n > 0 {
			t.Errorf("%s: a decode step makes %.1f heap objects, want 0", ft, n)
		}
	}
}
