package model

import (
	"bytes"
	"hearth/engine/ggmlx86"
	"math"
	"os"
	"path/filepath"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/ops"
	"hearth/internal/shared"
)

func gemma3Path(t testing.TB, file string) string {
	return filepath.Join(shared.Dir(t), "models", file)
}

// TestGemma3Config checks the hyperparameters read from synth-gemma3 (shared/models/README.md):
// window 32 on layers 0-2 (sliding_window_pattern 4), layer 3 global, rope bases 10000
// (SWA) and 1e6 (global), embeddings × 16, queries × 1/8, tied output, no softcapping.
func TestGemma3Config(t *testing.T) {
	c := openModel(t, gemma3Path(t, "synth-gemma3-F16.gguf")).Config
	want := Config{Arch: "gemma3", NEmbd: 256, NLayer: 4, NFF: 512, NHead: 4, NHeadKV: 1, HeadDim: 64, HeadDimV: 64,
		NVocab: 2048, NCtxTrain: 512, RopeDims: 64, RopeBase: 1e6, RopeStyle: ops.RoPENeoX, NormEps: float32(1e-6),
		QKNorm: true, TiedOutput: true, RopeScale: 1, FileTypeStr: "F16",
		EmbedScale: 16, QScale: 0.125, PostNorms: true, GELU: true, SlidingWindow: 32, SWAPattern: 4, RopeBaseSWA: 10000}
	if *c != want {
		t.Errorf("config\n got %+v\nwant %+v", *c, want)
	}
	for il, swa := range []bool{true, true, true, false} {
		if c.IsSWA(il) != swa {
			t.Errorf("layer %d: IsSWA %v, want %v", il, c.IsSWA(il), swa)
		}
	}
	if c.window(0, 31) != 0 || c.window(0, 32) != 1 || c.window(2, 100) != 69 || c.window(3, 100) != 0 {
		t.Errorf("window: %d %d %d %d, want 0 1 69 0", c.window(0, 31), c.window(0, 32), c.window(2, 100), c.window(3, 100))
	}
}

// rewriteGGUF returns a copy of the GGUF at path with the metadata changed by edit (which
// returns the new value, or false to drop the key) and the keys in add appended.
func rewriteGGUF(t *testing.T, path string, edit func(key string, v any) (any, bool), add map[string]any) *gguf.File {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	w := gguf.NewWriter()
	for _, kv := range f.KVs {
		if v, keep := edit(kv.Key, kv.Value); keep {
			w.Set(kv.Key, v)
		}
	}
	for k, v := range add {
		w.Set(k, v)
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		data, err := f.ReadTensor(ti)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, data); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := w.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	g, err := gguf.Open(gguf.Bytes(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGemma3Keys checks the defaults llama.cpp's gemma3 loader applies: without
// sliding_window_pattern (every real Gemma 3 file) the period is 6, so all four layers of
// this model are SWA; without sliding_window there is no SWA; final_logit_softcapping,
// linear rope scaling (global layers only) and the 27B attention scale are read.
func TestGemma3Keys(t *testing.T) {
	path := gemma3Path(t, "synth-gemma3-F16.gguf")
	drop := func(keys ...string) func(string, any) (any, bool) {
		return func(k string, v any) (any, bool) {
			for _, d := range keys {
				if k == d {
					return nil, false
				}
			}
			return v, true
		}
	}
	c, err := ReadConfig(rewriteGGUF(t, path, drop("gemma3.attention.sliding_window_pattern"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SWAPattern != 6 || !c.IsSWA(3) || !c.IsSWA(0) || c.IsSWA(5) || !c.IsSWA(6) {
		t.Errorf("no pattern key: period %d, IsSWA(0,3,5,6) = %v %v %v %v; want 6, true true false true",
			c.SWAPattern, c.IsSWA(0), c.IsSWA(3), c.IsSWA(5), c.IsSWA(6))
	}
	c, err = ReadConfig(rewriteGGUF(t, path, drop("gemma3.attention.sliding_window", "gemma3.rope.freq_base_swa"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlidingWindow != 0 || c.IsSWA(0) || c.window(0, 100) != 0 {
		t.Errorf("no window key: window %d, IsSWA(0) %v", c.SlidingWindow, c.IsSWA(0))
	}
	c, err = ReadConfig(rewriteGGUF(t, path, drop("gemma3.rope.freq_base_swa"), map[string]any{
		"gemma3.final_logit_softcapping": float32(30),
		"gemma3.rope.scaling.type":       "linear",
		"gemma3.rope.scaling.factor":     float32(8),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.LogitSoftcap != 30 || c.RopeScale != 0.125 || c.RopeBaseSWA != 10000 {
		t.Errorf("softcap %g, rope scale %g, SWA base %g; want 30, 0.125, 10000", c.LogitSoftcap, c.RopeScale, c.RopeBaseSWA)
	}
	m, err := Load(rewriteGGUF(t, path, keep0, map[string]any{
		"gemma3.rope.scaling.type":   "linear",
		"gemma3.rope.scaling.factor": float32(8),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if m.rope.FreqScale != 0.125 || m.ropeSWA.FreqScale != 1 {
		t.Errorf("rope scale: global %g, SWA %g; want 0.125, 1", m.rope.FreqScale, m.ropeSWA.FreqScale)
	}
	// 62 layers (Gemma 3 27B): 1/sqrt(n_embd/n_head) = 1/sqrt(64) here as well, so check the
	// rule on a head size that differs
	c2 := &Config{Arch: "gemma3", NEmbd: 256, NHead: 4, HeadDim: 128, NLayer: 62}
	f := rewriteGGUF(t, path, keep0, nil)
	if err := readGemma3(c2, f); err != nil || c2.QScale != 0.125 {
		t.Errorf("27B attention scale %g (%v), want 1/sqrt(256/4)", c2.QScale, err)
	}
	c2.NLayer = 26
	if err := readGemma3(c2, f); err != nil || c2.QScale != float32(1/math.Sqrt(128)) {
		t.Errorf("attention scale %g (%v), want 1/sqrt(128)", c2.QScale, err)
	}
	if _, err := ReadConfig(rewriteGGUF(t, path, drop("gemma3.attention.sliding_window_pattern"), map[string]any{"gemma3.attention.sliding_window_pattern": []uint32{1, 1, 1, 0}})); err == nil {
		t.Error("per-layer pattern array accepted")
	}
}

func keep0(_ string, v any) (any, bool) { return v, true }

// withWindow is m with another sliding window (the same weights).
func withWindow(m *Model, w int) *Model {
	c := *m.Config
	c.SlidingWindow = w
	m2 := *m
	m2.Config = &c
	return &m2
}

// gemma3Run feeds a 100-token prompt (three windows) in chunks and then four tokens one at a
// time, and returns the logits after the prompt and after each of those tokens.
func gemma3Run(t *testing.T, m *Model, mode string, chunks ...int) [][]float32 {
	s, err := m.NewState(256)
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case "compat":
		s.Numerics = ggmlx86.Numerics{}
	case "exact":
		s.Numerics = Exact{}
	}
	prompt := make([]int32, 100)
	for i := range prompt {
		prompt[i] = int32(259 + (i*7919+13)%1780) // normal pieces of the SPM vocab
	}
	prompt[0] = 1 // BOS
	var out [][]float32
	var logits []float32
	for len(prompt) > 0 {
		n := len(prompt)
		if len(chunks) > 0 {
			n, chunks = min(chunks[0], n), chunks[1:]
		}
		if logits, err = s.Forward(prompt[:n], false); err != nil {
			t.Fatal(err)
		}
		prompt = prompt[n:]
	}
	out = append(out, append([]float32(nil), logits...))
	for _, tok := range []int32{400, 1200, 77, 901} {
		if logits, err = s.Forward([]int32{tok}, false); err != nil {
			t.Fatal(err)
		}
		out = append(out, append([]float32(nil), logits...))
	}
	return out
}

func maxDiff(a, b [][]float32) float64 {
	d := 0.0
	for i := range a {
		for j := range a[i] {
			d = math.Max(d, math.Abs(float64(a[i][j]-b[i][j])))
		}
	}
	return d
}

// TestGemma3SlidingWindow runs a prompt three windows long, past what the shared goldens
// reach at step 0, through every path and cache layout, then four single tokens. The Compat
// path (bit for bit with llama.cpp on the goldens, TestConformance) is the reference; the
// fast path (F16 cache, whole prompt or one token at a time), the exact path, and a Compat
// prefill in chunks that end inside and across window boundaries must agree with it, and a
// window off by one or no window must not. Measured on synth-gemma3-F16: chunks 4.3e-4
// (llama.cpp's kernels differ between batch sizes), fast path 2.8e-3, exact 2.4e-3; window
// 33: 0.82, 512: 3.8.
func TestGemma3SlidingWindow(t *testing.T) {
	m := openModel(t, gemma3Path(t, "synth-gemma3-F16.gguf"))
	ref := gemma3Run(t, m, "compat")
	for _, c := range []struct {
		name string
		got  [][]float32
		tol  float64
	}{
		{"compat, chunks 31+1+40+28", gemma3Run(t, m, "compat", 31, 1, 40, 28), 2e-3},
		{"fast (F16 KV)", gemma3Run(t, m, "fast"), 1e-2},
		{"fast, one token at a time", gemma3Run(t, m, "fast", repeat(1, 100)...), 1e-2},
		{"exact", gemma3Run(t, m, "exact"), 1e-2},
	} {
		d := maxDiff(ref, c.got)
		if d > c.tol {
			t.Errorf("%s: logits differ from the Compat path by up to %.2e > %.0e", c.name, d, c.tol)
		}
		t.Logf("%-26s max |Δlogit| %.2e", c.name, d)
	}
	for _, w := range []int{33, 512} {
		d := maxDiff(ref, gemma3Run(t, withWindow(m, w), "compat"))
		if d < 0.3 {
			t.Errorf("window %d instead of 32 changes the logits by only %.2e", w, d)
		}
		t.Logf("window %d instead of 32: max |Δlogit| %.2e", w, d)
	}
}

func repeat(v, n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = v
	}
	return r
}

// TestSoftcap: logits = cap·tanh(logits/cap).
func TestSoftcap(t *testing.T) {
	x := []float32{0, 30, -1000, 3}
	softcap(x, 30)
	want := []float64{0, 30 * math.Tanh(1), -30, 30 * math.Tanh(0.1)}
	for i := range x {
		if math.Abs(float64(x[i])-want[i]) > 1e-5 {
			t.Errorf("softcap: %v, want %v", x, want)
			break
		}
	}
}
