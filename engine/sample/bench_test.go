package sample

import "testing"

// Qwen2's vocabulary size.
const benchVocab = 151936

func benchSample(b *testing.B, o Options) {
	logits := goldenLogits(benchVocab, 9, 1)
	s := New(o)
	for i := range 64 {
		s.Accept(int32(i * 2371 % benchVocab))
	}
	s.Sample(logits) // warm: the buffers grow once
	b.SetBytes(4 * benchVocab)
	b.ReportAllocs()
	for b.Loop() {
		s.Sample(logits)
	}
}

// The chat default: top-k 40, top-p 0.95, min-p 0.05, temperature 0.8.
func BenchmarkSampleTopK40(b *testing.B) { benchSample(b, DefaultOptions()) }

// Same with penalties over a 64-token window.
func BenchmarkSampleTopK40Penalties(b *testing.B) {
	o := DefaultOptions()
	o.RepeatPenalty, o.PresencePenalty, o.FrequencyPenalty = 1.1, 0.5, 0.5
	benchSample(b, o)
}

// No top-k: top-p over the whole vocabulary (softmax of all 151936, partial selection).
func BenchmarkSampleTopPAll(b *testing.B) {
	o := DefaultOptions()
	o.TopK = 0
	benchSample(b, o)
}

func BenchmarkSampleGreedy(b *testing.B) {
	o := DefaultOptions()
	o.Temperature = 0
	benchSample(b, o)
}

func BenchmarkTopK40(b *testing.B) {
	logits := goldenLogits(benchVocab, 9, 1)
	dst := make([]cand, 0, 40)
	b.SetBytes(4 * benchVocab)
	for b.Loop() {
		dst = topK(dst, logits, 40)
	}
}
