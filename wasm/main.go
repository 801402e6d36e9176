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

// The collector's pace. A wasm Memory never shrinks: whatever the heap grows to stays
// resident. The live data is mostly the model file (one buffer without pointers, which
// costs the collector nothing to mark), so Go's default GOGC=100 would let the heap hold as
// much garbage as the model before a collection, and even GOGC=10 a tenth of it (~17 MiB
// for SmolLM2-135M Q8_0, more than the page's margin over wllama's renderer). With a model
// loaded, tuneGC paces it by bytes instead: about gcSlack of garbage, whatever the model's
// size. A collection marks only the tokenizer's and the session's pointers (~10 ms for
// SmolLM2-135M); a decode step's forward pass makes no garbage (model.TestDecodeStepAllocs),
// the messages to the page a little (800 tokens grew the Memory by 1.3 MiB).
const (
	gcSlack       = 4 << 20
	gcPercentIdle = 10 // GOGC with no model loaded
)

// tuneGC sets GOGC for live bytes of live data (0: no model): a collection once about
// gcSlack of garbage has accumulated, within GOGC 1 to 100.
func tuneGC(live int64) {
	p := int64(gcPercentIdle)
	if live > 0 {
		p = min(100, max(1, (gcSlack*100+live-1)/live))
	}
	debug.SetGCPercent(int(p))
}

func main() {
	// wasm32 memory ends at 4 GiB: make the collector work harder before it gets there
	// rather than fail to grow.
	debug.SetMemoryLimit(4<<30 - 256<<20)
	tuneGC(0)
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
