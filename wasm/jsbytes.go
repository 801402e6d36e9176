//go:build js && wasm

package main

import (
	"fmt"
	"io"
	"syscall/js"
)

// jsBytes reads a JS Uint8Array without copying all of it into Go memory: the GGUF header
// is parsed through it (gguf.Open reads 64 KiB windows) so a model that cannot fit is
// refused before its weights are copied.
type jsBytes struct {
	view js.Value // Uint8Array
	size int64
}

// ReadAt copies len(p) bytes at off, as io.ReaderAt.
func (b jsBytes) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	if off >= b.size {
		if len(p) == 0 && off == b.size {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := min(int64(len(p)), b.size-off)
	js.CopyBytesToGo(p[:n], b.view.Call("subarray", off, off+n))
	if int(n) < len(p) {
		return int(n), io.EOF
	}
	return int(n), nil
}

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
