// Package conformance measures the engine's shipped numerics against llama.cpp's golden
// outputs (shared/golden, schema refkit-golden/v1): how far its logits are from the
// exact-math answer for the same quantized weights (`dequant_f32`, llama.cpp's run on an
// F32 copy of the file) next to how far llama.cpp's own logits are from it, and, for
// float files (F32, F16, BF16), how far they are from llama.cpp's. The logits come from a
// callback, so the same measurement runs natively, under GOOS=js in Node with the SIMD
// kernels, and anywhere else the engine runs; this package does not import the engine.
package conformance

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Golden is one llama.cpp reference file.
type Golden struct {
	ModelFile string `json:"model_file"`
	NVocab    int    `json:"n_vocab"`
	Cases     []Case `json:"cases"`
}

// Case is one prompt of a Golden: llama.cpp's greedy run on the file, and on its F32 copy.
type Case struct {
	ID              string  `json:"id"`
	PromptTokens    []int32 `json:"prompt_tokens"`
	GeneratedTokens []int32 `json:"generated_tokens"`
	Steps           struct {
		Margin []float64 `json:"margin"`
	} `json:"steps"`
	TopK        []TopK `json:"top_k"`
	Logits0File string `json:"logits0_file"`
	DequantF32  *struct {
		GeneratedTokens []int32 `json:"generated_tokens"`
		Steps           struct {
			Margin []float64 `json:"margin"`
		} `json:"steps"`
		TopK []TopK `json:"top_k"`
	} `json:"dequant_f32"`
}

// TopK is a step's ten largest logits, largest first.
type TopK struct {
	Step   int       `json:"step"`
	IDs    []int32   `json:"ids"`
	Logits []float32 `json:"logits"`
}

// Load reads every golden file in dir/golden, sorted by name.
func Load(dir string) ([]*Golden, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "golden", "*.gguf.json"))
	sort.Strings(files)
	var gs []*Golden
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		g := &Golden{}
		if err := json.Unmarshal(b, g); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// ReadF32 reads a raw little-endian float32 file.
func ReadF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// Float reports whether a golden model file holds F32 or F16 weights, whose logits must
// match llama.cpp's closely. Quantized ones, and BF16 ones (llama.cpp converts the
// activations to BF16, 8 bits of mantissa, which amplifies rounding like a quantization),
// are compared through the exact-math reference instead.
func Float(modelFile string) bool {
	return modelFile == "stories260K.gguf" || strings.Contains(modelFile, "-F16")
}

// Run is an engine's greedy run of one prompt, teacher-forced: Start feeds the prompt and
// returns the last position's logits (NVocab,), Next feeds one more token and returns the
// logits after it. The slices may be reused by the next call.
type Run interface {
	Start(prompt []int32) ([]float32, error)
	Next(token int32) ([]float32, error)
}

// Row is one model's measurement.
type Row struct {
	Model string
	Cases int
	// LlamaVsExact and EngineVsExact are the RMS differences from the exact-math logits
	// (dequant_f32's top-10, steps 0-7 where llama.cpp's run and dequant_f32's took the same
	// tokens), over the ids both runs list (step 0: all ten, llama.cpp's from logits0); Ratio
	// is EngineVsExact / LlamaVsExact. Zero for F32 files (no dequant_f32).
	LlamaVsExact, EngineVsExact, Ratio float64
	Points                             int // logits compared with the exact reference
	// VsLlama is the largest step-0 difference from llama.cpp's logits, all NVocab of them.
	VsLlama float64
	// Digest is the sha256 of the engine's step-0 logits of every case, in order: equal
	// digests mean bit-identical logits.
	Digest string
	// Logits0 are the engine's step-0 logits per case (for comparing two engines).
	Logits0 [][]float32
}

// Measure runs every case of g through the engine (newRun makes a fresh run per case) and
// compares with the golden files under dir.
func Measure(dir string, g *Golden, newRun func() (Run, error)) (Row, error) {
	row := Row{Model: g.ModelFile, Cases: len(g.Cases)}
	h := sha256.New()
	var sqLlama, sqEngine float64
	for _, c := range g.Cases {
		llama0, err := ReadF32(filepath.Join(dir, "golden", c.Logits0File))
		if err != nil {
			return row, err
		}
		run, err := newRun()
		if err != nil {
			return row, err
		}
		logits, err := run.Start(c.PromptTokens)
		if err != nil {
			return row, fmt.Errorf("%s: %v", c.ID, err)
		}
		if len(logits) != len(llama0) {
			return row, fmt.Errorf("%s: %d logits, llama.cpp has %d", c.ID, len(logits), len(llama0))
		}
		row.Logits0 = append(row.Logits0, slices.Clone(logits))
		binary.Write(h, binary.LittleEndian, logits)
		for i, v := range logits {
			row.VsLlama = math.Max(row.VsLlama, math.Abs(float64(v-llama0[i])))
		}
		if c.DequantF32 == nil {
			continue
		}
		ex := c.DequantF32
		for step := 0; step < len(ex.TopK) && step < len(c.TopK); step++ {
			if step > 0 {
				if step > len(ex.GeneratedTokens) || !slices.Equal(ex.GeneratedTokens[:step], c.GeneratedTokens[:step]) {
					break // the runs took different tokens: no common reference from here on
				}
				if logits, err = run.Next(c.GeneratedTokens[step-1]); err != nil {
					return row, fmt.Errorf("%s step %d: %v", c.ID, step, err)
				}
			}
			for i, id := range ex.TopK[step].IDs {
				exact := float64(ex.TopK[step].Logits[i])
				var llama float64
				if step == 0 {
					llama = float64(llama0[id])
				} else if j := slices.Index(c.TopK[step].IDs, id); j >= 0 {
					llama = float64(c.TopK[step].Logits[j])
				} else {
					continue
				}
				sqLlama += (llama - exact) * (llama - exact)
				d := float64(logits[id]) - exact
				sqEngine += d * d
				row.Points++
			}
		}
	}
	row.Digest = hex.EncodeToString(h.Sum(nil))
	if row.Points > 0 {
		row.LlamaVsExact = math.Sqrt(sqLlama / float64(row.Points))
		row.EngineVsExact = math.Sqrt(sqEngine / float64(row.Points))
		row.Ratio = row.EngineVsExact / row.LlamaVsExact
	}
	return row, nil
}

// MaxAbs is the largest elementwise difference of two runs' step-0 logits.
func MaxAbs(a, b [][]float32) float64 {
	worst := 0.0
	for c := range a {
		for i := range a[c] {
			worst = math.Max(worst, math.Abs(float64(a[c][i]-b[c][i])))
		}
	}
	return worst
}

// Table formats rows as a Markdown table; extra, when not nil, adds a column (name, value
// per row).
func Table(rows []Row, extraName string, extra func(Row) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| model | llama.cpp vs exact (RMS) | engine vs exact (RMS) | ratio | points | engine vs llama.cpp step 0 (max abs) |")
	if extra != nil {
		fmt.Fprintf(&b, " %s |", extraName)
	}
	b.WriteString("\n|---|---|---|---|---|---|")
	if extra != nil {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		if r.Points > 0 {
			fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.2f | %d | %.2e |", r.Model, r.LlamaVsExact, r.EngineVsExact, r.Ratio, r.Points, r.VsLlama)
		} else {
			fmt.Fprintf(&b, "| %s | – | – | – | 0 | %.2e |", r.Model, r.VsLlama)
		}
		if extra != nil {
			fmt.Fprintf(&b, " %s |", extra(r))
		}
		b.WriteString("\n")
	}
	return b.String()
}
