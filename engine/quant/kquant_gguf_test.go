package quant_test

import (
	"math"
	"os"
	"strings"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/quant"
	"hearth/internal/shared"
)

// Tests of the k-quants on the shared models that llama-quantize made (see
// ../shared/models/README.md): dequantization of every k-quant tensor against the F16 file
// of the same weights, and the reference quantizers against llama-quantize's output.

func kqOpenGGUF(t *testing.T, name string) *gguf.File {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "models", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// kqTensor reads and dequantizes one tensor.
func kqTensor(t *testing.T, f *gguf.File, ti *gguf.TensorInfo) []float32 {
	t.Helper()
	raw, err := f.ReadTensor(ti)
	if err != nil {
		t.Fatalf("%s: %v", ti.Name, err)
	}
	tr, ok := ti.Type.Traits()
	if !ok || tr.Dequantize == nil {
		t.Fatalf("%s: no dequantizer for %s", ti.Name, ti.Type)
	}
	x := make([]float32, ti.Elements())
	tr.Dequantize(raw, x)
	return x
}

func kqIsK(typ quant.Type) bool {
	switch typ {
	case quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K:
		return true
	}
	return false
}

// kqSourceStd is the standard deviation the synthetic models were drawn with.
func kqSourceStd(name string) float64 {
	if strings.HasPrefix(name, "token_embd") || strings.HasPrefix(name, "output.") {
		return 0.05
	}
	return 0.1
}

// Every k-quant tensor of the k-quant files dequantizes to finite values with the
// standard deviation the weights were drawn with, and stays close to the F16 file of the
// same weights (the RMS difference is the quantization error of the type).
func TestKQuantModelTensors(t *testing.T) {
	// Upper bounds of RMS(dequantized - F16) / RMS(F16), per type: about 1.05× the worst
	// tensor llama-quantize made of these Gaussian weights (a wrong layout gives ~1).
	maxRelErr := map[quant.Type]float64{quant.Q2_K: 0.31, quant.Q3_K: 0.16, quant.Q4_K: 0.076, quant.Q5_K: 0.038, quant.Q6_K: 0.019}
	files := map[string]string{
		"synth-llama-Q2_K.gguf":    "synth-llama-F16.gguf",
		"synth-llama-Q3_K_M.gguf":  "synth-llama-F16.gguf",
		"synth-llama-Q4_K_M.gguf":  "synth-llama-F16.gguf",
		"synth-llama-Q5_K_M.gguf":  "synth-llama-F16.gguf",
		"synth-llama-Q6_K.gguf":    "synth-llama-F16.gguf",
		"synth-qwen2-Q4_K_M.gguf":  "synth-qwen2-F16.gguf",
		"synth-qwen2-Q5_K_M.gguf":  "synth-qwen2-F16.gguf",
		"synth-qwen2-Q6_K.gguf":    "synth-qwen2-F16.gguf",
		"synth-qwen3-Q4_K_M.gguf":  "synth-qwen3-F16.gguf",
		"synth-llama3-Q4_K_M.gguf": "synth-llama3-F16.gguf",
		"synth-llama-IQ4_NL.gguf":  "synth-llama-F16.gguf",
		"synth-llama-Q4_0.gguf":    "synth-llama-F16.gguf",
	}
	worst := map[quant.Type]float64{}
	counts := map[quant.Type]int{}
	stdLo, stdHi := map[quant.Type]float64{}, map[quant.Type]float64{}
	for name, refName := range files {
		f := kqOpenGGUF(t, name)
		ref := kqOpenGGUF(t, refName)
		for i := range f.Tensors {
			ti := &f.Tensors[i]
			if !kqIsK(ti.Type) {
				continue
			}
			x := kqTensor(t, f, ti)
			var sum, sum2 float64
			for _, v := range x {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("%s %s (%s): non-finite value %v", name, ti.Name, ti.Type, v)
				}
				sum += float64(v)
				sum2 += float64(v) * float64(v)
			}
			n := float64(len(x))
			std := math.Sqrt(sum2/n - (sum/n)*(sum/n))
			want0 := kqSourceStd(ti.Name)
			if math.Abs(std-want0) > 0.1*want0 {
				t.Errorf("%s %s (%s): std %.4f, weights were drawn with %.2f", name, ti.Name, ti.Type, std, want0)
			}
			if counts[ti.Type] == 0 || std/want0 < stdLo[ti.Type] {
				stdLo[ti.Type] = std / want0
			}
			stdHi[ti.Type] = max(stdHi[ti.Type], std/want0)
			rt, ok := ref.Tensor(ti.Name)
			if !ok {
				t.Fatalf("%s: %s missing from %s", name, ti.Name, refName)
			}
			want := kqTensor(t, ref, rt)
			var e2, r2 float64
			for j := range x {
				d := float64(x[j]) - float64(want[j])
				e2 += d * d
				r2 += float64(want[j]) * float64(want[j])
			}
			rel := math.Sqrt(e2 / r2)
			if rel > maxRelErr[ti.Type] {
				t.Errorf("%s %s (%s): RMS difference from F16 %.4f of RMS, want <= %.3f", name, ti.Name, ti.Type, rel, maxRelErr[ti.Type])
			}
			worst[ti.Type] = max(worst[ti.Type], rel)
			counts[ti.Type]++
		}
	}
	for _, typ := range []quant.Type{quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K} {
		if counts[typ] == 0 {
			t.Errorf("no %s tensor in the shared models", typ)
		}
		t.Logf("%s: %d tensors, std %.3f..%.3f of the drawn std, worst RMS difference from F16 %.4f of RMS",
			typ, counts[typ], stdLo[typ], stdHi[typ], worst[typ])
	}
}

// kqHeader is the part of a k-quant block other than its quants: scales, mins, d, dmin.
var kqHeader = map[quant.Type][][2]int{
	quant.Q2_K: {{0, 16}, {80, 84}},
	quant.Q3_K: {{96, 110}},
	quant.Q4_K: {{0, 16}},
	quant.Q5_K: {{0, 16}},
	quant.Q6_K: {{192, 210}},
}

// The reference quantizers against llama-quantize. The k-quant files were quantized from
// F32 weights that are not shipped; the F16 file holds the same weights rounded to half
// precision (a relative change of at most 2^-11). Quantizing those again must give, in
// every super-block where the same scales and mins are chosen, the same quants except
// where the half-precision rounding crossed a rounding midpoint: each differing value lies
// within that rounding of the midpoint between the two choices. Overall the error must be
// llama-quantize's.
func TestKQuantQuantizersMatchLlamaQuantize(t *testing.T) {
	ref := kqOpenGGUF(t, "synth-llama-F16.gguf")
	type stats struct {
		same, total, values, differ int
		worst                       float64 // distance from the midpoint, in half-precision rounding units
		errOurs, errTheirs          float64
	}
	st := map[quant.Type]*stats{}
	for _, name := range []string{"synth-llama-Q2_K.gguf", "synth-llama-Q3_K_M.gguf", "synth-llama-Q4_K_M.gguf", "synth-llama-Q5_K_M.gguf", "synth-llama-Q6_K.gguf"} {
		f := kqOpenGGUF(t, name)
		for i := range f.Tensors {
			ti := &f.Tensors[i]
			if !kqIsK(ti.Type) {
				continue
			}
			want, err := f.ReadTensor(ti)
			if err != nil {
				t.Fatal(err)
			}
			rt, _ := ref.Tensor(ti.Name)
			x := kqTensor(t, ref, rt)
			tr, _ := ti.Type.Traits()
			got := make([]byte, len(want))
			tr.Quantize(x, got)
			ours, theirs := make([]float32, len(x)), make([]float32, len(x))
			tr.Dequantize(got, ours)
			tr.Dequantize(want, theirs)
			s := st[ti.Type]
			if s == nil {
				s = &stats{}
				st[ti.Type] = s
			}
			for b := 0; b < len(x)/quant.QK_K; b++ {
				g, w := got[b*tr.BlockBytes:(b+1)*tr.BlockBytes], want[b*tr.BlockBytes:(b+1)*tr.BlockBytes]
				s.total++
				same := true
				for _, r := range kqHeader[ti.Type] {
					same = same && string(g[r[0]:r[1]]) == string(w[r[0]:r[1]])
				}
				for e := b * quant.QK_K; e < (b+1)*quant.QK_K; e++ {
					d0, d1 := float64(ours[e]-x[e]), float64(theirs[e]-x[e])
					s.errOurs += d0 * d0
					s.errTheirs += d1 * d1
					if !same {
						continue
					}
					s.values++
					if ours[e] == theirs[e] {
						continue
					}
					s.differ++
					mid := (float64(ours[e]) + float64(theirs[e])) / 2
					unit := math.Abs(float64(x[e])) * 0x1p-11
					dist := math.Abs(float64(x[e])-mid) / unit
					s.worst = max(s.worst, dist)
					if dist > 1 {
						t.Errorf("%s %s block %d value %d: %v quantized to %v, llama-quantize %v: not a half-precision rounding tie",
							name, ti.Name, b, e%quant.QK_K, x[e], ours[e], theirs[e])
					}
				}
				if same {
					s.same++
				}
			}
		}
	}
	for _, typ := range []quant.Type{quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K} {
		s := st[typ]
		if s == nil || s.same == 0 {
			t.Errorf("%s: no super-block with llama-quantize's scales", typ)
			continue
		}
		ratio := math.Sqrt(s.errOurs / s.errTheirs)
		t.Logf("%s: same scales in %d of %d super-blocks (%.0f%%); there %d of %d quants differ, all ties (worst %.2f of the half-precision rounding from the midpoint); RMS error %.5f× llama-quantize's",
			typ, s.same, s.total, 100*float64(s.same)/float64(s.total), s.differ, s.values, s.worst, ratio)
		if s.same < s.total/3 {
			t.Errorf("%s: llama-quantize's scales in only %d of %d super-blocks", typ, s.same, s.total)
		}
		if ratio > 1.005 {
			t.Errorf("%s: RMS error %.4f× llama-quantize's", typ, ratio)
		}
	}
}
