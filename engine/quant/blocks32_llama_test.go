package quant_test

import (
	"bytes"
	"os"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/quant"
	"hearth/internal/shared"
)

func openGGUF(t *testing.T, name string) *gguf.File {
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

// TestQuantizersMatchLlamaQuantize re-quantizes stories260K's F32 tensors the way
// llama-quantize made stories260K-Q8_0.gguf (Q8_0 with quantize_row_q8_0_ref, ffn_down
// converted to F16) and compares the bytes with that file's: the weight quantizers are
// llama.cpp's, bit for bit.
func TestQuantizersMatchLlamaQuantize(t *testing.T) {
	src := openGGUF(t, "stories260K.gguf")
	dst := openGGUF(t, "stories260K-Q8_0.gguf")
	counts := map[quant.Type]int{}
	for i := range dst.Tensors {
		q := &dst.Tensors[i]
		if q.Type == quant.F32 {
			continue
		}
		f, ok := src.Tensor(q.Name)
		if !ok || f.Type != quant.F32 {
			t.Fatalf("%s: no F32 original in stories260K.gguf", q.Name)
		}
		raw, err := src.ReadTensor(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := dst.ReadTensor(q)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, f.Elements())
		tr, _ := quant.F32.Traits()
		tr.Dequantize(raw, x)
		got := make([]byte, len(want))
		switch q.Type {
		case quant.Q8_0:
			quant.QuantizeQ8_0Ref(x, got)
		case quant.F16:
			quant.QuantizeActivationsInto(quant.F16, x, got)
		default:
			t.Fatalf("%s: unexpected type %s", q.Name, q.Type)
		}
		if !bytes.Equal(got, want) {
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("%s (%s, %d elements): byte %d is %#x, llama-quantize wrote %#x", q.Name, q.Type, len(x), j, got[j], want[j])
				}
			}
		}
		counts[q.Type]++
	}
	if counts[quant.Q8_0] != 32 || counts[quant.F16] != 5 {
		t.Errorf("compared %d Q8_0 and %d F16 tensors, want 32 and 5", counts[quant.Q8_0], counts[quant.F16])
	}
}
