//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"hearth/engine"
	"hearth/wasm/protocol"
)

// logits answers a logits request: the logits of the last of its tokens, computed by the
// shipped numerics (the kernels this worker runs, an F16 KV cache) in a state of their own,
// so the session's cache is untouched. The browser tests compare them with the native
// engine and llama.cpp (wasm/browsertest TestBrowserShippedLogits).
func logits(s *engine.Session, id any, msg js.Value) {
	var req protocol.Logits
	if err := decode(msg, &req); err != nil {
		fail(id, err)
		return
	}
	tokens, err := req.TokenIDs()
	if err != nil {
		fail(id, err)
		return
	}
	if len(tokens) > s.Model.Config.NCtxTrain {
		fail(id, errors.New("more tokens than the model's context"))
		return
	}
	st, err := s.Model.NewState(len(tokens))
	if err != nil {
		fail(id, err)
		return
	}
	out, err := st.Forward(tokens, false)
	if err != nil {
		fail(id, err)
		return
	}
	post(map[string]any{"type": "logits", "id": id, "logits": out})
}
