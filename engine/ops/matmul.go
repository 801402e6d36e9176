package ops

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"hearth/engine/quant"
)

// Matrix is a weight matrix of Rows rows of Cols elements, stored row after row in its
// GGML type: a GGUF tensor with dims (Cols, Rows).
type Matrix struct {
	Name     string
	Type     quant.Type
	Rows     int
	Cols     int
	Data     []byte
	rowBytes int
	traits   *quant.Traits
}

// NewMatrix checks that data holds rows×cols elements of type t.
func NewMatrix(name string, t quant.Type, rows, cols int, data []byte) (*Matrix, error) {
	tr, ok := t.Traits()
	if !ok || tr.VecDot == nil {
		return nil, fmt.Errorf("%s: tensor type %s cannot be multiplied (supported: %s)", name, t, quant.SupportedNames())
	}
	rb, err := quant.RowBytes(t, int64(cols))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) != rb*int64(rows) {
		return nil, fmt.Errorf("%s: %d bytes, want %d rows × %d bytes", name, len(data), rows, rb)
	}
	if _, ok := tr.VecDotType.Traits(); !ok {
		return nil, fmt.Errorf("%s: activation type %s of %s is not available", name, tr.VecDotType, t)
	}
	return &Matrix{Name: name, Type: t, Rows: rows, Cols: cols, Data: data, rowBytes: int(rb), traits: tr}, nil
}

// PreferredLayouts maps a file's weight type to the layout the fast kernels multiply
// faster (quant.Relayout converts between them): the browser build sets Q5_0 → Q5_0x2.
// Empty natively. Set it before models load.
var PreferredLayouts = map[quant.Type]quant.Type{}

// UsePreferredLayout converts m's rows in place to PreferredLayouts[m.Type] when there is
// one and the rows can take it (whole blocks of it, the same bytes a row, what else the
// layout asks: quant.Relayout changes nothing when they cannot); otherwise m stays as it
// is, which is always correct, only slower. The data must be m's alone: it is rewritten.
// It reports whether m changed.
func (m *Matrix) UsePreferredLayout() bool {
	to, ok := PreferredLayouts[m.Type]
	if !ok {
		return false
	}
	tr, ok := to.Traits()
	if rb, err := quant.RowBytes(to, int64(m.Cols)); !ok || err != nil || int(rb) != m.rowBytes {
		return false
	}
	if quant.Relayout(m.Type, to, m.Data, m.Cols) != nil {
		return false
	}
	m.Type, m.traits = to, tr
	return true
}

// ActType is the type activations are converted to before multiplying by m.
func (m *Matrix) ActType() quant.Type { return m.traits.VecDotType }

// Row returns row r dequantized into dst (Cols,).
func (m *Matrix) Row(r int, dst []float32) {
	m.traits.Dequantize(m.Data[r*m.rowBytes:(r+1)*m.rowBytes], dst[:m.Cols])
}

// Acts are activation rows converted to one vec_dot type, ready to be multiplied.
type Acts struct {
	Type     quant.Type
	N        int // rows (tokens)
	Cols     int
	RowBytes int
	Data     []byte
	// Version changes with every QuantizeActs into this Acts (a conversion can be reused
	// by a kernel's own layout while it is unchanged, and the browser's Q8_0 quantizer
	// makes that layout as it quantizes): code that writes Data otherwise must change it.
	Version uint64
}

var actsVersion atomic.Uint64

// QuantizeActs converts x (n, cols) row-major into the activation type t, reusing buf.
func QuantizeActs(t quant.Type, x []float32, n, cols int, buf *Acts) (*Acts, error) {
	rb, err := quant.RowBytes(t, int64(cols))
	if err != nil {
		return nil, err
	}
	tr, _ := t.Traits()
	if tr.Quantize == nil {
		return nil, fmt.Errorf("no quantizer for activation type %s", t)
	}
	if buf == nil {
		buf = &Acts{}
	}
	need := int(rb) * n
	if cap(buf.Data) < need {
		GoCode()() // queued products may still read the old buffer
		buf.Data = make([]byte, need)
	}
	buf.Type, buf.N, buf.Cols, buf.RowBytes, buf.Data = t, n, cols, int(rb), buf.Data[:need]
	buf.Version = actsVersion.Add(1)
	if whole := ActsQuantizers[t]; whole != nil && whole(x[:n*cols], buf) {
		return buf, nil
	}
	defer GoCode()()
	for i := 0; i < n; i++ {
		tr.Quantize(x[i*cols:(i+1)*cols], buf.Data[i*int(rb):(i+1)*int(rb)])
	}
	return buf, nil
}

// MulActs computes W (Rows,Cols) @ X^T for every activation row:
// acts (N, Cols) -> y (N, Rows), y[n][r] = dot(W[r], acts[n]).
// Rows are split across goroutines; each weight row is read once for all N tokens.
func (m *Matrix) MulActs(a *Acts, y []float32) {
	if a.Type != m.traits.VecDotType || a.Cols != m.Cols {
		panic(fmt.Sprintf("ops: %s: activations %s×%d, want %s×%d", m.Name, a.Type, a.Cols, m.traits.VecDotType, m.Cols))
	}
	kernel := Kernels[m.Type]
	if serial(m.Rows, mulGrain) {
		// one range, as ParallelFor would run it, without a closure on the heap: a decode
		// step makes ~200 products (in the browser, always this way; its kernels split the
		// rows across the worker's threads themselves)
		m.mulRows(kernel, a, y, 0, m.Rows)
		return
	}
	ParallelFor(m.Rows, mulGrain, func(lo, hi int) { m.mulRows(kernel, a, y, lo, hi) })
}

// mulGrain is the fewest rows of a product ParallelFor gives a goroutine.
const mulGrain = 16

// mulRows is MulActs for rows [lo, hi): the fast kernel when there is one and it takes
// them, else the Go dot products.
func (m *Matrix) mulRows(kernel RowsKernel, a *Acts, y []float32, lo, hi int) {
	if kernel != nil && kernel(m, a, y, lo, hi) {
		return
	}
	defer GoCode()()
	dot := m.traits.VecDot
	for r := lo; r < hi; r++ {
		w := m.Data[r*m.rowBytes : (r+1)*m.rowBytes]
		for n := 0; n < a.N; n++ {
			y[n*m.Rows+r] = dot(m.Cols, w, a.Data[n*a.RowBytes:(n+1)*a.RowBytes])
		}
	}
}

// MulVec is the single-token product: W (Rows,Cols) @ x (Cols,) -> y (Rows,), with buf
// reused for the converted activations.
func (m *Matrix) MulVec(x, y []float32, buf *Acts) *Acts {
	a, err := QuantizeActs(m.traits.VecDotType, x, 1, m.Cols, buf)
	if err != nil {
		panic(err) // NewMatrix checked the activation type
	}
	m.MulActs(a, y)
	return a
}

// Threads is the number of goroutines ParallelFor uses (natively the CPU count; 1 under
// js/wasm, where goroutines do not run in parallel).
var Threads = runtime.GOMAXPROCS(0)

// ParallelFor calls body on disjoint [lo,hi) ranges covering [0,n), in parallel when n is
// at least 2*grain and Threads > 1.
func ParallelFor(n, grain int, body func(lo, hi int)) {
	if serial(n, grain) {
		body(0, n)
		return
	}
	t := min(Threads, n/grain)
	var wg sync.WaitGroup
	chunk := (n + t - 1) / t
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}

// serial reports whether ParallelFor(n, grain, body) runs body(0, n) on the calling
// goroutine: a hot caller then calls its code directly, without a closure on the heap.
func serial(n, grain int) bool { return min(Threads, n/grain) <= 1 }

// MulFloat is the exact-math reference product: each weight row is dequantized to float32
// and multiplied in float64 with the unconverted activations.
// W (Rows,Cols) @ x (n, Cols) -> y (n, Rows).
func (m *Matrix) MulFloat(x []float32, n int, y []float32) {
	ParallelFor(m.Rows, 16, func(lo, hi int) {
		row := make([]float32, m.Cols)
		for r := lo; r < hi; r++ {
			m.Row(r, row)
			for t := 0; t < n; t++ {
				xt := x[t*m.Cols : (t+1)*m.Cols]
				var d float64
				for i, w := range row {
					d += float64(w) * float64(xt[i])
				}
				y[t*m.Rows+r] = float32(d)
			}
		}
	})
}
