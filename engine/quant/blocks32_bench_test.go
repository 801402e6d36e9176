package quant

import "testing"

// BenchmarkVecDot/<type> times the table's VecDot of the float and 32-element block types
// on a 4096-element row; the bytes per second are those of the weight row.
func BenchmarkVecDot(b *testing.B) {
	for _, k := range b32Kernels {
		b.Run(k.t.String(), func(b *testing.B) { b32BenchDot(b, k.t, traits[k.t].VecDot) })
	}
}

// BenchmarkVecDot32Ref/<type> times the scalar references, for comparison.
func BenchmarkVecDot32Ref(b *testing.B) {
	for _, k := range b32Kernels {
		b.Run(k.t.String(), func(b *testing.B) { b32BenchDot(b, k.t, k.ref) })
	}
}

var b32Sink float32

func b32BenchDot(b *testing.B, wt Type, dot func(n int, w, a []byte) float32) {
	const n = 4096
	r := b32Rand(9)
	tr, _ := wt.Traits()
	w := b32RandomRow(wt, n, r)
	a := QuantizeActivations(tr.VecDotType, b32Gaussian(n, 1, r))
	b.SetBytes(int64(len(w)))
	var s float32
	for b.Loop() {
		s += dot(n, w, a)
	}
	b32Sink = s
}
