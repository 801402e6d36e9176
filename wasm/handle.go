//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall/js"

	"hearth/engine"
)

// worker holds the loaded model and the queue of requests. handle runs on the JS event
// loop (inside the message callback) and never blocks: it answers cancel and info at once
// and queues the rest for run, one goroutine that handles them in order. That goroutine
// never holds mu across a blocking call, so handle cannot wait on it.
type worker struct {
	mu      sync.Mutex
	queue   []request
	wake    chan struct{}      // buffered(1): the queue is not empty
	epoch   int                // bumped by cancel, load and unload
	cancel  context.CancelFunc // of the running generate/complete
	session *engine.Session
	info    map[string]any
	stream  *stream // the streamed load in progress, if any

	warmUp   bool               // warm a model up after its load (warm.go; ?warmup=0: no)
	warmStop context.CancelFunc // of the running warm-up: the page's next request stops it
	warmed   int                // tokens the last warm-up evaluated
	served   int                // requests served (a warm-up runs only if none came after its load)
}

// request is a queued message; epoch is the worker's epoch when it arrived, so a
// generation queued before a cancel is cancelled too.
type request struct {
	id     any
	kind   string
	msg    js.Value
	epoch  int
	served int // w.served when it was queued (a warm-up runs only while it still is)
}

func newWorker(warmUp bool) *worker {
	w := &worker{wake: make(chan struct{}, 1), warmUp: warmUp}
	go w.run()
	return w
}

// handle receives one message from the page.
func (w *worker) handle(msg js.Value) {
	id := requestID(msg)
	defer func() {
		if p := recover(); p != nil {
			fail(id, fmt.Errorf("internal error: %v", p))
		}
	}()
	if id == nil {
		fail(nil, errors.New("a request must be an object with a numeric id"))
		return
	}
	kind, _ := str(msg, "type")
	switch kind {
	case "cancel":
		w.cancelRuns()
		post(map[string]any{"type": "cancelled", "id": id})
	case "info":
		post(map[string]any{"type": "info", "id": id, "info": w.infoNow()})
	case "load":
		if err := w.beginStream(id, msg); err != nil {
			fail(id, err)
			return
		}
		w.cancelRuns()
		w.enqueue(id, kind, msg)
	case "unload":
		w.stopStream("the model was unloaded")
		w.cancelRuns()
		w.enqueue(id, kind, msg)
	case "loadData":
		w.streamData(id, msg)
	case "loadEnd":
		w.streamEnd(id, msg)
	case "generate", "complete", "estimate", "logits":
		w.enqueue(id, kind, msg)
	default:
		fail(id, fmt.Errorf("unknown request type %q (want load, loadData, loadEnd, generate, complete, estimate, logits, cancel, unload or info)", kind))
	}
}

// cancelRuns ends the running generation and every one queued so far.
func (w *worker) cancelRuns() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.epoch++
	if w.cancel != nil {
		w.cancel()
	}
}

func (w *worker) enqueue(id any, kind string, msg js.Value) {
	w.mu.Lock()
	if w.warmStop != nil {
		w.warmStop() // a warm-up gives way to the page's request
	}
	w.mu.Unlock()
	w.push(request{id: id, kind: kind, msg: msg})
}

// push queues r, stamped with the worker's epoch and the requests served so far, and wakes
// run.
func (w *worker) push(r request) {
	w.mu.Lock()
	r.epoch, r.served = w.epoch, w.served
	w.queue = append(w.queue, r)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *worker) next() request {
	for {
		w.mu.Lock()
		if len(w.queue) > 0 {
			r := w.queue[0]
			w.queue[0] = request{}
			w.queue = w.queue[1:]
			w.mu.Unlock()
			return r
		}
		w.mu.Unlock()
		<-w.wake
	}
}

func (w *worker) run() {
	for {
		w.serve(w.next())
	}
}

// serve handles one queued request; a panic becomes an error event, not a dead worker.
func (w *worker) serve(r request) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "hearth: panic in %s: %v\n%s", r.kind, p, debug.Stack())
			fail(r.id, fmt.Errorf("internal error: %v", p))
		}
	}()
	if r.kind != "warm" {
		w.mu.Lock()
		w.served++
		w.mu.Unlock()
	}
	switch r.kind {
	case "load":
		w.load(r.id, r.msg)
	case "estimate":
		estimate(r.id, r.msg)
	case "warm":
		w.warm(r)
	case "unload":
		w.setSession(nil, nil)
		runtime.GC()
		post(map[string]any{"type": "unloaded", "id": r.id})
	case "logits":
		if s, _ := w.current(); s == nil {
			fail(r.id, errors.New("no model is loaded"))
		} else {
			logits(s, r.id, r.msg)
		}
	case "generate", "complete":
		s, _ := w.current()
		if s == nil {
			fail(r.id, errors.New("no model is loaded"))
			return
		}
		w.mu.Lock()
		if r.epoch != w.epoch {
			w.mu.Unlock()
			post(map[string]any{"type": "done", "id": r.id, "stats": &engine.Stats{StopReason: engine.StopCancelled}, "tokens": []int32{}})
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.cancel = cancel
		w.mu.Unlock()
		defer func() {
			w.mu.Lock()
			w.cancel = nil
			w.mu.Unlock()
			cancel()
		}()
		if r.kind == "generate" {
			generate(ctx, s, r.id, r.msg)
		} else {
			complete(ctx, s, r.id, r.msg)
		}
	}
}

func (w *worker) setSession(s *engine.Session, info map[string]any) {
	w.mu.Lock()
	w.session, w.info = s, info
	w.mu.Unlock()
	if s == nil {
		tuneGC(0)
		return
	}
	// the load's own garbage (the file's metadata arrays, the tokenizer's building) goes
	// now, and the collector is paced by what stays
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	tuneGC(int64(ms.HeapAlloc))
}

func (w *worker) current() (*engine.Session, map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.session, w.info
}

// infoNow is the loaded model's metadata and the memory in use.
func (w *worker) infoNow() map[string]any {
	s, info := w.current()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{"memory_bytes": ms.Sys, "heap_bytes": ms.HeapAlloc, "loaded": s != nil}
	if f := js.Global().Get("hearthMemoryBytes"); f.Type() == js.TypeFunction {
		out["wasm_memory_bytes"] = f.Invoke().Float() // the WebAssembly.Memory's size
	}
	if f := js.Global().Get("hearthSplitProducts"); f.Type() == js.TypeFunction {
		out["split_products"] = f.Invoke().Int() // products the worker split across threads
	}
	for k, v := range info {
		out[k] = v
	}
	if s != nil {
		out["cached_tokens"] = s.CachedTokens()
	}
	w.mu.Lock()
	out["warming"], out["warmed_tokens"] = w.warmStop != nil, w.warmed
	if w.warmStop != nil {
		out["cached_tokens"] = 0 // the warm-up's own tokens, forgotten when it ends
	}
	w.mu.Unlock()
	return out
}
