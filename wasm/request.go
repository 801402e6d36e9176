//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"math"
	"syscall/js"

	"hearth/wasm/protocol"
)

// A request's fields arrive as JS values from any page script: every reader here checks
// the type it needs and answers a readable error instead of panicking in syscall/js.

// requestID returns the request's numeric id, or nil (posted as null) when it has none.
func requestID(msg js.Value) any {
	if msg.Type() != js.TypeObject {
		return nil
	}
	v := msg.Get("id")
	if v.Type() != js.TypeNumber {
		return nil
	}
	return v.Float()
}

// str reads an optional string field ("" when absent).
func str(o js.Value, key string) (string, error) {
	switch v := o.Get(key); v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return "", nil
	case js.TypeString:
		return v.String(), nil
	default:
		return "", fmt.Errorf("%s must be a string, not %s", key, v.Type())
	}
}

// num reads an optional number field; ok is false when it is absent.
func num(o js.Value, key string) (v float64, ok bool, err error) {
	switch x := o.Get(key); x.Type() {
	case js.TypeUndefined, js.TypeNull:
		return 0, false, nil
	case js.TypeNumber:
		f := x.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false, fmt.Errorf("%s must be a finite number", key)
		}
		return f, true, nil
	default:
		return 0, false, fmt.Errorf("%s must be a number, not %s", key, x.Type())
	}
}

// integer reads an optional whole-number field within [lo, hi].
func integer(o js.Value, key string, lo, hi float64) (int64, bool, error) {
	f, ok, err := num(o, key)
	if !ok || err != nil {
		return 0, ok, err
	}
	if f != math.Trunc(f) || f < lo || f > hi {
		return 0, false, fmt.Errorf("%s must be a whole number in [%.0f, %.0f], not %v", key, lo, hi, f)
	}
	return int64(f), true, nil
}

// decode reads a request into one of the protocol's structs through its JSON form.
func decode(msg js.Value, v any) error {
	text := js.Global().Get("JSON").Call("stringify", msg)
	if text.Type() != js.TypeString {
		return errors.New("a request must be an object")
	}
	return protocol.Decode([]byte(text.String()), v)
}
