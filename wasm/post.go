//go:build js && wasm

package main

import (
	"encoding/json"
	"sync"
	"syscall/js"
	"time"
)

// post sends one message to the page. Values go through JSON so structs (stats, info)
// arrive as plain objects.
func post(msg map[string]any) {
	b, err := json.Marshal(msg)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"type": "error", "id": msg["id"], "message": "internal: " + err.Error()})
	}
	js.Global().Call("postMessage", js.Global().Get("JSON").Call("parse", string(b)))
}

// fail answers a request with an error event.
func fail(id any, err error) {
	post(map[string]any{"type": "error", "id": id, "message": err.Error()})
}

// lastBreath is when the event loop last had a turn.
var lastBreath time.Time

// breathEvery is how long the engine computes between two turns of the event loop. A turn
// costs ~0.2 ms (a MessageChannel round trip; Chromium on a busy 2-core machine), about 1%
// of the time at 15 ms.
const breathEvery = 15 * time.Millisecond

// breathe lets the JS event loop run for a moment when a computation has held it for more
// than breathEvery, so that messages (cancel, info) are delivered: Go under js/wasm is
// single-threaded and returns to the event loop only when every goroutine is blocked. The
// session calls it four times a layer (engine.Session.Yield), in prefill and decode alike,
// so a cancel lands within breathEvery plus the longest stretch between two of those
// points (a 128-token chunk's gate/up product, half a layer: ~20 ms for SmolLM2-135M,
// whose chunk takes over a second).
//
// It blocks on a message to itself through a MessageChannel rather than time.Sleep: a
// setTimeout set from inside a timer callback, as each sleep after the first is, is
// clamped to 4 ms once nested five deep — 4 ms every 25 ms, a sixth of the decode time. A
// posted message is a task like the page's own messages, queued after any that are
// already waiting, and runs at once.
func breathe() {
	if time.Since(lastBreath) > breathEvery {
		yieldOnce.Do(startYield)
		yieldPort.Call("postMessage", nil)
		<-yielded
		lastBreath = time.Now()
	}
}

var (
	yieldOnce sync.Once
	yieldPort js.Value
	yielded   = make(chan struct{}, 1)
)

// startYield makes the MessageChannel breathe posts to: its other end's onmessage wakes
// the waiting goroutine.
func startYield() {
	ch := js.Global().Get("MessageChannel").New()
	ch.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case yielded <- struct{}{}:
		default:
		}
		return nil
	}))
	yieldPort = ch.Get("port2")
}
