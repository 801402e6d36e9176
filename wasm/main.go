//go:build js && wasm

// Command wasm is Hearth's engine inside a Web Worker: it receives requests through the
// global function hearthHandle (called by web/worker/worker.js for every message from the
// page) and answers with postMessage. The protocol is documented in README.md.
package main

import (
	"runtime/debug"
	"syscall/js"

	"hearth/wasm/simd"
)

// gcPercent is the engine's GOGC.
const gcPercent = 10

func main() {
	// wasm32 memory ends at 4 GiB: make the collector work harder before it gets there
	// rather than fail to grow.
	debug.SetMemoryLimit(4<<30 - 256<<20)
	// A wasm Memory never shrinks: whatever the heap grows to stays resident. With the
	// default GOGC=100 the heap may hold as much garbage as live data before a collection,
	// and the live data is mostly the model file (one buffer without pointers, which costs
	// the collector nothing to mark), so the garbage allowed would be as big as the model.
	// At 10 it is a tenth of it, for a collection every few hundred tokens.
	debug.SetGCPercent(gcPercent)
	simdOn := js.Global().Get("hearthKernels").Truthy()
	if simdOn {
		simd.Relaxed = js.Global().Get("hearthRelaxed").Truthy()
		simd.Install()
	}
	// ?warmup=0 (worker.js sets hearthWarmUp false): no warm-up after a load
	w := newWorker(js.Global().Get("hearthWarmUp").Type() != js.TypeBoolean || js.Global().Get("hearthWarmUp").Bool())
	js.Global().Set("hearthHandle", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) == 1 {
			w.handle(args[0])
		}
		return nil
	}))
	threads := 1
	if t := js.Global().Get("hearthThreads"); t.Type() == js.TypeNumber {
		threads = t.Int()
	}
	post(map[string]any{"type": "ready", "simd": simdOn, "relaxed": simdOn && simd.Relaxed, "threads": threads})
	select {}
}
