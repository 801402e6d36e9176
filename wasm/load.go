//go:build js && wasm

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"syscall/js"

	"hearth/engine"
	"hearth/engine/gguf"
)

// wasmMemoryLimit is what a model (weights, KV cache and scratch) may use: wasm32 addresses
// 4 GiB; the rest is for the Go runtime, the tokenizer and chat state, the garbage
// collector's headroom and the kernel helpers.
const wasmMemoryLimit = 3 << 30

// shard is one downloaded piece of the model file, as the load request gave it.
type shard struct {
	name   string   // the manifest's file name, or "shard N"
	view   js.Value // Uint8Array over the transferred buffer
	size   int64
	sha256 string // expected, lower-case hex; "" when not to be checked here
}

// loadRequest is a parsed load message.
type loadRequest struct {
	shards      []shard
	contextSize int
	memoryLimit int64
}

// parseLoad reads the shards and checks them against the manifest, when there is one:
// count and sizes always, sha256 unless the page says it has already checked the hashes
// (verified: true; client.js does, with WebCrypto, so it can fetch a bad shard again).
func parseLoad(msg js.Value) (*loadRequest, error) {
	list, n, err := array(msg, "shards")
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("no shards to load")
	}
	r := &loadRequest{shards: make([]shard, n)}
	for i := range r.shards {
		view, ok := uint8View(list.Index(i))
		if !ok {
			return nil, fmt.Errorf("shards[%d] must be an ArrayBuffer", i)
		}
		r.shards[i] = shard{name: fmt.Sprintf("shard %d", i), view: view, size: int64(view.Length())}
	}
	if r.contextSize, r.memoryLimit, err = loadOptions(msg); err != nil {
		return nil, err
	}
	man := msg.Get("manifest")
	if man.IsUndefined() || man.IsNull() {
		return r, nil
	}
	if man.Type() != js.TypeObject {
		return nil, errors.New("manifest must be an object")
	}
	ms, mn, err := array(man, "shards")
	if err != nil {
		return nil, fmt.Errorf("manifest: %v", err)
	}
	if mn != n {
		return nil, fmt.Errorf("the manifest lists %d shards but %d arrived", mn, n)
	}
	verified := msg.Get("verified").Truthy()
	for i := range r.shards {
		s := &r.shards[i]
		e := ms.Index(i)
		if e.Type() != js.TypeObject {
			return nil, fmt.Errorf("manifest: shards[%d] must be an object", i)
		}
		if f, err := str(e, "file"); err == nil && f != "" {
			s.name = f
		}
		start, ok1, err1 := integer(e, "start", 0, 1<<53)
		end, ok2, err2 := integer(e, "end", 0, 1<<53)
		if err := errors.Join(err1, err2); err != nil || !ok1 || !ok2 || end < start {
			return nil, fmt.Errorf("manifest: shard %s needs start <= end", s.name)
		}
		if want := end - start; s.size != want {
			return nil, fmt.Errorf("shard %s is %d bytes but the manifest says %d: download it again", s.name, s.size, want)
		}
		if h, err := str(e, "sha256"); err != nil {
			return nil, fmt.Errorf("manifest: shard %s: %v", s.name, err)
		} else if !verified {
			s.sha256 = strings.ToLower(h)
		}
	}
	return r, nil
}

// load opens a model: streamed (a size, then loadData messages: loadStream) or from the
// shards of msg, all given at once (loadShards).
func (w *worker) load(id any, msg js.Value) {
	if v := msg.Get("shards"); v.IsUndefined() || v.IsNull() {
		w.loadStream(id, msg)
		return
	}
	w.loadShards(id, msg)
}

// loadOptions reads a load request's contextSize and memoryLimit.
func loadOptions(msg js.Value) (contextSize int, limit int64, err error) {
	limit = wasmMemoryLimit
	if c, ok, err := integer(msg, "contextSize", 0, 1<<24); err != nil {
		return 0, 0, err
	} else if ok {
		contextSize = int(c)
	}
	if l, ok, err := integer(msg, "memoryLimit", 0, 1<<53); err != nil {
		return 0, 0, err
	} else if ok && l > 0 {
		limit = min(limit, l)
	}
	return contextSize, limit, nil
}

// loadShards opens a model from the shards of msg. Everything is checked first, over the
// JS buffers: shard sizes and hashes, the GGUF header, the architecture and tensor types,
// and the memory the model needs (weights, KV cache, scratch) against the limit; a refused
// load leaves the current model loaded. Only then is the current model dropped and the new
// one copied into one Go buffer of the file's size, a shard at a time, each JS buffer
// dropped as soon as it is copied.
func (w *worker) loadShards(id any, msg js.Value) {
	r, err := parseLoad(msg)
	if err != nil {
		fail(id, err)
		return
	}
	jsParts := make([]gguf.Part, len(r.shards))
	for i, s := range r.shards {
		jsParts[i] = gguf.Part{R: jsBytes{view: s.view, size: s.size}, Size: s.size}
	}
	jm := gguf.NewMulti(jsParts...)
	size := jm.Size()
	head, err := gguf.Open(jm, size)
	if err != nil {
		fail(id, fmt.Errorf("not a usable model file: %w", err))
		return
	}
	need, err := engine.MemoryNeeded(head, r.contextSize)
	if err != nil {
		fail(id, fmt.Errorf("this model cannot run here: %w", err))
		return
	}
	if need.Total() > r.memoryLimit {
		fail(id, &engine.ErrTooBig{Need: need, Limit: r.memoryLimit})
		return
	}
	head, jsParts, jm = nil, nil, nil
	for _, s := range r.shards {
		if s.sha256 != "" && sha256Hex(s.view, s.size) != s.sha256 {
			fail(id, fmt.Errorf("shard %s is corrupt: its sha256 does not match the manifest; download it again", s.name))
			return
		}
	}

	w.setSession(nil, nil)
	runtime.GC()
	list := msg.Get("shards")
	arena := make([]byte, size)
	off := int64(0)
	for i := range r.shards {
		s := &r.shards[i]
		js.CopyBytesToGo(arena[off:off+s.size], s.view)
		off += s.size
		s.view = js.Undefined()
		list.SetIndex(i, js.Undefined())
		breathe()
	}
	w.open(id, gguf.Bytes(arena), size, r.contextSize, r.memoryLimit)
}

// open starts a session over the model file held in data (size bytes, the tensors used in
// place) and answers the load.
func (w *worker) open(id any, data gguf.Bytes, size int64, contextSize int, limit int64) {
	f, err := gguf.Open(data, size)
	if err != nil {
		fail(id, fmt.Errorf("not a usable model file: %w", err))
		return
	}
	need, err := engine.MemoryNeeded(f, contextSize)
	if err != nil {
		fail(id, fmt.Errorf("this model cannot run here: %w", err))
		return
	}
	s, err := engine.Load(f, engine.LoadOptions{ContextSize: contextSize, MemoryLimit: limit})
	if err != nil {
		fail(id, err)
		return
	}
	s.Yield = breathe // between layers: a cancel arrives in the middle of a long prompt
	name, _ := f.String("general.name")
	c := s.Model.Config
	w.setSession(s, map[string]any{
		"name": name, "architecture": c.Arch, "quant": c.FileTypeStr,
		"context_size": s.ContextSize(), "n_vocab": c.NVocab, "n_layer": c.NLayer, "n_embd": c.NEmbd,
		"weights_bytes": s.Model.WeightBytes(), "memory_needed": need,
		"has_chat_template": s.TemplateNote == "", "template_note": s.TemplateNote,
	})
	post(map[string]any{"type": "loaded", "id": id, "info": w.infoNow()})
}

// sha256Hex hashes a JS Uint8Array through a 1 MiB Go buffer, so checking a shard costs no
// memory proportional to it (Go's SHA-256 runs ~70 MB/s in wasm, so the event loop gets
// turns in between).
func sha256Hex(view js.Value, size int64) string {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(buf)) {
		n := min(int64(len(buf)), size-off)
		js.CopyBytesToGo(buf[:n], view.Call("subarray", off, off+n))
		h.Write(buf[:n])
		breathe()
	}
	return hex.EncodeToString(h.Sum(nil))
}
