package modelstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/synth"
)

// tinyModel writes the synth tiny model (F32 weights) to dir/name.gguf after change, which
// may set or drop keys (a nil value drops one) and rewrite tensor bytes.
func tinyModel(t *testing.T, dir, name string, keys map[string]any, change func(f *gguf.File, data []byte)) string {
	t.Helper()
	w0, err := synth.Build(synth.Options{Shape: synth.Shapes["tiny"], Type: "F32", Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var b0 bytes.Buffer
	if _, err := w0.WriteTo(&b0); err != nil {
		t.Fatal(err)
	}
	src, err := gguf.Open(gguf.Bytes(b0.Bytes()), int64(b0.Len()))
	if err != nil {
		t.Fatal(err)
	}
	w := gguf.NewWriter()
	for _, kv := range src.KVs {
		if v, ok := keys[kv.Key]; ok {
			if v != nil {
				w.Set(kv.Key, v)
			}
			continue
		}
		w.Set(kv.Key, kv.Value)
	}
	for k, v := range keys {
		if _, ok := src.Get(k); !ok && v != nil {
			w.Set(k, v)
		}
	}
	for i := range src.Tensors {
		ti := &src.Tensors[i]
		data, err := src.ReadTensor(ti)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, append([]byte(nil), data...)); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if change != nil {
		f, err := gguf.Open(gguf.Bytes(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		change(f, data)
	}
	path := filepath.Join(dir, name+".gguf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// setFloat writes x into tensor name's i-th float32.
func setFloat(t *testing.T, name string, i int, x float32) func(*gguf.File, []byte) {
	return func(f *gguf.File, data []byte) {
		ti, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("no tensor %s", name)
		}
		binary.LittleEndian.PutUint32(data[ti.Offset+int64(4*i):], math.Float32bits(x))
	}
}

// TestAddRefusesWhatCannotRun: add-model refuses every file that generate cannot run,
// and writes nothing for it.
func TestAddRefusesWhatCannotRun(t *testing.T) {
	tmp := t.TempDir()
	nan := float32(math.NaN())
	cases := []struct {
		name   string
		keys   map[string]any
		change func(*gguf.File, []byte)
		want   string
	}{
		{"unknown tokenizer model", map[string]any{"tokenizer.ggml.model": "rwkv"}, nil, "rwkv"},
		{"no tokenizer model", map[string]any{"tokenizer.ggml.model": nil}, nil, "tokenizer.ggml.model"},
		{"missing tokens", map[string]any{"tokenizer.ggml.tokens": nil}, nil, "tokenizer.ggml.tokens"},
		{"fewer tokens than embedding rows", map[string]any{"tokenizer.ggml.tokens": make([]string, 10)}, nil, "tokens"},
		{"unknown pre-tokenizer", map[string]any{"tokenizer.ggml.pre": "no-such-pre"}, nil, "pre-tokenizer"},
		{"missing merges", map[string]any{"tokenizer.ggml.merges": nil}, nil, "merges"},
		{"NaN epsilon", map[string]any{"llama.attention.layer_norm_rms_epsilon": nan}, nil, "layer_norm_rms_epsilon"},
		{"infinite rope base", map[string]any{"llama.rope.freq_base": float32(math.Inf(1))}, nil, "rope.freq_base"},
		{"NaN norm weight", nil, setFloat(t, "blk.1.attn_norm.weight", 5, nan), "blk.1.attn_norm.weight[5]"},
		{"NaN matrix weight", nil, setFloat(t, "blk.0.attn_q.weight", 100, nan), "NaN"},
		{"infinite matrix weight", nil, setFloat(t, "blk.0.ffn_down.weight", 7, float32(math.Inf(1))), "NaN or infinite"},
		{"a block_count the tensors do not have", map[string]any{"llama.block_count": uint32(1 << 24)}, nil, "block_count"},
		{"a chat template that loops", map[string]any{"tokenizer.chat_template": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"}, nil, "steps limit"},
		{"a chat template that blows up", map[string]any{"tokenizer.chat_template": "{{ 'a' * 10000000000 }}"}, nil, "string limit"},
		{"a chat template that does not compile", map[string]any{"tokenizer.chat_template": "{% if %}"}, nil, "chat template"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := tinyModel(t, tmp, strings.ReplaceAll(c.name, " ", "-"), c.keys, c.change)
			static := t.TempDir()
			_, err := Add(src, Options{Static: static, ID: "m"})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "cannot run") {
				t.Fatalf("err = %v, want it to say %q", err, c.want)
			}
			t.Log(err)
			if _, err := os.Stat(filepath.Join(static, "models")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused file left models/ behind (%v)", err)
			}
		})
	}

	// The same model, untouched, is added; so is one without a chat template (ChatML).
	for _, keys := range []map[string]any{nil, {"tokenizer.chat_template": nil}} {
		src := tinyModel(t, tmp, "good", keys, nil)
		if _, err := Add(src, Options{Static: t.TempDir(), ID: "m"}); err != nil {
			t.Errorf("a runnable model (%v) refused: %v", keys, err)
		}
	}
}

// TestShardSizeBounds: --shard-size is bounded to what the browser's loader expects.
func TestShardSizeBounds(t *testing.T) {
	src := tinyModel(t, t.TempDir(), "m", nil, nil)
	for _, size := range []int64{1, 1000, MinShardSize - 1, MaxShardSize + 1, 1 << 30} {
		_, err := Add(src, Options{Static: t.TempDir(), ID: "m", ShardSize: size})
		if err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("shard size %d: %v", size, err)
		}
	}
	if err := CheckShardSize(MinShardSize, 40000*MinShardSize); err == nil || !strings.Contains(err.Error(), "40000 shards") {
		t.Errorf("40,000 shards: %v", err)
	}
	for _, size := range []int64{MinShardSize, 1 << 20, DefaultShardSize, MaxShardSize} {
		if err := CheckShardSize(size, 4<<30); err != nil && size >= 1<<20 {
			t.Errorf("shard size %d: %v", size, err)
		}
		if _, err := Add(src, Options{Static: t.TempDir(), ID: "m", ShardSize: size}); err != nil {
			t.Errorf("shard size %d: %v", size, err)
		}
	}
}
