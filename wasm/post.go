//go:build js && wasm

package main

import (
	"encoding/json"
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

// breathe lets the JS event loop run for a moment when a computation has held it for more
// than 25 ms, so that messages (cancel, info) are delivered: Go under js/wasm is
// single-threaded and returns to the event loop only when every goroutine is blocked.
func breathe() {
	if time.Since(lastBreath) > 25*time.Millisecond {
		time.Sleep(time.Millisecond)
		lastBreath = time.Now()
	}
}
