package model

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"hearth/internal/conformance"
	"hearth/internal/shared"
)

var update = flag.Bool("update", false, "rewrite testdata/shipped_digests.json from the current default numerics")

// shippedRun is a conformance.Run of the shipped numerics (Default, F16 KV cache: what the
// CLI and the browser run) on m.
type shippedRun struct{ s *State }

func (r shippedRun) Start(p []int32) ([]float32, error) { return r.s.Forward(p, false) }
func (r shippedRun) Next(t int32) ([]float32, error)    { return r.s.Forward([]int32{t}, false) }

// shippedRows measures the shipped numerics with a kv cache on every shared golden model.
func shippedRows(t *testing.T, kv KVType) []conformance.Row {
	dir := shared.Dir(t)
	gs, err := conformance.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) == 0 {
		t.Skip("no golden files in shared/golden")
	}
	var rows []conformance.Row
	for _, g := range gs {
		m := openModel(t, filepath.Join(dir, "models", g.ModelFile))
		row, err := conformance.Measure(dir, g, func() (conformance.Run, error) {
			s, err := m.NewStateKV(256, kv)
			return shippedRun{s}, err
		})
		if err != nil {
			t.Fatalf("%s: %v", g.ModelFile, err)
		}
		rows = append(rows, row)
	}
	return rows
}

// TestShippedConformance holds the path Hearth ships (default numerics: what the CLI and
// the browser run, free of the x86 emulation) to llama.cpp's goldens. With the goldens' F32
// KV cache, on every quantized (and BF16) model its logits are no further from the
// exact-math answer (dequant_f32) than llama.cpp's are (RMS ratio ≤ 1.25 per model), and on
// F32/F16 files within 5e-3 of llama.cpp's. With the F16 cache the app runs by default
// (llama.cpp's default too; the goldens and the exact answer use F32) the cache's rounding
// adds a little: ratio ≤ 1.5, F32/F16 files within 1e-2. The step-0 logits' sha256 per
// model and cache type is pinned in testdata/shipped_digests.json, so any drift of the
// shipped path shows (rewrite with -update after a deliberate change); the same test under
// GOOS=js (Node, pure Go) must give the same digests, and wasm/simd's TestShippedSIMD
// compares the browser's kernels with this path.
func TestShippedConformance(t *testing.T) {
	path := filepath.Join("testdata", "shipped_digests.json")
	want := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	} else if !*update {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range []struct {
		kv               KVType
		maxRatio, maxAbs float64
	}{{KVF32, 1.25, 5e-3}, {KVF16, 1.5, 1e-2}} {
		rows := shippedRows(t, c.kv)
		for _, r := range rows {
			key := r.Model + "/" + c.kv.String()
			got[key] = r.Digest
			switch {
			case r.Points > 0 && r.Ratio > c.maxRatio:
				t.Errorf("%s: logits %.4f from the exact-math answer, llama.cpp's %.4f: ratio %.2f > %.2f", key, r.EngineVsExact, r.LlamaVsExact, r.Ratio, c.maxRatio)
			case r.Points == 0 && !conformance.Float(r.Model):
				t.Errorf("%s: no exact-math points compared", key)
			}
			if conformance.Float(r.Model) && r.VsLlama > c.maxAbs {
				t.Errorf("%s: step-0 logits differ from llama.cpp's by up to %.2e > %.0e", key, r.VsLlama, c.maxAbs)
			}
			if !*update && want[key] != r.Digest {
				t.Errorf("%s (%s): step-0 logits changed (sha256 %.12s…, pinned %.12s…): run with -update if meant", key, runtime.GOARCH, r.Digest, want[key])
			}
		}
		t.Logf("shipped numerics (default), %s KV cache, %s, vs llama.cpp (F32 KV) and the exact-math reference:\n%s", c.kv, runtime.GOARCH, conformance.Table(rows, "", nil))
	}
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
