package quant

import "fmt"

// QuantizeActivations converts the activation row x to type t — F32, F16, BF16, Q8_0,
// Q8_1 or Q8_K, the VecDotType of some weight type — and returns the new row of
// RowBytes(t, len(x)) bytes. F32 is x as little-endian bytes.
//
// It panics when t has no quantizer or len(x) is not a whole number of t's blocks: both
// are mistakes of the caller, which knows its shapes (check with RowBytes first).
func QuantizeActivations(t Type, x []float32) []byte {
	n := actRowBytes("QuantizeActivations", t, len(x))
	dst := make([]byte, n)
	traits[t].Quantize(x, dst)
	return dst
}

// QuantizeActivationsInto is QuantizeActivations writing into dst, which must hold at least
// RowBytes(t, len(x)) bytes; the bytes after those are left alone.
func QuantizeActivationsInto(t Type, x []float32, dst []byte) {
	n := actRowBytes("QuantizeActivationsInto", t, len(x))
	if len(dst) < n {
		panic(fmt.Sprintf("quant: QuantizeActivationsInto: %d elements of %s need %d bytes, dst has %d", len(x), t, n, len(dst)))
	}
	traits[t].Quantize(x, dst[:n])
}

// actRowBytes checks that t can be quantized to and returns the size of n elements of it.
func actRowBytes(fn string, t Type, n int) int {
	tr, ok := t.Traits()
	if !ok || tr.Quantize == nil {
		panic(fmt.Sprintf("quant: %s: no quantizer for type %s", fn, t))
	}
	rb, err := RowBytes(t, int64(n))
	if err != nil {
		panic(fmt.Sprintf("quant: %s: %v", fn, err))
	}
	return int(rb)
}
