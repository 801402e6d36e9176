package gguf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"hearth/engine/quant"
	"hearth/internal/shared"
)

// FuzzOpen feeds arbitrary bytes to Open. It must never panic; whatever opens must have
// every tensor aligned and inside the file, readable, and must survive a write/read round
// trip unchanged.
func FuzzOpen(f *testing.F) {
	f.Add(encode(f, sampleWriter(f)))
	small := NewWriter()
	small.Set("general.alignment", uint32(8))
	small.Set("a", []any{[]string{"x"}})
	if err := small.AddTensor("t", quant.Q8_0, []int64{32}, make([]byte, 34)); err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, small))
	if dir := shared.Find(); dir != "" {
		f.Add(modelSeed(f, filepath.Join(dir, "models", "stories260K-Q8_0.gguf")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Open(Bytes(data), int64(len(data)))
		if err != nil {
			return
		}
		checkOpened(t, g, data)
		if len(data) > 4<<20 || writtenSize(g) > 16<<20 {
			return // round trip only what stays small
		}
		w := NewWriter()
		for _, kv := range g.KVs {
			w.Set(kv.Key, kv.Value)
		}
		for i := range g.Tensors {
			ti := &g.Tensors[i]
			b, err := g.ReadTensor(ti)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, b); err != nil {
				t.Fatalf("tensor %q read but not writable: %v", ti.Name, err)
			}
		}
		var out bytes.Buffer
		if _, err := w.WriteTo(&out); err != nil {
			t.Fatalf("file read but not writable: %v", err)
		}
		h, err := Open(Bytes(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("written file does not open: %v", err)
		}
		checkOpened(t, h, out.Bytes())
		if len(h.KVs) != len(g.KVs) || len(h.Tensors) != len(g.Tensors) || h.Alignment != g.Alignment {
			t.Fatalf("round trip: %d keys, %d tensors, alignment %d; want %d, %d, %d",
				len(h.KVs), len(h.Tensors), h.Alignment, len(g.KVs), len(g.Tensors), g.Alignment)
		}
		for i, kv := range g.KVs {
			if h.KVs[i].Key != kv.Key || !sameValue(h.KVs[i].Value, kv.Value) {
				t.Fatalf("round trip: key %q = %s, want %q = %s", h.KVs[i].Key, describe(h.KVs[i].Value), kv.Key, describe(kv.Value))
			}
		}
		for i := range g.Tensors {
			a, b := &g.Tensors[i], &h.Tensors[i]
			da, _ := g.ReadTensor(a)
			db, _ := h.ReadTensor(b)
			if a.Name != b.Name || a.Type != b.Type || a.Size != b.Size || !bytes.Equal(da, db) {
				t.Fatalf("round trip: tensor %q differs", a.Name)
			}
		}
	})
}

// modelSeed is a real model's metadata (vocab, scores, token types, hyperparameters) with
// its small tensors, re-encoded: about 16 KB. The whole 379 KB file as a seed would stall
// the fuzzer, which spends up to a minute minimizing each new input.
func modelSeed(f *testing.F, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	m, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		f.Fatal(err)
	}
	w := NewWriter()
	for _, kv := range m.KVs {
		w.Set(kv.Key, kv.Value)
	}
	for i := range m.Tensors {
		ti := &m.Tensors[i]
		if ti.Size > 1024 {
			continue
		}
		b, err := m.ReadTensor(ti)
		if err != nil {
			f.Fatal(err)
		}
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, b); err != nil {
			f.Fatal(err)
		}
	}
	return encode(f, w)
}

// checkOpened checks the invariants of an opened file.
func checkOpened(t *testing.T, g *File, data []byte) {
	t.Helper()
	if g.Alignment <= 0 || g.Alignment&(g.Alignment-1) != 0 || g.DataOffset%g.Alignment != 0 {
		t.Fatalf("alignment %d, data offset %d", g.Alignment, g.DataOffset)
	}
	for i := range g.Tensors {
		ti := &g.Tensors[i]
		size, err := tensorSize(ti.Type, ti.Dims)
		if err != nil || size != ti.Size {
			t.Fatalf("tensor %q: size %d, recomputed %d, %v", ti.Name, ti.Size, size, err)
		}
		if ti.Offset < g.DataOffset || (ti.Offset-g.DataOffset)%g.Alignment != 0 || ti.Offset+ti.Size > int64(len(data)) {
			t.Fatalf("tensor %q: [%d, +%d) misplaced (data at %d, file %d bytes)", ti.Name, ti.Offset, ti.Size, g.DataOffset, len(data))
		}
		b, err := g.ReadTensor(ti)
		if err != nil || int64(len(b)) != ti.Size {
			t.Fatalf("tensor %q: ReadTensor %d bytes, %v", ti.Name, len(b), err)
		}
		if ti.Elements() < 0 {
			t.Fatalf("tensor %q: %d elements", ti.Name, ti.Elements())
		}
	}
}

// writtenSize is roughly what a Writer would produce for g's tensors.
func writtenSize(g *File) int64 {
	var n int64
	for _, ti := range g.Tensors {
		n += alignUp(ti.Size, g.Alignment)
		if n > 1<<40 {
			break
		}
	}
	return n
}
