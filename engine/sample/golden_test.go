package sample

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current code")

// goldenLogits returns n exactly representable logits from seed: multiples of scale/10
// in [-10·scale, 10·scale].
func goldenLogits(n int, seed uint64, scale float32) []float32 {
	r := newXoshiro(seed)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(int(r.next()>>40%201)-100) * scale / 10
	}
	return out
}

// goldenConfigs cover every path: top-k with penalties (the chat default), top-p over
// the whole vocabulary (with its growing selection), a plain softmax draw, and min-p
// over the whole vocabulary. (top-p-all keeps 442 of its 2000 tokens, past the first
// 256-candidate round of topPAll.)
var goldenConfigs = []struct {
	name   string
	opts   Options
	logits []float32
}{
	{"defaults+penalties", Options{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05,
		RepeatPenalty: 1.1, PresencePenalty: 0.2, FrequencyPenalty: 0.1, PenaltyWindow: 64, Seed: 2024},
		goldenLogits(2000, 1, 1)},
	{"top-p-all", Options{Temperature: 1.2, TopP: 0.9, RepeatPenalty: 1, Seed: 1},
		goldenLogits(2000, 2, 0.5)},
	{"dist-only", Options{Temperature: 0.7, TopP: 1, RepeatPenalty: 1, Seed: 99},
		goldenLogits(2000, 3, 0.5)},
	{"min-p-all", Options{Temperature: 1, TopP: 1, MinP: 0.1, RepeatPenalty: 1.3, PenaltyWindow: 16, Seed: 5},
		goldenLogits(2000, 4, 1)},
}

// run draws n tokens, accepting each.
func run(s *Sampler, logits []float32, n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = s.Sample(logits)
		s.Accept(out[i])
	}
	return out
}

// The same seed gives the same 1000 draws, from two Samplers used in turn (no shared
// state between them).
func TestDeterminism(t *testing.T) {
	for _, g := range goldenConfigs {
		a, b := New(g.opts), New(g.opts)
		for i := range 1000 {
			x, y := a.Sample(g.logits), b.Sample(g.logits)
			if x != y {
				t.Fatalf("%s: draw %d: %d vs %d", g.name, i, x, y)
			}
			a.Accept(x)
			b.Accept(y)
		}
	}
}

// The 1000 draws of each configuration match testdata/draws.golden, written natively;
// run under GOOS=js GOARCH=wasm this proves the two agree token for token.
func TestGolden(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "# engine/sample: 1000 draws per configuration (see golden_test.go); go test -run TestGolden -update rewrites this file\n")
	for _, g := range goldenConfigs {
		toks := run(New(g.opts), g.logits, 1000)
		distinct := len(slices.Compact(slices.Sorted(slices.Values(toks))))
		if distinct < 5 {
			t.Fatalf("%s: only %d distinct tokens in 1000 draws; the configuration tests too little", g.name, distinct)
		}
		fmt.Fprintf(&b, "== %s\n", g.name)
		for i, tok := range toks {
			sep := " "
			if i%25 == 24 || i == len(toks)-1 {
				sep = "\n"
			}
			fmt.Fprintf(&b, "%d%s", tok, sep)
		}
	}
	got := b.String()
	path := filepath.Join("testdata", "draws.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Fatalf("%s line %d differs:\n got %s\nwant %s", path, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s: %d lines, want %d", path, len(gl), len(wl))
}
