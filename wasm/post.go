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

// yielder lets the JS event loop run now and then during a long computation, so that a
// cancel message can arrive: Go under js/wasm is single-threaded and only returns to the
// event loop when every goroutine is blocked.
type yielder struct{ last time.Time }

func (y *yielder) maybe() {
	if time.Since(y.last) > 25*time.Millisecond {
		time.Sleep(time.Millisecond)
		y.last = time.Now()
	}
}
