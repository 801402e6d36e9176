//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"syscall/js"

	"hearth/engine/gguf"
	"hearth/wasm/protocol"
)

// A streamed load: the page announces the file's size ({type: "load", size}), then sends
// its bytes as they arrive from the network or the cache ({type: "loadData", offset,
// data}, any order, any size, a range sent again overwriting what came before), then
// {type: "loadEnd"} once every shard is verified (or {type: "loadEnd", abort: true}). The
// worker makes room for the whole file once, when the load starts, and copies each piece
// into it as its message is delivered, then sends the piece's ArrayBuffer back ({type:
// "stored", bytes: the total copied, data: the buffer}, transferred) for the page to read
// the next bytes into. So the model is held once, the page holds only the few buffers it
// reads into, and no ArrayBuffer is made per piece: in Chromium each one (a fetch chunk, a
// transferred buffer the worker received) keeps its memory until a garbage collection,
// which V8 starts only after ~100 MB of them — even when detached.

// stream is a streamed load in progress. handle (on the event loop) and the load goroutine
// share it under worker.mu.
type stream struct {
	id      any
	size    int64
	arena   []byte     // the model file; nil until the load goroutine has made room
	queue   []js.Value // loadData messages that came before the arena
	have    ranges     // the byte ranges copied so far
	stored  int64      // bytes copied (counting a range sent again twice)
	ended   bool       // loadEnd came
	aborted string     // why the load stops early ("" while it goes on)
	wake    chan struct{}
}

func newStream(id any, size int64) *stream {
	return &stream{id: id, size: size, wake: make(chan struct{}, 1)}
}

func (st *stream) signal() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// stop ends the stream early with reason (the first reason wins). Caller holds worker.mu.
func (st *stream) stop(reason string) {
	if st.aborted == "" {
		st.aborted = reason
	}
	st.arena = nil // nothing more is copied
	st.queue = nil
	st.signal()
}

// beginStream registers a streamed load request; the load goroutine picks it up.
func (w *worker) beginStream(id any, msg js.Value) error {
	var req protocol.Load
	if err := decode(msg, &req); err != nil {
		return err
	}
	size, _, err := req.Sizes()
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stream != nil {
		w.stream.stop("the load was replaced by a newer one")
	}
	w.stream = newStream(id, size)
	return nil
}

// stopStream stops the streamed load in progress, if any (an unload or a load of
// buffers came).
func (w *worker) stopStream(reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stream != nil {
		w.stream.stop(reason)
		w.stream = nil
	}
}

// streamData handles a loadData message on the event loop: copied now when the arena
// exists, queued otherwise. Messages for a load that is not the current one are dropped.
func (w *worker) streamData(id any, msg js.Value) {
	w.mu.Lock()
	st := w.stream
	if st == nil || st.id != id || st.aborted != "" {
		w.mu.Unlock()
		return
	}
	if st.arena == nil {
		st.queue = append(st.queue, msg)
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	w.store(st, msg)
}

// streamEnd handles loadEnd.
func (w *worker) streamEnd(id any, msg js.Value) {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.stream
	if st == nil || st.id != id {
		return
	}
	if msg.Get("abort").Truthy() {
		st.stop("the load was stopped")
		return
	}
	st.ended = true
	st.signal()
}

// store copies one loadData message into the arena and sends its buffer back. A bad
// message stops the load.
func (w *worker) store(st *stream, msg js.Value) {
	data := msg.Get("data")
	off, ok, err := integer(msg, "offset", 0, 1<<53)
	if err == nil && !ok {
		err = errors.New("offset is missing")
	}
	view, isView := uint8View(data)
	if err == nil && !isView {
		err = errors.New("data must be an ArrayBuffer or a typed array")
	}
	var n int64
	if err == nil {
		n = int64(view.Length())
		if off+n > st.size {
			err = fmt.Errorf("%d bytes at offset %d run past the end of the %d-byte file", n, off, st.size)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if st.arena == nil { // stopped meanwhile
		return
	}
	if err != nil {
		st.stop("loadData: " + err.Error())
		return
	}
	js.CopyBytesToGo(st.arena[off:off+n], view)
	st.have.add(off, off+n)
	st.stored += n
	ack := js.Global().Get("Object").New()
	ack.Set("type", "stored")
	ack.Set("id", st.id)
	ack.Set("bytes", st.stored)
	if buf := view.Get("buffer"); buf.InstanceOf(js.Global().Get("ArrayBuffer")) {
		ack.Set("data", buf)
		js.Global().Call("postMessage", ack, []any{buf})
		return
	}
	js.Global().Call("postMessage", ack) // a SharedArrayBuffer is not transferred
}

// loadStream runs a streamed load (the load goroutine): it drops the current model, makes
// room for the file, copies what arrives until loadEnd, then opens the model in place. A
// file bigger than the memory limit is refused before the current model is dropped; the
// header, architecture and KV cache are checked once all the bytes are there (a load that
// fails then, or is stopped, leaves no model loaded).
func (w *worker) loadStream(id any, msg js.Value) {
	w.mu.Lock()
	st := w.stream
	if st == nil || st.id != id {
		w.mu.Unlock()
		fail(id, errors.New("the load was replaced by a newer one"))
		return
	}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		if w.stream == st {
			w.stream = nil
		}
		st.stop("done")
		w.mu.Unlock()
	}()
	var req protocol.Load
	if err := decode(msg, &req); err != nil {
		fail(id, err)
		return
	}
	_, contextSize, err := req.Sizes()
	if err != nil {
		fail(id, err)
		return
	}
	limit := int64(wasmMemoryLimit)
	if st.size > limit {
		fail(id, fmt.Errorf("the model file is %.2f GiB but the engine's memory holds at most %.2f GiB; choose a smaller model or quantization", gib(st.size), gib(limit)))
		return
	}

	w.setSession(nil, nil)
	runtime.GC()
	arena := make([]byte, st.size)
	tuneGC(st.size) // the file is most of what will stay: the load's garbage is collected as it goes
	w.mu.Lock()
	if st.aborted == "" {
		st.arena = arena
	}
	queued := st.queue
	st.queue = nil
	w.mu.Unlock()
	for _, m := range queued {
		w.store(st, m)
	}
	for {
		w.mu.Lock()
		ended, aborted := st.ended, st.aborted
		w.mu.Unlock()
		if aborted != "" {
			fail(id, errors.New(aborted))
			return
		}
		if ended {
			break
		}
		<-st.wake
	}
	if missing := st.have.missing(st.size); missing != "" {
		fail(id, fmt.Errorf("the load ended without bytes %s of the %d-byte file", missing, st.size))
		return
	}
	w.mu.Lock()
	st.arena = nil // the model owns it now
	w.mu.Unlock()
	w.open(id, gguf.Bytes(arena), st.size, contextSize, limit)
}

// ranges is a set of byte ranges [lo, hi), sorted and merged.
type ranges []struct{ lo, hi int64 }

func (r *ranges) add(lo, hi int64) {
	if lo >= hi {
		return
	}
	s := *r
	i := sort.Search(len(s), func(i int) bool { return s[i].hi >= lo })
	j := i
	for j < len(s) && s[j].lo <= hi {
		lo, hi = min(lo, s[j].lo), max(hi, s[j].hi)
		j++
	}
	s = append(s[:i], append(ranges{{lo, hi}}, s[j:]...)...)
	*r = s
}

// missing describes the first gap in [0, size), or "" when the ranges cover it.
func (r ranges) missing(size int64) string {
	at := int64(0)
	for _, x := range r {
		if x.lo > at {
			return fmt.Sprintf("[%d, %d)", at, x.lo)
		}
		at = max(at, x.hi)
	}
	if at < size {
		return fmt.Sprintf("[%d, %d)", at, size)
	}
	return ""
}

func gib(n int64) float64 { return float64(n) / (1 << 30) }
