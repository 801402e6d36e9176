//go:build js && wasm

package main

import "syscall/js"

// uint8View returns a Uint8Array over an ArrayBuffer or over the bytes of a typed array or
// DataView, without copying.
func uint8View(v js.Value) (js.Value, bool) {
	if v.Type() != js.TypeObject {
		return js.Undefined(), false
	}
	u8 := js.Global().Get("Uint8Array")
	if v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		return u8.New(v), true
	}
	if js.Global().Get("ArrayBuffer").Call("isView", v).Bool() {
		return u8.New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength")), true
	}
	return js.Undefined(), false
}
