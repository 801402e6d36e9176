//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"

	"hearth/engine"
	"hearth/engine/gguf"
	"hearth/internal/limits"
)

// wasmMemoryLimit is what a model (weights, KV cache and scratch) may use: internal/limits'
// WasmMemory, which the page's preflight reads too.
const wasmMemoryLimit = limits.WasmMemory

// load opens a model streamed to the worker: a size, then loadData messages (loadStream).
func (w *worker) load(id any, msg js.Value) { w.loadStream(id, msg) }

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
	if w.warmUp {
		w.enqueueWarmUp()
	}
}
