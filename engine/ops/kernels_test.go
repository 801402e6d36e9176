package ops

import (
	"math/rand/v2"
	"testing"

	"hearth/engine/quant"
)

// TestKernelsHook checks that MulActs hands each row range to a registered kernel, and
// falls back to the Go loop for the ranges the kernel refuses.
func TestKernelsHook(t *testing.T) {
	const rows, cols, n = 40, 64, 3
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, rows*cols)
	x := make([]float32, n*cols)
	for i := range w {
		w[i] = rng.Float32()*2 - 1
	}
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	data := make([]byte, rows*34*cols/32)
	for r := 0; r < rows; r++ {
		quant.QuantizeActivationsInto(quant.Q8_0, w[r*cols:(r+1)*cols], data[r*34*cols/32:])
	}
	m, err := NewMatrix("w", quant.Q8_0, rows, cols, data)
	if err != nil {
		t.Fatal(err)
	}
	if m.RowBytes() != 34*cols/32 {
		t.Fatalf("RowBytes = %d, want %d", m.RowBytes(), 34*cols/32)
	}
	a, err := QuantizeActs(quant.Q8_0, x, n, cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, n*rows)
	m.MulActs(a, want)

	saved := Kernels
	defer func() { Kernels = saved }()
	for _, accept := range []bool{true, false} {
		calls := 0
		Kernels = map[quant.Type]RowsKernel{quant.Q8_0: func(m *Matrix, a *Acts, y []float32, lo, hi int) bool {
			calls++
			if !accept {
				return false
			}
			for k := 0; k < a.N; k++ {
				for r := lo; r < hi; r++ {
					y[k*m.Rows+r] = -1
				}
			}
			return true
		}}
		got := make([]float32, n*rows)
		m.MulActs(a, got)
		if calls == 0 {
			t.Fatal("kernel never called")
		}
		for i, v := range got {
			if accept && v != -1 {
				t.Fatalf("accepting kernel: y[%d] = %v, want the kernel's -1", i, v)
			}
			if !accept && v != want[i] {
				t.Fatalf("refusing kernel: y[%d] = %v, want the Go value %v", i, v, want[i])
			}
		}
	}
}
