package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"hearth/engine/quant"
)

// TestUsePreferredLayout checks that a matrix takes the kernels' preferred layout in place
// where its rows can take it (Q5_0 rows of 576 elements become Q5_0x2) and keeps its own,
// bytes untouched, where they cannot (96 elements: three blocks; an Inf scale), and that
// products and rows are unchanged bit for bit either way.
func TestUsePreferredLayout(t *testing.T) {
	PreferredLayouts[quant.Q5_0] = quant.Q5_0x2
	defer delete(PreferredLayouts, quant.Q5_0)
	rng := rand.New(rand.NewPCG(3, 5))
	for _, c := range []struct {
		cols int
		inf  bool
		want quant.Type
	}{{576, false, quant.Q5_0x2}, {96, false, quant.Q5_0}, {576, true, quant.Q5_0}} {
		const rows, n = 5, 2
		w := make([]float32, rows*c.cols)
		for i := range w {
			w[i] = rng.Float32()*2 - 1
		}
		data := make([]byte, rows*c.cols/32*22)
		tr, _ := quant.Q5_0.Traits()
		tr.Quantize(w, data)
		if c.inf {
			data[len(data)-22], data[len(data)-21] = 0x00, 0x7c // the last block's d = +Inf
		}
		orig := bytes.Clone(data)
		ref, err := NewMatrix("ref", quant.Q5_0, rows, c.cols, orig)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewMatrix("w", quant.Q5_0, rows, c.cols, data)
		if err != nil {
			t.Fatal(err)
		}
		if changed := m.UsePreferredLayout(); changed != (c.want != quant.Q5_0) {
			t.Fatalf("cols %d inf %v: UsePreferredLayout reported %v", c.cols, c.inf, changed)
		}
		if m.Type != c.want || m.ActType() != quant.Q8_0 || m.RowBytes() != ref.RowBytes() {
			t.Fatalf("cols %d: %s (acts %s, %d bytes a row), want %s", c.cols, m.Type, m.ActType(), m.RowBytes(), c.want)
		}
		if changed := !bytes.Equal(data, orig); changed != (c.want != quant.Q5_0) {
			t.Fatalf("cols %d: bytes changed %v", c.cols, changed)
		}
		x := make([]float32, n*c.cols)
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		a, err := QuantizeActs(quant.Q8_0, x, n, c.cols, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, want := make([]float32, n*rows), make([]float32, n*rows)
		m.MulActs(a, got)
		ref.MulActs(a, want)
		for i := range want {
			if got[i] != want[i] && !(c.inf && got[i] != got[i] && want[i] != want[i]) { // NaN == NaN here
				t.Fatalf("cols %d: product %d: %v, Q5_0 %v", c.cols, i, got[i], want[i])
			}
		}
		r1, r2 := make([]float32, c.cols), make([]float32, c.cols)
		m.Row(rows-1, r1)
		ref.Row(rows-1, r2)
		for i := range r1 {
			if r1[i] != r2[i] && !(c.inf && r1[i] != r1[i] && r2[i] != r2[i]) {
				t.Fatalf("cols %d: row element %d: %v, Q5_0 %v", c.cols, i, r1[i], r2[i])
			}
		}
	}
}
