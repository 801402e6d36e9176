package model

import (
	"bytes"
	"encoding/binary"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"hearth/engine/gguf"
	"hearth/engine/quant"
	"hearth/engine/synth"
)

// tinyWriter is the synth tiny model (2 blocks, F32 norms) as a writer to change.
func tinyWriter(t testing.TB) *gguf.Writer {
	t.Helper()
	w, err := synth.Build(synth.Options{Shape: synth.Shapes["tiny"], Type: "Q8_0", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func openWriter(t testing.TB, w *gguf.Writer) (*gguf.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f, buf.Bytes()
}

// TestHostileMetadata: each count or float a model file could lie about is refused by
// ReadConfig (so by Load, Check and the memory estimate) with an error naming it, fast
// and without allocating by it.
func TestHostileMetadata(t *testing.T) {
	for _, c := range []struct {
		key   string
		value any
		want  string
	}{
		{"llama.block_count", uint32(1 << 24), "block_count"},
		{"llama.block_count", uint64(1 << 40), "block_count"},
		{"llama.block_count", uint32(3), "holds tensors for 2 blocks"},
		{"llama.block_count", uint32(1), "holds tensors for 2 blocks"},
		{"llama.block_count", int32(-1), "block_count"},
		{"llama.block_count", "two", "block_count"},
		{"llama.embedding_length", uint32(1 << 20), "1048576"},
		{"llama.embedding_length", uint32(128), "token_embd.weight has shape"},
		{"llama.feed_forward_length", uint32(1 << 22), "feed_forward_length"},
		{"llama.attention.head_count", uint32(0), "head_count"},
		{"llama.attention.head_count", uint32(1 << 20), "head_count"},
		{"llama.attention.head_count_kv", uint32(8), "head_count"},
		{"llama.attention.key_length", uint32(1 << 20), "key_length"},
		{"llama.context_length", uint32(0), "context_length"},
		{"llama.context_length", uint64(1 << 30), "context_length"},
		{"llama.rope.dimension_count", uint32(17), "rope.dimension_count"},
		{"llama.rope.dimension_count", uint32(1 << 20), "rope.dimension_count"},
		{"llama.attention.layer_norm_rms_epsilon", float32(math.NaN()), "layer_norm_rms_epsilon"},
		{"llama.attention.layer_norm_rms_epsilon", float32(math.Inf(1)), "layer_norm_rms_epsilon"},
		{"llama.attention.layer_norm_rms_epsilon", float32(-1e-5), "layer_norm_rms_epsilon"},
		{"llama.attention.layer_norm_rms_epsilon", float64(0), "layer_norm_rms_epsilon"},
		{"llama.rope.freq_base", float32(math.NaN()), "rope.freq_base"},
		{"llama.rope.freq_base", float32(math.Inf(-1)), "rope.freq_base"},
		{"llama.rope.freq_base", float32(0), "rope.freq_base"},
		{"llama.rope.scaling.type", "yarn", "rope scaling type"},
		{"general.architecture", "llama4", "unsupported architecture"},
	} {
		w := tinyWriter(t)
		w.Set(c.key, c.value)
		f, _ := openWriter(t, w)
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		_, err := ReadConfig(f)
		took := time.Since(t0)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %v: ReadConfig error %v, want one about %q", c.key, c.value, err, c.want)
			continue
		}
		if _, lerr := Load(f); lerr == nil {
			t.Errorf("%s = %v: Load succeeded", c.key, c.value)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 || took > 100*time.Millisecond {
			t.Errorf("%s = %v: %v and %d bytes to refuse", c.key, c.value, took, alloc)
		}
	}
	// The tiny model itself loads.
	f, _ := openWriter(t, tinyWriter(t))
	if _, err := Load(f); err != nil {
		t.Fatal(err)
	}
}

// TestHostileWeights: a NaN or infinite norm weight, bias or rope factor is refused at
// load (it would make every logit NaN); so is a file missing a block's tensor.
func TestHostileWeights(t *testing.T) {
	for _, c := range []struct {
		tensor string
		value  float32
	}{
		{"blk.0.attn_norm.weight", float32(math.NaN())},
		{"blk.1.ffn_norm.weight", float32(math.Inf(1))},
		{"output_norm.weight", float32(math.Inf(-1))},
	} {
		f, data := openWriter(t, tinyWriter(t))
		ti, ok := f.Tensor(c.tensor)
		if !ok || ti.Type != quant.F32 {
			t.Fatalf("%s: %v", c.tensor, ti)
		}
		binary.LittleEndian.PutUint32(data[ti.Offset+8:], math.Float32bits(c.value))
		f, err := gguf.Open(gguf.Bytes(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(f)
		if err == nil || !strings.Contains(err.Error(), c.tensor+"[2]") {
			t.Errorf("%s[2] = %g: Load error %v", c.tensor, c.value, err)
		}
	}

	// rope_freqs must be positive and finite.
	w := tinyWriter(t)
	freqs := make([]byte, 4*8)
	for i := range 8 {
		binary.LittleEndian.PutUint32(freqs[4*i:], math.Float32bits(1))
	}
	binary.LittleEndian.PutUint32(freqs[4*3:], math.Float32bits(0))
	if err := w.AddTensor("rope_freqs.weight", quant.F32, []int64{8}, freqs); err != nil {
		t.Fatal(err)
	}
	f, _ := openWriter(t, w)
	if _, err := Load(f); err == nil || !strings.Contains(err.Error(), "rope_freqs.weight[3]") {
		t.Errorf("zero rope frequency factor: %v", err)
	}
}

// TestContextSize: one function decides a session's context, for the memory estimate
// and the allocation alike.
func TestContextSize(t *testing.T) {
	c := &Config{NCtxTrain: 8192}
	for req, want := range map[int]int{0: 4096, -5: 4096, 100: 100, 8192: 8192, 100000: 8192} {
		if got := c.ContextSize(req); got != want {
			t.Errorf("train 8192, ContextSize(%d) = %d, want %d", req, got, want)
		}
	}
	c.NCtxTrain = 256
	if got := c.ContextSize(0); got != 256 {
		t.Errorf("train 256, ContextSize(0) = %d", got)
	}
	f, _ := openWriter(t, tinyWriter(t))
	m, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range []int{0, 100, 1000} {
		s, err := m.NewState(req)
		if err != nil {
			t.Fatal(err)
		}
		if s.NCtx != m.Config.ContextSize(req) {
			t.Errorf("NewState(%d).NCtx = %d, ContextSize = %d", req, s.NCtx, m.Config.ContextSize(req))
		}
	}
}

// FuzzModelConfig writes the tiny model with arbitrary metadata (a key set to a value of
// any GGUF type), optionally without one of its tensors or with one renamed, through the
// project's GGUF writer: Load must succeed or return an error — never panic, never
// allocate by an unchecked count. ./build.sh test runs it for a few seconds.
func FuzzModelConfig(f *testing.F) {
	f.Add(uint8(1), uint8(2), uint64(1<<24), "", uint8(0), uint16(0))
	f.Add(uint8(0), uint8(1), uint64(1<<20), "", uint8(0), uint16(0))
	f.Add(uint8(7), uint8(5), math.Float64bits(math.NaN()), "", uint8(0), uint16(0))
	f.Add(uint8(3), uint8(3), uint64(0), "x", uint8(1), uint16(5))
	f.Add(uint8(2), uint8(0), uint64(7), "blk.9.attn_q.weight", uint8(2), uint16(3))
	f.Add(uint8(12), uint8(6), uint64(0), "gemma3", uint8(0), uint16(0))
	keys := []string{
		"llama.embedding_length", "llama.block_count", "llama.feed_forward_length",
		"llama.attention.head_count", "llama.attention.head_count_kv", "llama.attention.key_length",
		"llama.context_length", "llama.attention.layer_norm_rms_epsilon", "llama.rope.freq_base",
		"llama.rope.dimension_count", "llama.rope.scaling.type", "llama.rope.scaling.factor",
		"general.architecture", "gemma3.attention.sliding_window", "llama.attention.value_length",
		"general.alignment",
	}
	base := tinyWriter(f)
	f.Fuzz(func(t *testing.T, key, kind uint8, bits uint64, str string, tensorOp uint8, which uint16) {
		w := gguf.NewWriter()
		src, _ := openWriter(t, base)
		for _, kv := range src.KVs {
			w.Set(kv.Key, kv.Value)
		}
		k := keys[int(key)%len(keys)]
		var v any
		switch kind % 8 {
		case 0:
			v = uint32(bits)
		case 1:
			v = bits
		case 2:
			v = int32(bits)
		case 3:
			v = int64(bits)
		case 4:
			v = math.Float32frombits(uint32(bits))
		case 5:
			v = math.Float64frombits(bits)
		case 6:
			v = str
		case 7:
			v = bits&1 == 1
		}
		if k == "general.alignment" {
			v = uint32(32) << (bits % 4) // the writer needs a valid alignment to write at all
		}
		w.Set(k, v)
		for i, ti := range src.Tensors {
			name := ti.Name
			switch {
			case tensorOp%3 == 1 && i == int(which)%len(src.Tensors):
				continue // drop it
			case tensorOp%3 == 2 && i == int(which)%len(src.Tensors) && str != "":
				name = str
			}
			data, err := src.ReadTensor(&src.Tensors[i])
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddTensor(name, ti.Type, ti.Dims, data); err != nil {
				return // a duplicate name
			}
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			return
		}
		g, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Load(g)
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Fatalf("%s = %v: Load allocated %d bytes (err %v)", k, v, alloc, err)
		}
		if err == nil {
			if s, err := m.NewState(0); err == nil && s.NCtx > MaxContext {
				t.Fatalf("context %d", s.NCtx)
			}
		}
	})
}
