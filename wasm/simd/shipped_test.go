//go:build js && wasm

package simd

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/model"
	"hearth/engine/ops"
	"hearth/engine/quant"
	"hearth/internal/conformance"
	"hearth/internal/shared"
)

// withoutKernels runs fn on the pure-Go path (every hook Install sets cleared), then puts
// the hooks back. exactOnly keeps the kernels whose results are the Go code's bit for bit
// (RMSNorm, the F16 store, RoPE, the residual add, the activation quantizers): the path is then still the
// native one, which TestShippedSIMD checks.
func withoutKernels(exactOnly bool, fn func()) {
	kernels := maps.Clone(ops.Kernels)
	sdot, wrows, swiglu, bb, be := ops.StridedDotF32, ops.WeightedRowsHook, ops.SwiGLUHook, ops.BatchBegin, ops.BatchEnd
	attn, sdot16, wrows16 := ops.AttentionF16Hook, ops.StridedDotF16, ops.WeightedRowsF16Hook
	norm, f16, rope, add, whole := ops.RMSNormHook, ops.F32ToF16Hook, ops.RopeHook, ops.AddHook, maps.Clone(ops.ActsQuantizers)
	ropeTokens := ops.RopeTokensHook
	defer func() {
		ops.Kernels = kernels
		ops.StridedDotF32, ops.WeightedRowsHook, ops.SwiGLUHook, ops.BatchBegin, ops.BatchEnd = sdot, wrows, swiglu, bb, be
		ops.AttentionF16Hook, ops.StridedDotF16, ops.WeightedRowsF16Hook = attn, sdot16, wrows16
		ops.RMSNormHook, ops.F32ToF16Hook, ops.RopeHook, ops.AddHook, ops.ActsQuantizers = norm, f16, rope, add, whole
		ops.RopeTokensHook = ropeTokens
	}()
	ops.Kernels = map[quant.Type]ops.RowsKernel{}
	ops.StridedDotF32, ops.WeightedRowsHook, ops.BatchBegin, ops.BatchEnd = nil, nil, nil, nil
	ops.AttentionF16Hook, ops.StridedDotF16, ops.WeightedRowsF16Hook = nil, nil, nil
	if !exactOnly {
		ops.SwiGLUHook = nil
		ops.RMSNormHook, ops.F32ToF16Hook, ops.RopeHook, ops.AddHook, ops.ActsQuantizers = nil, nil, nil, nil, map[quant.Type]func([]float32, *ops.Acts) bool{}
		ops.RopeTokensHook = nil
	}
	fn()
}

// withQueue runs fn with the host's deferred queue installed (ops.QueueBegin), for decode
// steps only or, with all, every pass.
func withQueue(all bool, fn func()) {
	defer func() { ops.QueueBegin, ops.QueueEnd, ops.QueueAll = nil, nil, false }()
	ops.QueueBegin, ops.QueueEnd, ops.QueueAll = queueBegin, queueEnd, all
	fn()
}

var update = flag.Bool("update", false, "rewrite testdata/simd_digests.json from the current kernels")

type shippedRun struct{ s *model.State }

func (r shippedRun) Start(p []int32) ([]float32, error) { return r.s.Forward(p, false) }
func (r shippedRun) Next(t int32) ([]float32, error)    { return r.s.Forward([]int32{t}, false) }

// TestShippedSIMD is the browser's side of the shipped-path conformance (engine/model's
// TestShippedConformance): every shared golden model through the default numerics with
// the SIMD kernels installed (the simd128 module, as Chromium, Firefox and Safari run it;
// the relaxed-SIMD module's kernels are cross-checked against it in Chromium by gen's
// TestRelaxedInChromium), F16 KV cache as shipped. The same process's pure-Go path must
// reproduce the native digests pinned by TestShippedConformance bit for bit (so it is the
// native path). The kernels are not bit-identical to it: the one-token products are, but
// the several-token (prefill) products, the F16 products and attention's softmax sum in
// another order, and every product's activation quantization amplifies a last-bit
// difference (random-weight models most: up to 0.15 on logits of std 0.8, as far as
// llama.cpp's own x86 path is from the exact answer). What holds, and is enforced: F32/F16
// files within 5e-3 of the native path, every file within 0.25, and every quantized file
// as close to the exact-math answer as llama.cpp's (ratio ≤ 1.5, the F16-cache bound).
func TestShippedSIMD(t *testing.T) {
	dir := shared.Dir(t)
	gs, err := conformance.Load(dir)
	if err != nil || len(gs) == 0 {
		t.Skipf("no golden files (%v)", err)
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "engine", "model", "testdata", "shipped_digests.json"))
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[string]string{}
	if err := json.Unmarshal(b, &pinned); err != nil {
		t.Fatal(err)
	}
	pinnedSIMD, simd := map[string]string{}, map[string]string{}
	digestsFile := filepath.Join("testdata", "simd_digests.json")
	if b, err := os.ReadFile(digestsFile); err == nil {
		if err := json.Unmarshal(b, &pinnedSIMD); err != nil {
			t.Fatal(err)
		}
	} else if !*update {
		t.Fatal(err)
	}
	if Relaxed {
		t.Fatal("TestShippedSIMD pins the simd128 module's results; run it without HEARTH_KERNELS_RELAXED")
	}
	Install()
	var rows []conformance.Row
	diffs := map[string]float64{}
	for _, g := range gs {
		data, err := os.ReadFile(filepath.Join(dir, "models", g.ModelFile))
		if err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Open(gguf.Bytes(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		measure := func() conformance.Row {
			row, err := conformance.Measure(dir, g, func() (conformance.Run, error) {
				s, err := m.NewState(256)
				return shippedRun{s}, err
			})
			if err != nil {
				t.Fatalf("%s: %v", g.ModelFile, err)
			}
			return row
		}
		kernels := measure()
		simd[g.ModelFile] = kernels.Digest
		if want := pinnedSIMD[g.ModelFile]; !*update && kernels.Digest != want {
			t.Errorf("%s: the SIMD kernels give other step-0 logits than testdata/simd_digests.json pins (sha256 %.12s…, pinned %.12s…): a kernel's arithmetic changed (-update if on purpose)", g.ModelFile, kernels.Digest, want)
		}
		// Through the deferred queue (the worker's, with helper threads; node_exec.js runs
		// it on one thread, at queue_end): the same results, or Go touched a tensor while
		// its kernels were still queued. Decode steps only (as shipped), then every pass.
		for _, all := range []bool{false, true} {
			var queued conformance.Row
			withQueue(all, func() { queued = measure() })
			if queued.Digest != kernels.Digest || queued.EngineVsExact != kernels.EngineVsExact {
				t.Errorf("%s: through the queue (prompts too: %v) the logits differ (step 0 sha256 %.12s…, unqueued %.12s…; steps 0-7 vs exact %.6f, unqueued %.6f)",
					g.ModelFile, all, queued.Digest, kernels.Digest, queued.EngineVsExact, kernels.EngineVsExact)
			}
		}
		var pure, exact conformance.Row
		withoutKernels(false, func() { pure = measure() })
		withoutKernels(true, func() { exact = measure() })
		key := g.ModelFile + "/f16"
		if pure.Digest != pinned[key] {
			t.Errorf("%s: the pure-Go path under wasm gives other step-0 logits than native (sha256 %.12s…, native %.12s…)", key, pure.Digest, pinned[key])
		}
		if exact.Digest != pinned[key] {
			t.Errorf("%s: with the bit-exact kernels (RMSNorm, F16 store, RoPE, quantizers) the step-0 logits are not native's (sha256 %.12s…, native %.12s…)", key, exact.Digest, pinned[key])
		}
		d := conformance.MaxAbs(kernels.Logits0, pure.Logits0)
		diffs[g.ModelFile] = d
		bound := 0.25
		if conformance.Float(g.ModelFile) {
			bound = 5e-3
		}
		if d > bound {
			t.Errorf("%s: SIMD kernels' step-0 logits differ from the native path's by up to %.2e > %.0e", g.ModelFile, d, bound)
		}
		if kernels.Points > 0 && kernels.Ratio > 1.5 {
			t.Errorf("%s: SIMD path %.4f from the exact-math answer, llama.cpp %.4f: ratio %.2f > 1.5", g.ModelFile, kernels.EngineVsExact, kernels.LlamaVsExact, kernels.Ratio)
		}
		rows = append(rows, kernels)
	}
	if *update {
		b, err := json.MarshalIndent(simd, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(digestsFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("browser SIMD kernels (simd128 module, Node), default numerics, F16 KV cache:\n%s",
		conformance.Table(rows, "SIMD vs native default (max abs)", func(r conformance.Row) string {
			if diffs[r.Model] == 0 {
				return "0 (bit for bit)"
			}
			return fmt.Sprintf("%.2e", diffs[r.Model])
		}))
}
