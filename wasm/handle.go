//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"syscall/js"

	"hearth/engine"
	"hearth/engine/gguf"
	"hearth/engine/sample"
)

// wasmMemoryLimit is what a model may use: wasm32 addresses 4 GiB; leave room for the Go
// runtime, the garbage collector's headroom and the page's copies in flight.
const wasmMemoryLimit = 3 << 30

type worker struct {
	session *engine.Session
	info    map[string]any
	cancel  context.CancelFunc
	busy    bool
}

func fail(id int, err error) {
	post(map[string]any{"type": "error", "id": id, "message": err.Error()})
}

func (w *worker) handle(msg js.Value) {
	id := msg.Get("id").Int()
	switch t := msg.Get("type").String(); t {
	case "load":
		w.load(id, msg)
	case "generate", "complete":
		if w.session == nil {
			fail(id, errors.New("no model is loaded"))
			return
		}
		if w.busy {
			fail(id, errors.New("the engine is busy with another reply"))
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel, w.busy = cancel, true
		go func() {
			defer func() { cancel(); w.busy = false }()
			if t == "generate" {
				w.generate(ctx, id, msg)
			} else {
				w.complete(ctx, id, msg)
			}
		}()
	case "cancel":
		if w.cancel != nil {
			w.cancel()
		}
		post(map[string]any{"type": "cancelled", "id": id})
	case "unload":
		if w.cancel != nil {
			w.cancel()
		}
		w.session, w.info = nil, nil
		runtime.GC()
		post(map[string]any{"type": "unloaded", "id": id})
	case "info":
		post(map[string]any{"type": "info", "id": id, "info": w.infoNow()})
	default:
		fail(id, fmt.Errorf("unknown request %q", t))
	}
}

// load copies the shards (ArrayBuffers, in order) into Go memory, one at a time, dropping
// each JS reference as soon as it is copied, and opens them as one GGUF file.
func (w *worker) load(id int, msg js.Value) {
	if w.busy {
		fail(id, errors.New("the engine is busy"))
		return
	}
	w.session, w.info = nil, nil
	runtime.GC()
	shards := msg.Get("shards")
	n := shards.Length()
	var total int64
	for i := 0; i < n; i++ {
		total += int64(shards.Index(i).Get("byteLength").Int())
	}
	if total > wasmMemoryLimit {
		fail(id, &engine.ErrTooBig{Need: engine.Memory{Weights: total}, Limit: wasmMemoryLimit})
		return
	}
	u8 := js.Global().Get("Uint8Array")
	parts := make([]gguf.Part, 0, n)
	for i := 0; i < n; i++ {
		view := u8.New(shards.Index(i))
		b := make([]byte, view.Length())
		js.CopyBytesToGo(b, view)
		shards.SetIndex(i, js.Undefined())
		parts = append(parts, gguf.Part{R: gguf.Bytes(b), Size: int64(len(b))})
	}
	multi := gguf.NewMulti(parts...)
	f, err := gguf.Open(multi, multi.Size())
	if err != nil {
		fail(id, fmt.Errorf("not a usable model file: %w", err))
		return
	}
	ctxSize := 0
	if v := msg.Get("contextSize"); v.Type() == js.TypeNumber {
		ctxSize = v.Int()
	}
	s, err := engine.Load(f, engine.LoadOptions{ContextSize: ctxSize, MemoryLimit: wasmMemoryLimit})
	if err != nil {
		fail(id, err)
		return
	}
	w.session = s
	name, _ := f.String("general.name")
	c := s.Model.Config
	w.info = map[string]any{
		"name": name, "architecture": c.Arch, "quant": c.FileTypeStr,
		"context_size": s.ContextSize(), "n_vocab": c.NVocab, "n_layer": c.NLayer, "n_embd": c.NEmbd,
		"weights_bytes": s.Model.WeightBytes(), "has_chat_template": s.TemplateNote == "",
		"template_note": s.TemplateNote,
	}
	post(map[string]any{"type": "loaded", "id": id, "info": w.infoNow()})
}

func (w *worker) infoNow() map[string]any {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{"memory_bytes": ms.Sys, "heap_bytes": ms.HeapAlloc, "loaded": w.session != nil}
	for k, v := range w.info {
		out[k] = v
	}
	if w.session != nil {
		out["cached_tokens"] = w.session.CachedTokens()
	}
	return out
}

// options reads the sampling options of a request (missing fields keep the defaults).
func options(o js.Value) (sample.Options, int, []string) {
	so := sample.DefaultOptions()
	maxTokens := 0
	var stop []string
	if o.Type() != js.TypeObject {
		return so, maxTokens, stop
	}
	num := func(k string, set func(float64)) {
		if v := o.Get(k); v.Type() == js.TypeNumber {
			set(v.Float())
		}
	}
	num("temperature", func(v float64) { so.Temperature = float32(v) })
	num("topK", func(v float64) { so.TopK = int(v) })
	num("topP", func(v float64) { so.TopP = float32(v) })
	num("minP", func(v float64) { so.MinP = float32(v) })
	num("repeatPenalty", func(v float64) { so.RepeatPenalty = float32(v) })
	num("presencePenalty", func(v float64) { so.PresencePenalty = float32(v) })
	num("frequencyPenalty", func(v float64) { so.FrequencyPenalty = float32(v) })
	num("seed", func(v float64) { so.Seed = uint64(v) })
	num("maxTokens", func(v float64) { maxTokens = int(v) })
	if s := o.Get("stop"); s.Type() == js.TypeObject {
		for i := 0; i < s.Length(); i++ {
			stop = append(stop, s.Index(i).String())
		}
	}
	return so, maxTokens, stop
}

func (w *worker) generate(ctx context.Context, id int, msg js.Value) {
	jm := msg.Get("messages")
	var msgs []engine.Message
	for i := 0; i < jm.Length(); i++ {
		m := jm.Index(i)
		msgs = append(msgs, engine.Message{Role: m.Get("role").String(), Content: m.Get("content").String()})
	}
	so, maxTokens, stop := options(msg.Get("options"))
	y := &yielder{}
	st, err := w.session.Generate(ctx, msgs, engine.Options{Sample: so, MaxTokens: maxTokens, Stop: stop}, func(e engine.Event) {
		switch e.Kind {
		case engine.EventText, engine.EventReasoning:
			post(map[string]any{"type": string(e.Kind), "id": id, "text": e.Text})
		case engine.EventToken:
			post(map[string]any{"type": "token", "id": id, "token": e.Token})
			y.maybe()
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fail(id, err)
		return
	}
	post(map[string]any{"type": "done", "id": id, "stats": st})
}

func (w *worker) complete(ctx context.Context, id int, msg js.Value) {
	var prompt []int32
	if toks := msg.Get("tokens"); toks.Type() == js.TypeObject {
		for i := 0; i < toks.Length(); i++ {
			prompt = append(prompt, int32(toks.Index(i).Int()))
		}
	} else {
		prompt = w.session.Tokenizer.Encode(msg.Get("prompt").String(), true, false)
	}
	so, n, _ := options(msg.Get("options"))
	if n <= 0 {
		n = 128
	}
	y := &yielder{}
	out, st, err := w.session.Complete(ctx, prompt, n, so, msg.Get("stopAtEOG").Truthy(), func(e engine.Event) {
		switch e.Kind {
		case engine.EventText:
			post(map[string]any{"type": "text", "id": id, "text": e.Text})
		case engine.EventToken:
			post(map[string]any{"type": "token", "id": id, "token": e.Token})
			y.maybe()
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		fail(id, err)
		return
	}
	post(map[string]any{"type": "done", "id": id, "stats": st, "prompt_tokens": prompt, "tokens": out})
}
