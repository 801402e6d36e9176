package model

import (
	"bytes"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/synth"
)

// smolModel builds a random-weight model with SmolLM2-135M's shape in memory.
func smolModel(b *testing.B, typ string) *Model {
	b.Helper()
	return synthModel(b, synth.Options{Shape: synth.Shapes["smollm2-135m"], Type: typ, Seed: 1})
}

// synthModel builds the synth model o describes and loads it from memory.
func synthModel(t testing.TB, o synth.Options) *Model {
	t.Helper()
	w, err := synth.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// BenchmarkDecodeStep times one token through SmolLM2-135M's shape at position 64
// (bytes/s = weight bytes streamed per token).
func BenchmarkDecodeStep(b *testing.B) {
	for _, typ := range []string{"Q8_0", "Q4_K_M"} {
		b.Run("smollm2-135m-"+typ, func(b *testing.B) {
			m := smolModel(b, typ)
			s, _ := m.NewState(128)
			prompt := make([]int32, 64)
			for i := range prompt {
				prompt[i] = int32(i * 31)
			}
			if _, err := s.Forward(prompt, false); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(m.WeightBytes())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.Truncate(64)
				if _, err := s.Forward([]int32{42}, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPrefill64 times a 64-token prompt through SmolLM2-135M's shape.
func BenchmarkPrefill64(b *testing.B) {
	m := smolModel(b, "Q8_0")
	s, _ := m.NewState(128)
	prompt := make([]int32, 64)
	for i := range prompt {
		prompt[i] = int32(i * 31)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Truncate(0)
		if _, err := s.Forward(prompt, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "tok/s")
}
