package sample

import (
	"math"
	"slices"
	"testing"
)

func TestGreedy(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		logits []float32
		want   int32
	}{
		{[]float32{1, 3, 3, 2}, 1},       // lowest id wins ties
		{[]float32{3, 1, 3}, 0},          // ...including at id 0
		{[]float32{-5, -2, -2, -9}, 1},   // all negative
		{[]float32{nan, 1, nan, 1}, 1},   // NaN never wins
		{[]float32{nan, nan}, 0},         // all NaN: 0
		{[]float32{-inf, -inf, -inf}, 0}, // all -Inf: lowest id
		{[]float32{1, inf, inf}, 1},
		{[]float32{7}, 0},
		{nil, -1},
	} {
		if got := Greedy(tc.logits); got != tc.want {
			t.Errorf("Greedy(%v) = %d, want %d", tc.logits, got, tc.want)
		}
	}
}

// Temperature <= 0 is greedy over the penalized logits, and draws no random numbers.
func TestSampleGreedy(t *testing.T) {
	for _, temp := range []float32{0, -1} {
		o := DefaultOptions()
		o.Temperature = temp
		s := New(o)
		rng := s.rng
		if got := s.Sample([]float32{1, 3, 3, 2}); got != 1 {
			t.Fatalf("temp %v: sampled %d, want 1", temp, got)
		}
		if s.rng != rng {
			t.Fatalf("temp %v: greedy sampling advanced the generator", temp)
		}
	}
	o := DefaultOptions()
	o.Temperature, o.RepeatPenalty = 0, 1.1
	s := New(o)
	s.Accept(0)
	// 3/1.1 = 2.727 < 2.9: the penalty hands the argmax to token 1.
	if got := s.Sample([]float32{3, 2.9}); got != 1 {
		t.Fatalf("greedy with repeat penalty sampled %d, want 1", got)
	}
}

// Each Sample at temperature > 0 takes exactly one output from the generator.
func TestSampleConsumesOneDraw(t *testing.T) {
	for _, k := range []int{1, 2, 0} {
		o := DefaultOptions()
		o.TopK, o.Seed = k, 5
		s := New(o)
		ref := newXoshiro(5)
		for range 3 {
			s.Sample([]float32{0, 1, 2, 3})
			ref.next()
			if s.rng != ref {
				t.Fatalf("top-k %d: generator state differs from one step per Sample", k)
			}
		}
	}
}

func TestSampleEmptyAndOutOfRange(t *testing.T) {
	s := New(DefaultOptions())
	if got := s.Sample(nil); got != -1 {
		t.Fatalf("Sample(nil) = %d, want -1", got)
	}
	o := DefaultOptions()
	o.RepeatPenalty, o.PresencePenalty, o.FrequencyPenalty = 1.3, 0.5, 0.5
	s = New(o)
	for _, tok := range []int32{-5, 1 << 30, 2} {
		s.Accept(tok)
	}
	for range 100 {
		if got := s.Sample([]float32{0, 0.5, 1}); got < 0 || got > 2 {
			t.Fatalf("sampled %d out of range", got)
		}
	}
}

// The caller's logits are never written, NaN included.
func TestSampleDoesNotModifyLogits(t *testing.T) {
	o := DefaultOptions()
	o.RepeatPenalty, o.PresencePenalty, o.FrequencyPenalty, o.TopK = 1.5, 1, 1, 0
	s := New(o)
	logits := testLogits(3000, 1)
	logits[17] = float32(math.NaN())
	orig := slices.Clone(logits)
	for i := range 50 {
		s.Accept(int32(i * 7))
		s.Sample(logits)
	}
	for i := range logits {
		if math.Float32bits(logits[i]) != math.Float32bits(orig[i]) {
			t.Fatalf("logit %d changed from %v to %v", i, orig[i], logits[i])
		}
	}
}

// drawSet samples n times and returns how often each token came up.
func drawSet(o Options, logits []float32, n int) map[int32]int {
	s := New(o)
	seen := map[int32]int{}
	for range n {
		seen[s.Sample(logits)]++
	}
	return seen
}

func keysOf(m map[int32]int) []int32 {
	var k []int32
	for id := range m {
		k = append(k, id)
	}
	slices.Sort(k)
	return k
}

// Each stage alone, through the public API: the tokens drawn are exactly the ones the
// stage keeps (all of them show up in 4000 draws, no other does).
func TestStagesThroughSample(t *testing.T) {
	off := Options{Temperature: 1, TopP: 1, RepeatPenalty: 1, Seed: 3}
	// probabilities 0.1, 0.5, 0.05, 0.2, 0.15 at temperature 1
	probs := []float32{lnp(0.1), lnp(0.5), lnp(0.05), lnp(0.2), lnp(0.15)}

	o := off
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{0, 1, 2, 3, 4}) {
		t.Errorf("no stage: drew %v", got)
	}
	o = off
	o.TopK = 2
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{1, 3}) {
		t.Errorf("top-k 2: drew %v, want [1 3]", got)
	}
	o = off
	o.TopP = 0.75 // 0.5 + 0.2 + 0.15
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{1, 3, 4}) {
		t.Errorf("top-p 0.75: drew %v, want [1 3 4]", got)
	}
	o = off
	o.MinP = 0.29 // p >= 0.145
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{1, 3, 4}) {
		t.Errorf("min-p 0.29: drew %v, want [1 3 4]", got)
	}
	o = off
	o.MinP = 0.35 // p >= 0.175
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{1, 3}) {
		t.Errorf("min-p 0.35: drew %v, want [1 3]", got)
	}

	// Penalties: after accepting token 1 twice, a presence penalty of 10 makes it
	// (nearly) impossible; a frequency penalty of 5 does the same through the count.
	for _, pen := range []struct{ pres, freq float32 }{{10, 0}, {0, 5}} {
		o = off
		o.PresencePenalty, o.FrequencyPenalty, o.PenaltyWindow = pen.pres, pen.freq, 4
		s := New(o)
		s.Accept(1)
		s.Accept(1)
		for range 2000 {
			if s.Sample(probs) == 1 {
				t.Fatalf("penalties %+v: drew the penalized token", pen)
			}
		}
		// once it has left the window it comes back
		for range 4 {
			s.Accept(0)
		}
		if seen := drawSetFrom(s, probs, 200); seen[1] == 0 {
			t.Fatalf("penalties %+v: token 1 never drawn after leaving the window", pen)
		}
	}
}

func drawSetFrom(s *Sampler, logits []float32, n int) map[int32]int {
	seen := map[int32]int{}
	for range n {
		seen[s.Sample(logits)]++
	}
	return seen
}

// llama.cpp's order: min-p and top-p judge the temperature-1 distribution, and the
// temperature only reshapes the survivors. At temperature 3, temperature-first would
// make 0.1 and 0.05 pass min-p 0.25 ((0.1/0.5)^(1/3) = 0.58); here they never do.
func TestTemperatureAfterFilters(t *testing.T) {
	probs := []float32{lnp(0.1), lnp(0.5), lnp(0.05), lnp(0.2), lnp(0.15)}
	o := Options{Temperature: 3, TopP: 1, MinP: 0.25, RepeatPenalty: 1, Seed: 8}
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{1, 3, 4}) {
		t.Errorf("min-p 0.25 at temperature 3: drew %v, want [1 3 4]", got)
	}
	o = Options{Temperature: 3, TopP: 0.6, RepeatPenalty: 1, Seed: 8}
	if got := keysOf(drawSet(o, probs, 4000)); !slices.Equal(got, []int32{1, 3}) {
		t.Errorf("top-p 0.6 at temperature 3: drew %v, want [1 3]", got)
	}
}

// Reset makes a used Sampler replay exactly what a new one does.
func TestReset(t *testing.T) {
	o := DefaultOptions()
	o.RepeatPenalty, o.PresencePenalty, o.Seed = 1.2, 0.3, 77
	logits := testLogits(500, 2)
	run := func(s *Sampler) []int32 {
		var out []int32
		for range 200 {
			tok := s.Sample(logits)
			s.Accept(tok)
			out = append(out, tok)
		}
		return out
	}
	s := New(o)
	first := run(s)
	s.Reset()
	if again := run(s); !slices.Equal(first, again) {
		t.Fatal("after Reset the sequence differs")
	}
	if fresh := run(New(o)); !slices.Equal(first, fresh) {
		t.Fatal("two Samplers with the same options differ")
	}
	o.Seed = 78
	if other := run(New(o)); slices.Equal(first, other) {
		t.Fatal("seeds 77 and 78 gave the same 200 tokens")
	}
}

// A warm Sampler allocates nothing per token, on every path.
func TestSampleNoAlloc(t *testing.T) {
	logits := testLogits(5000, 4)
	for _, o := range []Options{
		DefaultOptions(),
		{Temperature: 1, TopP: 0.9, MinP: 0.05, RepeatPenalty: 1.1, PresencePenalty: 0.5, PenaltyWindow: 8},
		{Temperature: 1, TopP: 1, RepeatPenalty: 1},
		{Temperature: 0, TopP: 1, RepeatPenalty: 1.1, PenaltyWindow: 8},
	} {
		s := New(o)
		for i := range 8 {
			s.Accept(int32(i * 13))
		}
		s.Sample(logits)
		if a := testing.AllocsPerRun(20, func() { s.Sample(logits) }); a != 0 {
			t.Errorf("%+v: %v allocations per Sample", o, a)
		}
	}
}

// NaN logits count as -Inf on every path: never drawn while any real logit exists.
func TestSampleNaN(t *testing.T) {
	nan := float32(math.NaN())
	logits := []float32{nan, 1, nan, 0.5, nan, 2, nan}
	for _, o := range []Options{
		DefaultOptions(),
		{Temperature: 1, TopK: 2, TopP: 1, RepeatPenalty: 1},
		{Temperature: 1, TopP: 0.99, RepeatPenalty: 1},
		{Temperature: 1, TopP: 1, MinP: 0.01, RepeatPenalty: 1},
		{Temperature: 1, TopP: 1, RepeatPenalty: 1.5, PresencePenalty: 1, PenaltyWindow: 4},
		{Temperature: 0, TopP: 1, RepeatPenalty: 1},
	} {
		s := New(o)
		s.Accept(0)
		s.Accept(1)
		for range 500 {
			if got := s.Sample(logits); got != 1 && got != 3 && got != 5 {
				t.Fatalf("%+v: drew %d, a NaN logit", o, got)
			}
		}
	}
	// All NaN: treated as all -Inf, so every token is equally likely.
	o := Options{Temperature: 1, TopP: 1, RepeatPenalty: 1}
	if got := keysOf(drawSet(o, []float32{nan, nan, nan}, 300)); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Fatalf("all NaN drew %v, want all of [0 1 2]", got)
	}
}
