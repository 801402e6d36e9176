package modelstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/quant"
	"hearth/internal/shared"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// listDir returns the names in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// checkShards verifies that m's shards lie in dir, cover the file contiguously, hash to
// their entries, and concatenate to want.
func checkShards(t *testing.T, dir string, m *Manifest, want []byte) {
	t.Helper()
	var all []byte
	for i, s := range m.Shards {
		b, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			t.Fatal(err)
		}
		if s.Start != int64(len(all)) || s.End-s.Start != int64(len(b)) {
			t.Errorf("shard %d: range [%d,%d) but %d bytes at offset %d", i, s.Start, s.End, len(b), len(all))
		}
		if s.End-s.Start > m.ShardSize {
			t.Errorf("shard %d: %d bytes, over the shard size %d", i, s.End-s.Start, m.ShardSize)
		}
		if got := sha(b); got != s.SHA256 || !strings.Contains(s.File, "."+got[:16]+".") {
			t.Errorf("shard %d (%s): sha256 %s, manifest says %s", i, s.File, got, s.SHA256)
		}
		if m.PartSize != PartSizeFor(m.ShardSize) || int64(len(s.Parts)) != (int64(len(b))+m.PartSize-1)/m.PartSize {
			t.Errorf("shard %d: %d parts of %d bytes for %d bytes", i, len(s.Parts), m.PartSize, len(b))
		}
		for k, want := range s.Parts {
			part := b[min(len(b), k*int(m.PartSize)):min(len(b), (k+1)*int(m.PartSize))]
			if got := sha(part); got != want {
				t.Errorf("shard %d part %d: sha256 %s, manifest says %s", i, k, got, want)
			}
		}
		all = append(all, b...)
	}
	if !bytes.Equal(all, want) {
		t.Fatalf("shards concatenate to %d bytes that differ from the %d-byte original", len(all), len(want))
	}
	if m.SHA256 != sha(want) || m.FileSize != int64(len(want)) {
		t.Errorf("manifest file sha256/size %s/%d, want %s/%d", m.SHA256, m.FileSize, sha(want), len(want))
	}
}

func TestAddStories(t *testing.T) {
	src := shared.Path(t, "models", "stories260K.gguf")
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	static := t.TempDir()
	m, err := Add(src, Options{Static: static, ShardSize: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	// 1,185,376 bytes in 100,000-byte shards: 11 full ones and one of 85,376.
	if len(m.Shards) != 12 || m.Shards[11].End-m.Shards[11].Start != 85_376 {
		t.Fatalf("%d shards, last %+v; want 12, the last 85,376 bytes", len(m.Shards), m.Shards[len(m.Shards)-1])
	}
	dir := filepath.Join(static, "models", "stories260K")
	checkShards(t, dir, m, orig)

	want := Summary{
		ID: "stories260K", Name: "stories260K", Architecture: "llama",
		// token_embd and output 512×64 each; per layer (×5): two norms 64, wq and wo 64×64,
		// wk and wv 64×32 (4 KV heads of 8), three FFN matrices 64×172; output_norm 64.
		Parameters: 2*512*64 + 5*(2*64+2*64*64+2*64*32+3*64*172) + 64,
		Quant:      "F32", ContextLength: 512, FileSize: 1_185_376,
	}
	if m.Summary != want {
		t.Errorf("summary\n got %+v\nwant %+v", m.Summary, want)
	}
	disk, err := ReadManifest(static, "stories260K")
	if err != nil {
		t.Fatal(err)
	}
	if disk.SHA256 != m.SHA256 || len(disk.Shards) != len(m.Shards) || disk.Summary != m.Summary {
		t.Errorf("manifest.json differs from the returned manifest")
	}
	ix, err := ReadIndex(static)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Models) != 1 || ix.Models[0].Summary != want || ix.Models[0].Manifest != "stories260K/manifest.json" {
		t.Errorf("index %+v", ix)
	}

	// Adding again changes nothing.
	before := listDir(t, dir)
	m2, err := Add(src, Options{Static: static, ShardSize: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if after := listDir(t, dir); strings.Join(after, " ") != strings.Join(before, " ") || m2.SHA256 != m.SHA256 {
		t.Errorf("second add changed the folder:\n%v\n%v", before, after)
	}

	// Another shard size replaces the shards; the old ones go.
	m3, err := Add(src, Options{Static: static, ShardSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	checkShards(t, dir, m3, orig)
	wantFiles := []string{"manifest.json", m3.Shards[0].File, m3.Shards[1].File}
	sort.Strings(wantFiles)
	if got := listDir(t, dir); strings.Join(got, " ") != strings.Join(wantFiles, " ") {
		t.Errorf("after re-sharding: %v, want %v", got, wantFiles)
	}
}

func TestAddReplacesAndIndexesSeveral(t *testing.T) {
	f32 := shared.Path(t, "models", "stories260K.gguf")
	q8 := shared.Path(t, "models", "stories260K-Q8_0.gguf")
	q8bytes, err := os.ReadFile(q8)
	if err != nil {
		t.Fatal(err)
	}
	static := t.TempDir()
	if _, err := Add(f32, Options{Static: static, ID: "tiny", ShardSize: 300_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := Add(f32, Options{Static: static, ID: "a-first"}); err != nil {
		t.Fatal(err)
	}
	// A different file under an existing id replaces the model.
	m, err := Add(q8, Options{Static: static, ID: "tiny", ShardSize: 300_000})
	if err != nil {
		t.Fatal(err)
	}
	if m.Quant != "Q8_0" || len(m.Shards) != 2 {
		t.Errorf("quant %s, %d shards; want Q8_0 in 2", m.Quant, len(m.Shards))
	}
	checkShards(t, filepath.Join(static, "models", "tiny"), m, q8bytes)
	if n := len(listDir(t, filepath.Join(static, "models", "tiny"))); n != 3 {
		t.Errorf("%d files in models/tiny, want the manifest and 2 shards", n)
	}
	ix, err := ReadIndex(static)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Models) != 2 || ix.Models[0].ID != "a-first" || ix.Models[1].ID != "tiny" || ix.Models[1].Quant != "Q8_0" {
		t.Errorf("index %+v", ix.Models)
	}
}

// writeGGUF writes a small GGUF with the given metadata and one F32 tensor.
func writeGGUF(t *testing.T, path string, kv map[string]any) []byte {
	t.Helper()
	w := gguf.NewWriter()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.Set(k, kv[k])
	}
	if err := w.AddTensor("token_embd.weight", quant.F32, []int64{4, 2}, make([]byte, 4*2*4)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if path != "" {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestAddRefuses(t *testing.T) {
	tmp := t.TempDir()
	notGGUF := filepath.Join(tmp, "notes.gguf")
	os.WriteFile(notGGUF, []byte("this is a text file, not a model\n"), 0o644)
	empty := filepath.Join(tmp, "empty.gguf")
	os.WriteFile(empty, nil, 0o644)
	gpt2 := filepath.Join(tmp, "gpt2.gguf")
	writeGGUF(t, gpt2, map[string]any{"general.architecture": "gpt2", "gpt2.context_length": uint32(64)})
	noArch := filepath.Join(tmp, "noarch.gguf")
	writeGGUF(t, noArch, map[string]any{"general.name": "x"})

	cases := []struct {
		name, src, want string
	}{
		{"not a GGUF", notGGUF, "not a GGUF"},
		{"empty", empty, "not a GGUF"},
		{"unsupported architecture", gpt2, `Hearth cannot run this model: unsupported architecture "gpt2"`},
		{"no architecture", noArch, "general.architecture is missing"},
		{"missing", filepath.Join(tmp, "absent.gguf"), "absent.gguf"},
		{"a folder", tmp, "not a regular file"},
	}
	if src := shared.Find(); src != "" {
		orig, err := os.ReadFile(filepath.Join(src, "models", "stories260K.gguf"))
		if err == nil {
			truncated := filepath.Join(tmp, "truncated.gguf")
			os.WriteFile(truncated, orig[:len(orig)/2], 0o644)
			cut := filepath.Join(tmp, "cut-header.gguf")
			os.WriteFile(cut, orig[:1000], 0o644)
			cases = append(cases,
				struct{ name, src, want string }{"truncated data", truncated, "past the end of the file"},
				struct{ name, src, want string }{"truncated header", cut, "gguf:"})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			static := t.TempDir()
			_, err := Add(c.src, Options{Static: static, ID: "m"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to say %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(static, "models")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused file left models/ behind (%v)", err)
			}
		})
	}

	for _, o := range []Options{
		{Static: "", ID: "m"},
		{Static: tmp, ID: "../escape"},
		{Static: tmp, ID: "m", ShardSize: -1},
	} {
		if _, err := Add(gpt2, o); err == nil {
			t.Errorf("Add with %+v accepted", o)
		}
	}
}

func TestDescribe(t *testing.T) {
	b := writeGGUF(t, "", map[string]any{
		"general.architecture":    "qwen2",
		"general.name":            "Tiny Qwen",
		"general.file_type":       uint32(15),
		"general.license":         "apache-2.0",
		"qwen2.context_length":    uint32(32768),
		"tokenizer.chat_template": "{{ messages }}",
	})
	f, err := gguf.Open(gguf.Bytes(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got := Describe(f, "tq", int64(len(b)))
	want := Summary{ID: "tq", Name: "Tiny Qwen", Architecture: "qwen2", Parameters: 8, Quant: "Q4_K_M",
		ContextLength: 32768, FileSize: int64(len(b)), HasChatTemplate: true, License: "apache-2.0"}
	if got != want {
		t.Errorf("Describe\n got %+v\nwant %+v", got, want)
	}

	// Without general.name, general.file_type and the rest: the id and the dominant type.
	b = writeGGUF(t, "", map[string]any{"general.architecture": "llama"})
	f, err = gguf.Open(gguf.Bytes(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	got = Describe(f, "plain", 0)
	if got.Name != "plain" || got.Quant != "F32" || got.ContextLength != 0 || got.HasChatTemplate || got.License != "" {
		t.Errorf("Describe of a bare file: %+v", got)
	}
}

func TestDescribeQuantNames(t *testing.T) {
	dir := shared.Dir(t)
	for file, want := range map[string]string{
		"synth-llama-Q3_K_M.gguf": "Q3_K_M", "synth-qwen2-Q4_K_M.gguf": "Q4_K_M",
		"synth-llama-Q8_0.gguf": "Q8_0", "stories260K-Q8_0.gguf": "Q8_0",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "models", file))
		if err != nil {
			t.Skip(err)
		}
		f, err := gguf.Open(gguf.Bytes(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if got := quantName(f); got != want {
			t.Errorf("%s: quant %q, want %q", file, got, want)
		}
	}
}
