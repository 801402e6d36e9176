//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"
	"time"

	"hearth/wasm/speedbench"
)

// estimate answers {type: "estimate", fileType, seconds}: how fast this device, at the
// worker's thread count, multiplies by that file type's weights (wasm/speedbench), for the
// picker's speed estimate. It runs in the queue like a generation (never alongside one)
// and lets the event loop breathe between layers.
func estimate(id any, msg js.Value) {
	ft, err := str(msg, "fileType")
	if err == nil && ft == "" {
		err = errors.New("estimate: fileType is required (a GGUF file type such as Q8_0 or Q4_K_M)")
	}
	if err != nil {
		fail(id, err)
		return
	}
	secs, ok, err := num(msg, "seconds")
	if err != nil {
		fail(id, err)
		return
	}
	if !ok || secs <= 0 || secs > 10 {
		secs = 1
	}
	res, err := speedbench.Run(ft, time.Duration(secs*float64(time.Second)), breathe)
	if err != nil {
		fail(id, err)
		return
	}
	threads := 1
	if t := js.Global().Get("hearthThreads"); t.Type() == js.TypeNumber {
		threads = t.Int()
	}
	post(map[string]any{"type": "estimate", "id": id, "result": res, "threads": threads,
		"simd": js.Global().Get("hearthKernels").Truthy(), "relaxed": js.Global().Get("hearthRelaxed").Truthy()})
}
