//go:build js && wasm

package simd

import (
	"bytes"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/model"
	"hearth/engine/synth"
)

// BenchmarkDecodeStep times one token through SmolLM2-135M's shape at position 64 with the
// SIMD kernels installed (single-threaded, as one browser worker runs it); bytes/s is the
// weight bytes streamed per token. BenchmarkPrefill64 times a 64-token prompt.
func BenchmarkDecodeStep(b *testing.B) {
	Install()
	for _, typ := range []string{"Q8_0", "Q4_0", "Q4_K_M"} {
		b.Run("smollm2-135m-"+typ, func(b *testing.B) {
			m := smolModel(b, typ)
			s, _ := m.NewState(256)
			if _, err := s.Forward(benchPrompt(64), false); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(m.WeightBytes())
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				s.Truncate(64)
				if _, err := s.Forward([]int32{42}, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/(cpuSeconds()-c0), "cpu-tok/s")
		})
	}
}

func BenchmarkPrefill64(b *testing.B) {
	Install()
	for _, typ := range []string{"Q8_0", "Q4_0", "Q4_K_M"} {
		b.Run("smollm2-135m-"+typ, func(b *testing.B) {
			m := smolModel(b, typ)
			s, _ := m.NewState(256)
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				s.Truncate(0)
				if _, err := s.Forward(benchPrompt(64), false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "tok/s")
			b.ReportMetric(float64(64*b.N)/(cpuSeconds()-c0), "cpu-tok/s")
		})
	}
}

// BenchmarkPrefill512 times a 512-token prompt in chunks of 128 (as the engine's session
// feeds it): attention grows with the prompt, the products do not.
func BenchmarkPrefill512(b *testing.B) {
	Install()
	for _, typ := range []string{"Q8_0"} {
		b.Run("smollm2-135m-"+typ, func(b *testing.B) {
			m := smolModel(b, typ)
			s, _ := m.NewState(1024)
			p := benchPrompt(512)
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				s.Truncate(0)
				for c := 0; c < len(p); c += 128 {
					if _, err := s.Forward(p[c:c+128], false); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(512*b.N)/b.Elapsed().Seconds(), "tok/s")
			b.ReportMetric(float64(512*b.N)/(cpuSeconds()-c0), "cpu-tok/s")
		})
	}
}

func benchPrompt(n int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i * 31)
	}
	return p
}

func smolModel(b *testing.B, typ string) *model.Model {
	b.Helper()
	w, err := synth.Build(synth.Options{Shape: synth.Shapes["smollm2-135m"], Type: typ, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		b.Fatal(err)
	}
	m, err := model.Load(f)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
