package gguf

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"hearth/engine/quant"
	"hearth/internal/shared"
)

// TestSharedModels opens every conformance model and reads every tensor three ways: from
// the file, from memory (zero-copy) and from a Multi of awkwardly sized parts.
func TestSharedModels(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(shared.Dir(t), "models", "*.gguf"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no models found: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) { checkModel(t, p) })
	}
}

func checkModel(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := Open(fh, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || f.Alignment != 32 || len(f.Tensors) == 0 {
		t.Fatalf("version %d, alignment %d, %d tensors", f.Version, f.Alignment, len(f.Tensors))
	}
	base := filepath.Base(path)
	wantArch := "llama"
	for _, a := range []string{"qwen2", "qwen3", "gemma3"} {
		if strings.HasPrefix(base, "synth-"+a+"-") {
			wantArch = a
		}
	}
	if f.Architecture() != wantArch {
		t.Errorf("architecture %q, want %q", f.Architecture(), wantArch)
	}
	wantCtx := uint64(512) // per the models README
	if strings.HasPrefix(base, "synth-llama3-") {
		wantCtx = 4096
	}
	if n, ok := f.Uint(wantArch + ".context_length"); !ok || n != wantCtx {
		t.Errorf("%s.context_length = %d, %v; want %d", wantArch, n, ok, wantCtx)
	}
	// llama.cpp lays tensors out back to back, each padded to the alignment, up to the end
	// of the file: a check of every size computed from type and shape.
	sorted := append([]TensorInfo(nil), f.Tensors...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Offset < sorted[j].Offset })
	end := f.DataOffset
	for _, ti := range sorted {
		if ti.Offset != end {
			t.Errorf("%s at %d, want %d", ti.Name, ti.Offset, end)
		}
		end = ti.Offset + alignUp(ti.Size, f.Alignment)
	}
	if end != int64(len(data)) {
		t.Errorf("tensor data ends at %d, file is %d bytes", end, len(data))
	}

	mem, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	multi := NewMulti(awkwardParts(data, true)...)
	viaMulti, err := Open(multi, multi.Size())
	if err != nil {
		t.Fatal(err)
	}
	plain := NewMulti(awkwardParts(data, false)...) // parts that cannot slice
	viaPlain, err := Open(plain, plain.Size())
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		if ti.Offset < f.DataOffset || ti.Offset+ti.Size > int64(len(data)) {
			t.Fatalf("%s: [%d, %d) outside the data", ti.Name, ti.Offset, ti.Offset+ti.Size)
		}
		want := data[ti.Offset : ti.Offset+ti.Size]
		fromFile, err := f.ReadTensor(ti)
		if err != nil || !bytes.Equal(fromFile, want) {
			t.Fatalf("%s from the file: %v", ti.Name, err)
		}
		fromMem, err := mem.ReadTensor(&mem.Tensors[i])
		if err != nil || !bytes.Equal(fromMem, want) {
			t.Fatalf("%s from memory: %v", ti.Name, err)
		}
		if len(want) > 0 && &fromMem[0] != &want[0] {
			t.Errorf("%s: reading from Bytes copied", ti.Name)
		}
		for _, g := range []*File{viaMulti, viaPlain} {
			b, err := g.ReadTensor(&g.Tensors[i])
			if err != nil || !bytes.Equal(b, want) {
				t.Fatalf("%s through a Multi: %v", ti.Name, err)
			}
		}
	}
	if len(viaMulti.KVs) != len(f.KVs) || len(mem.KVs) != len(f.KVs) {
		t.Errorf("key counts differ: %d, %d, %d", len(f.KVs), len(mem.KVs), len(viaMulti.KVs))
	}
	for i, kv := range f.KVs {
		if !sameValue(kv.Value, viaMulti.KVs[i].Value) || !sameValue(kv.Value, viaPlain.KVs[i].Value) {
			t.Errorf("key %q differs through a Multi", kv.Key)
		}
	}
}

// awkwardParts splits data at odd sizes (1, 7, 4093, 65537, then 300007 each); slicing
// parts are Bytes, the others hide it behind an io.SectionReader.
func awkwardParts(data []byte, slicing bool) []Part {
	var parts []Part
	sizes := []int{1, 7, 0, 4093, 65537}
	for off, i := 0, 0; off < len(data); i++ {
		n := 300007
		if i < len(sizes) {
			n = sizes[i]
		}
		n = min(n, len(data)-off)
		b := data[off : off+n]
		if slicing {
			parts = append(parts, Part{Bytes(b), int64(n)})
		} else {
			parts = append(parts, Part{io.NewSectionReader(Bytes(b), 0, int64(n)), int64(n)})
		}
		off += n
	}
	return parts
}

// TestStoriesMetadata checks what the models README says of stories260K-Q8_0.gguf.
func TestStoriesMetadata(t *testing.T) {
	data, err := os.ReadFile(shared.Path(t, "models", "stories260K-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	count := map[quant.Type]int{}
	for _, ti := range f.Tensors {
		count[ti.Type]++
		if ti.Type == quant.F16 && !strings.HasSuffix(ti.Name, "ffn_down.weight") {
			t.Errorf("%s is F16", ti.Name)
		}
	}
	if count[quant.Q8_0] != 32 || count[quant.F16] != 5 || count[quant.F32] != 11 || len(f.Tensors) != 48 {
		t.Errorf("tensor types %v, want 32 Q8_0, 5 F16, 11 F32", count)
	}
	if s, _ := f.String("general.name"); s != "stories260K" {
		t.Errorf("general.name %q", s)
	}
	if toks, ok := f.Strings("tokenizer.ggml.tokens"); !ok || len(toks) != 512 || toks[1] != "<s>" || toks[3] != "<0x00>" {
		t.Errorf("tokens: %d, %v", len(toks), ok)
	}
	if types, ok := f.Int32s("tokenizer.ggml.token_type"); !ok || len(types) != 512 || types[0] != 2 || types[2] != 3 || types[3] != 6 {
		t.Errorf("token types: %v", ok)
	}
	if scores, ok := f.Float32s("tokenizer.ggml.scores"); !ok || len(scores) != 512 {
		t.Errorf("scores: %d, %v", len(scores), ok)
	}
	if n, ok := f.Uint("tokenizer.ggml.seperator_token_id"); !ok || n != 4294967295 {
		t.Errorf("seperator_token_id = %d, %v", n, ok)
	}
	if e, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); !ok || e != float64(float32(1e-5)) {
		t.Errorf("rms eps = %g, %v", e, ok)
	}
	if n, ok := f.Int("llama.rope.dimension_count"); !ok || n != 8 {
		t.Errorf("rope dims = %d, %v", n, ok)
	}
	ti, ok := f.Tensor("token_embd.weight")
	if !ok || ti.Type != quant.Q8_0 || len(ti.Dims) != 2 || ti.Dims[0] != 64 || ti.Dims[1] != 512 || ti.Elements() != 64*512 {
		t.Errorf("token_embd.weight: %+v", ti)
	}
}

// TestVocabFiles opens llama.cpp's vocab-only files: metadata and no tensors, with no
// padding after the header.
func TestVocabFiles(t *testing.T) {
	want := map[string]int{"llama-spm": 32000, "phi-3": 32064, "gpt-2": 50257, "deepseek-llm": 102400,
		"falcon": 65024, "bert-bge": 30522, "starcoder": 49152}
	for name, n := range want {
		path := shared.Path(t, "vocab", "ggml-vocab-"+name+".gguf")
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		f, err := Open(fh, st.Size())
		fh.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		toks, ok := f.Strings("tokenizer.ggml.tokens")
		if !ok || len(toks) != n || len(f.Tensors) != 0 {
			t.Errorf("%s: %d tokens (%v), %d tensors; want %d tokens", name, len(toks), ok, len(f.Tensors), n)
		}
	}
}
