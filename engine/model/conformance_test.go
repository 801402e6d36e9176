package model

import (
	"fmt"
	"hearth/engine/ggmlx86"
	"hearth/internal/conformance"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"hearth/engine/gguf"
	"hearth/internal/shared"
)

type (
	golden     = conformance.Golden
	goldenTopK = conformance.TopK
)

func loadGoldens(t *testing.T) (dir string, gs []*golden) {
	dir = shared.Dir(t)
	gs, err := conformance.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) == 0 {
		t.Skip("no golden files in shared/golden")
	}
	return dir, gs
}

func openModel(t testing.TB, path string) *Model {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, err := Load(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func readF32File(t *testing.T, path string) []float32 {
	x, err := conformance.ReadF32(path)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// bounds are what the conformance test enforces for one model file: the targets
// (step-0 logits within 1e-3 max-abs for F32/F16/BF16 files, 2e-2 for quantized ones; a
// greedy difference is an error where the reference margin is at least 1e-3), and exact, a
// stricter bound that catches a regression of the float-order emulation long before the
// targets would.
//
// llama.cpp quantizes the activations before each product (to Q8_0/Q8_1/Q8_K, F16 or
// BF16), so a last-bit difference in an activation near a rounding tie moves the logits by
// 1e-4..1e-1. State.Compat reproduces ggml-cpu's float arithmetic on this CPU class (x86
// AVX-512, GCC: norms, exp, SiLU, softmax, rope with glibc's sinf/cosf, attention, and each
// matmul kernel llama.cpp picks: vec_dot, repacked gemv/gemm, tinyBLAS, VDPBF16PS), and the
// step-0 logits of every synthetic and quantized case come out bit for bit equal. The F32
// model stays a few float32 ulps off (no quantization amplifies that); the exact-math path
// (TestDequantReference) is held to 1e-4.
type bounds struct {
	target float64 // issue target: max-abs step-0 logit error
	exact  float64 // enforced max-abs step-0 logit error
	margin float64 // a greedy difference is an error where the reference margin is at least this
}

func boundsFor(modelFile string) bounds {
	switch {
	case modelFile == "stories260K.gguf":
		return bounds{target: 1e-3, exact: 2e-5, margin: 1e-3}
	case strings.Contains(modelFile, "F16"): // F16 and BF16
		return bounds{target: 1e-3, exact: 1e-6, margin: 1e-3}
	}
	return bounds{target: 2e-2, exact: 1e-6, margin: 1e-3}
}

func argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}

// checkTopK compares the reference top-10 with our logits: each reference id must be
// where the reference puts it, or swapped with a neighbour whose reference logit is within tol.
func checkTopK(ref goldenTopK, logits []float32, tol float64) error {
	type il struct {
		id int32
		l  float32
	}
	var ours []il
	for i, v := range logits {
		ours = append(ours, il{int32(i), v})
	}
	sort.SliceStable(ours, func(a, b int) bool { return ours[a].l > ours[b].l })
	for i, id := range ref.IDs {
		if ours[i].id == id {
			continue
		}
		// our i-th id must have a reference-logit close to the reference i-th logit
		if d := math.Abs(float64(logits[id] - ref.Logits[i])); d > tol {
			return fmt.Errorf("top-%d: want id %d (logit %.4f), got id %d; our logit for %d is off by %.4f", i, id, ref.Logits[i], ours[i].id, id, d)
		}
		if d := math.Abs(float64(ours[i].l - ref.Logits[i])); d > 2*tol {
			return fmt.Errorf("top-%d: want id %d (logit %.4f), got id %d (logit %.4f)", i, id, ref.Logits[i], ours[i].id, ours[i].l)
		}
	}
	return nil
}

// TestConformance feeds every golden prompt to the engine (in its llama.cpp-compatible
// float mode) and compares with llama.cpp: step-0 logits (max-abs), top-10 at steps 0-7
// and the 32 greedy tokens, teacher-forced with the reference tokens so every step is
// checked. It prints a table model × prompt → status against the targets, and
// fails when a case exceeds the enforced bounds (see boundsFor).
func TestConformance(t *testing.T) {
	dir, gs := loadGoldens(t)
	var table []string
	cases, strict, lowMargin, bitExact := 0, 0, 0, 0
	for _, g := range gs {
		t.Run(g.ModelFile, func(t *testing.T) {
			m := openModel(t, filepath.Join(dir, "models", g.ModelFile))
			if m.Config.NVocab != g.NVocab {
				t.Fatalf("n_vocab %d, want %d", m.Config.NVocab, g.NVocab)
			}
			bd := boundsFor(g.ModelFile)
			for _, c := range g.Cases {
				s, err := m.NewState(256)
				if err != nil {
					t.Fatal(err)
				}
				s.Numerics = ggmlx86.Numerics{}
				logits, err := s.Forward(c.PromptTokens, false)
				if err != nil {
					t.Fatal(err)
				}
				want := readF32File(t, filepath.Join(dir, "golden", c.Logits0File))
				maxDiff := 0.0
				for i := range want {
					maxDiff = math.Max(maxDiff, math.Abs(float64(logits[i]-want[i])))
				}
				if maxDiff > bd.exact {
					t.Errorf("%s: step-0 logits max-abs diff %.5f > %.0e", c.ID, maxDiff, bd.exact)
				}
				topkOK, firstDiv, worstMargin, topkDiff := true, -1, 0.0, 0.0
				for step, tok := range c.GeneratedTokens {
					if step < len(c.TopK) {
						for i, id := range c.TopK[step].IDs {
							topkDiff = math.Max(topkDiff, math.Abs(float64(logits[id]-c.TopK[step].Logits[i])))
						}
						if checkTopK(c.TopK[step], logits, bd.target) != nil {
							topkOK = false
						}
						if err := checkTopK(c.TopK[step], logits, bd.exact); err != nil {
							t.Errorf("%s step %d: %v", c.ID, step, err)
						}
					}
					if got := argmax(logits); got != tok {
						mg := c.Steps.Margin[step]
						worstMargin = math.Max(worstMargin, mg)
						if mg < 1e-3 {
							lowMargin++
						}
						if mg >= bd.margin {
							t.Errorf("%s step %d: greedy token %d, want %d (margin %.4f)", c.ID, step, got, tok, mg)
						}
						if firstDiv < 0 {
							firstDiv = step
						}
					}
					if step == len(c.GeneratedTokens)-1 {
						break
					}
					if logits, err = s.Forward([]int32{tok}, false); err != nil {
						t.Fatal(err)
					}
				}
				if topkDiff > bd.exact {
					t.Errorf("%s: top-10 logits at steps 0-%d differ by up to %.2e > %.0e", c.ID, len(c.TopK)-1, topkDiff, bd.exact)
				}
				status := "match"
				switch {
				case maxDiff > bd.target:
					status = "logits0>target"
				case !topkOK:
					status = "top-k differs"
				case firstDiv >= 0 && worstMargin >= 1e-3:
					status = "tokens differ"
				}
				cases++
				if status == "match" {
					strict++
				}
				if maxDiff == 0 && topkDiff == 0 {
					bitExact++
				}
				div := "none"
				if firstDiv >= 0 {
					div = fmt.Sprintf("%d (margin %.4f)", firstDiv, c.Steps.Margin[firstDiv])
				}
				table = append(table, fmt.Sprintf("%-26s %-3s %-15s logits0 Δ %.2e  top-10 Δ %.2e  first divergence: %s", g.ModelFile, c.ID, status, maxDiff, topkDiff, div))
			}
		})
	}
	t.Logf("conformance, teacher-forced: %d/%d cases meet the issue's targets (%d bit for bit: step-0 logits and top-10 logits of steps 0-7); %d greedy differences at margins < 1e-3\n%s",
		strict, cases, bitExact, lowMargin, strings.Join(table, "\n"))
}

// dequantTol is the bound TestDequantReference holds the exact-math path to: 1e-4, except
// for gemma3. llama.cpp computes GELU through an FP16 table (ops.GeGLU), also in its F32
// `dequant_f32` runs, and so does Hearth; but a gate value whose float32 rounding differs
// by an ulp (the float products run in another order than ggml's F32 kernels) can land on
// the other side of a half-precision rounding boundary, which moves that GELU output by up
// to 2^-11 relative. Measured on the shared goldens (top-10 logits, steps 0-7): 6.1e-5 to
// 3.4e-4 for F16, Q8_0 and Q4_K_M (with exact tanh-GELU instead of the table: 6.1e-4 to
// 1.2e-3; shared/golden/README.md expects ~1e-3 for exact math on these files). 1e-3 still
// catches every structural error measured there: a sliding window off by one moves long
// prompts' logits by 0.36, a wrong layer pattern by 0.1, a wrong local rope base by 0.5.
func dequantTol(modelFile string) float64 {
	if strings.HasPrefix(modelFile, "synth-gemma3-") {
		return 1e-3
	}
	return 1e-4
}

// TestDequantReference runs the exact-math path (weights dequantized, float products) and
// compares with llama.cpp's run on an F32 copy of each quantized file (`dequant_f32`).
func TestDequantReference(t *testing.T) {
	dir, gs := loadGoldens(t)
	for _, g := range gs {
		if g.Cases[0].DequantF32 == nil {
			continue
		}
		t.Run(g.ModelFile, func(t *testing.T) {
			m := openModel(t, filepath.Join(dir, "models", g.ModelFile))
			tol := dequantTol(g.ModelFile)
			for _, c := range g.Cases {
				ref := c.DequantF32
				s, _ := m.NewState(256)
				s.Numerics = Exact{}
				logits, err := s.Forward(c.PromptTokens, false)
				if err != nil {
					t.Fatal(err)
				}
				worst := 0.0
				for step, tok := range ref.GeneratedTokens {
					if step < len(ref.TopK) {
						for i, id := range ref.TopK[step].IDs {
							worst = math.Max(worst, math.Abs(float64(logits[id]-ref.TopK[step].Logits[i])))
						}
						if err := checkTopK(ref.TopK[step], logits, tol); err != nil {
							t.Errorf("%s step %d: %v", c.ID, step, err)
						}
					}
					if got := argmax(logits); got != tok && ref.Steps.Margin[step] >= tol {
						t.Errorf("%s step %d: greedy %d, want %d (margin %.5f)", c.ID, step, got, tok, ref.Steps.Margin[step])
					}
					if step == len(ref.GeneratedTokens)-1 {
						break
					}
					if logits, err = s.Forward([]int32{tok}, false); err != nil {
						t.Fatal(err)
					}
				}
				if worst > tol {
					t.Errorf("%s: top-10 logits differ from dequant_f32 by up to %.2e > %.0e", c.ID, worst, tol)
				}
				t.Logf("%s: top-10 logits (steps 0-%d) within %.2e of dequant_f32", c.ID, len(ref.TopK)-1, worst)
			}
		})
	}
}
