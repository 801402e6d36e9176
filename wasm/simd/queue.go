//go:build js && wasm

package simd

import (
	"syscall/js"

	"hearth/engine/ops"
)

// The host's deferred queue (ops.QueueBegin): between queue_begin and queue_end the
// worker records kernel calls and its threads run them in order while Go goes on;
// queue_end runs what is left and returns 1, or 0 when a queued call's check failed
// (scale_f32 reported an overflow, or attn_heads_f16 flagged a pair).
//
//go:wasmimport hearth_simd queue_begin
func queueBeginHost()

//go:wasmimport hearth_simd queue_end
func queueEndHost() int32

// installQueue sets ops.QueueBegin/QueueEnd when the host offers its queue (the global
// hearthQueue: true, or "all" to queue prompts too, ops.QueueAll): the worker does when it
// has helper threads, the Node test host when asked to.
func installQueue() {
	q := js.Global().Get("hearthQueue")
	if !q.Truthy() {
		return
	}
	ops.QueueBegin, ops.QueueEnd = queueBegin, queueEnd
	ops.QueueAll = q.Type() == js.TypeString && q.String() == "all"
}

func queueBegin() {
	attnParamsUsed = 0 // nothing queued reads them any more
	queueBeginHost()
}

func queueEnd() bool {
	ok := queueEndHost() != 0
	attnParamsUsed = 0
	return ok
}
