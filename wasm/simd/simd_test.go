//go:build js && wasm

package simd

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"syscall/js"
	"testing"
	"unsafe"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// scaleFields are the byte offsets of the fp16 scales in one block of each weight type
// (Q8_K's f32 d is at offset 0 of its block).
var scaleFields = map[quant.Type][]int{
	quant.Q8_0:   {0},
	quant.Q4_0:   {0},
	quant.Q5_0:   {0},
	quant.Q5_0x2: {0, 2},
	quant.Q8_0x2: {0, 2},
	quant.Q4_0x2: {0, 2},
	quant.Q4_K:   {0, 2},
	quant.Q5_K:   {0, 2},
	quant.Q6_K:   {208},
}

// weights returns rows×n elements of type t: random quants; scales 1.0 when exact
// (every partial sum is then an integer well below 2^24, so float results are exact),
// else random in ±[2^-10, 2^-6]. F32/F16 are random floats in [-1,1).
func weights(t quant.Type, rows, n int, rng *rand.Rand, exact bool) []byte {
	tr, _ := t.Traits()
	rb, _ := quant.RowBytes(t, int64(n))
	b := make([]byte, int(rb)*rows)
	switch t {
	case quant.F32, quant.F16:
		x := make([]float32, n)
		for r := 0; r < rows; r++ {
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			quant.QuantizeActivationsInto(t, x, b[r*int(rb):])
		}
		return b
	}
	for i := range b {
		b[i] = byte(rng.Uint32())
		if (t == quant.Q8_0 || t == quant.Q8_0x2) && b[i] == 0x80 {
			b[i] = 0x81 // -128: llama.cpp's quantizer writes [-127, 127] (matmulQ8_0, relaxed)
		}
	}
	for blk := 0; blk < len(b)/tr.BlockBytes; blk++ {
		for _, off := range scaleFields[t] {
			h := quant.F32ToF16(1)
			if !exact {
				h = quant.F32ToF16(randScale(rng))
			}
			binary.LittleEndian.PutUint16(b[blk*tr.BlockBytes+off:], h)
		}
		if t == quant.Q6_K && exact {
			// int8 sub-block scales in [-16,16]: keeps 37-block sums below 2^23, where
			// float32 still holds every integer and the Go sum is itself exact.
			for j := 0; j < 16; j++ {
				b[blk*tr.BlockBytes+192+j] = byte(int8(rng.IntN(33) - 16))
			}
		}
	}
	return b
}

func randScale(rng *rand.Rand) float32 {
	s := float32(math.Exp2(-10 + 4*rng.Float64()))
	if rng.IntN(2) == 0 {
		s = -s
	}
	return s
}

// acts returns tokens activation rows of n elements quantized to t from random floats;
// when exact, every block scale is set to 1 (the quants and Q8_K's bsums stay consistent).
func acts(t quant.Type, tokens, n int, rng *rand.Rand, exact bool) *ops.Acts {
	x := make([]float32, tokens*n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	a, err := ops.QuantizeActs(t, x, tokens, n, nil)
	if err != nil {
		panic(err)
	}
	if exact {
		tr, _ := t.Traits()
		for blk := 0; blk < len(a.Data)/tr.BlockBytes; blk++ {
			p := a.Data[blk*tr.BlockBytes:]
			switch t {
			case quant.Q8_0:
				binary.LittleEndian.PutUint16(p, quant.F32ToF16(1))
			case quant.Q8_K:
				binary.LittleEndian.PutUint32(p, math.Float32bits(1))
			}
		}
		a.Version++ // new contents: the kernels' prepared copy of the rows is stale
	}
	return a
}

// absDot is Σ |w_i·a_i| over the dequantized rows: the scale of the rounding error.
func absDot(t, at quant.Type, n int, w, a []byte) float64 {
	tw, _ := t.Traits()
	ta, _ := at.Traits()
	x, y := make([]float32, n), make([]float32, n)
	tw.Dequantize(w, x)
	ta.Dequantize(a, y)
	var s float64
	for i := range x {
		s += math.Abs(float64(x[i]) * float64(y[i]))
	}
	return s
}

// TestCrossCheck compares every kernel with the Go vec_dot of engine/quant, row by row,
// at awkward lengths and row counts, over two row ranges and two tokens: exactly with
// unit scales (the integer sums must match), within 1e-5 of Σ|w·a| with random scales.
func TestCrossCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for _, typ := range Types() {
		tr, _ := typ.Traits()
		lengths := []int{1, 2, 3, 8, 18, 37} // blocks: every remainder mod 4
		if tr.BlockSize == 1 {
			lengths = []int{1, 3, 4, 15, 37, 301}
		}
		for _, blocks := range lengths {
			for _, rows := range []int{1, 7, 64} {
				for _, exact := range []bool{true, false} {
					if exact && tr.BlockSize == 1 {
						continue // float types: only the tolerance check applies
					}
					name := fmt.Sprintf("%s/n=%d/rows=%d/exact=%v", typ, blocks*tr.BlockSize, rows, exact)
					t.Run(name, func(t *testing.T) {
						crossCheck(t, typ, blocks*tr.BlockSize, rows, rng, exact)
					})
				}
			}
		}
	}
}

func crossCheck(t *testing.T, typ quant.Type, n, rows int, rng *rand.Rand, exact bool) {
	for _, tokens := range []int{1, 2, 6} { // the one-token kernel; the several-token one: single tokens, a group of 4 + 2
		crossCheckTokens(t, typ, n, rows, tokens, rng, exact)
	}
}

func crossCheckTokens(t *testing.T, typ quant.Type, n, rows, tokens int, rng *rand.Rand, exact bool) {
	tr, _ := typ.Traits()
	w := weights(typ, rows, n, rng, exact)
	m, err := ops.NewMatrix("w", typ, rows, n, w)
	if err != nil {
		t.Fatal(err)
	}
	a := acts(tr.VecDotType, tokens, n, rng, exact)
	y := make([]float32, tokens*rows)
	for i := range y {
		y[i] = float32(math.NaN())
	}
	k := Rows(typ)
	mid := rows / 2
	if mid > 0 && !k(m, a, y, 0, mid) {
		t.Fatal("kernel refused rows [0,mid)")
	}
	if !k(m, a, y, mid, rows) {
		t.Fatal("kernel refused rows [mid,rows)")
	}
	rb := m.RowBytes()
	for tok := 0; tok < tokens; tok++ {
		ar := a.Data[tok*a.RowBytes : (tok+1)*a.RowBytes]
		for r := 0; r < rows; r++ {
			wr := w[r*rb : (r+1)*rb]
			want := tr.VecDot(n, wr, ar)
			got := y[tok*rows+r]
			if exact {
				if got != want {
					t.Fatalf("token %d row %d: kernel %v, Go %v (unit scales: must be equal)", tok, r, got, want)
				}
				continue
			}
			tol := 1e-5 * (absDot(typ, tr.VecDotType, n, wr, ar) + math.Abs(float64(want)))
			if d := math.Abs(float64(got) - float64(want)); !(d <= tol) {
				t.Fatalf("token %d row %d: kernel %v, Go %v: |diff| %.3g > %.3g", tok, r, got, want, d, tol)
			}
		}
	}
}

// TestMatmulTiles checks the several-token kernels across tile boundaries (rows of 8704
// bytes: tiles of 30 rows for the kernels that tile) and row ranges that start and end
// inside tiles: every token's outputs equal that token alone through the same kernel, bit
// for bit (a token's result must not depend on its neighbours in the call), and, for the
// types whose several-token kernel is the one-token kernel looped, the one-token kernel's.
func TestMatmulTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	const rows, n = 100, 8192
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.Q5_0x2, quant.Q8_0x2, quant.Q4_0x2, quant.Q4_K, quant.Q5_K, quant.Q6_K} {
		tr, _ := typ.Traits()
		for _, tokens := range []int{1, 3, 4, 9} {
			m, err := ops.NewMatrix("w", typ, rows, n, weights(typ, rows, n, rng, false))
			if err != nil {
				t.Fatal(err)
			}
			a := acts(tr.VecDotType, tokens, n, rng, false)
			many := rowsWith(matvecs[typ], 1)
			got := make([]float32, tokens*rows)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			for _, r := range [][2]int{{0, 13}, {13, 71}, {71, rows}} {
				if !many(m, a, got, r[0], r[1]) {
					t.Fatalf("rows %v refused", r)
				}
			}
			for tok := 0; tok < tokens; tok++ {
				one := &ops.Acts{Type: a.Type, N: 1, Cols: a.Cols, RowBytes: a.RowBytes, Data: a.Data[tok*a.RowBytes : (tok+1)*a.RowBytes], Version: uint64(1e9 + tok)}
				alone := make([]float32, rows)
				if !many(m, one, alone, 0, rows) {
					t.Fatal("one token refused")
				}
				viaMatvec := make([]float32, rows)
				if !Rows(typ)(m, one, viaMatvec, 0, rows) {
					t.Fatal("one token refused")
				}
				for r := range alone {
					if got[tok*rows+r] != alone[r] {
						t.Fatalf("%s %d tokens: token %d row %d: %v, alone %v", typ, tokens, tok, r, got[tok*rows+r], alone[r])
					}
					if !matvecs[typ].prepared && alone[r] != viaMatvec[r] {
						t.Fatalf("%s: token %d row %d: %v, one-token kernel %v", typ, tok, r, alone[r], viaMatvec[r])
					}
				}
			}
		}
	}
}

// TestUnitLayouts checks the kernels of the layouts made at load (Q5_0x2, Q8_0x2,
// Q4_0x2) against their file types' kernels on the same weights (random rows with some
// zero, subnormal and largest fp16 scales, and the same rows relaid): bit for bit equal,
// one token (decode) and several, over row ranges that split pairs of rows.
func TestUnitLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 4))
	for _, c := range [][2]quant.Type{{quant.Q5_0, quant.Q5_0x2}, {quant.Q8_0, quant.Q8_0x2}, {quant.Q4_0, quant.Q4_0x2}} {
		base, unit := c[0], c[1]
		tr, _ := base.Traits()
		for _, n := range []int{64, 128, 192, 576, 1536} {
			for _, rows := range []int{1, 2, 5, 33} {
				w := weights(base, rows, n, rng, false)
				// the fp16 scales' edge cases (the unit layouts' are finite): zero, subnormal, the largest
				for i, h := range []uint16{0x0000, 0x8000, 0x0001, 0x83ff, 0x7bff, 0xfbff} {
					if b := 3 * i; b < len(w)/tr.BlockBytes {
						binary.LittleEndian.PutUint16(w[tr.BlockBytes*b:], h)
					}
				}
				mb, err := ops.NewMatrix("base", base, rows, n, w)
				if err != nil {
					t.Fatal(err)
				}
				packed := append([]byte(nil), w...)
				if err := quant.Relayout(base, unit, packed, n); err != nil {
					t.Fatal(err)
				}
				mu, err := ops.NewMatrix("unit", unit, rows, n, packed)
				if err != nil {
					t.Fatal(err)
				}
				for _, tokens := range []int{1, 2, 5} {
					a := acts(quant.Q8_0, tokens, n, rng, false)
					want, got := make([]float32, tokens*rows), make([]float32, tokens*rows)
					for i := range got {
						got[i] = float32(math.NaN())
					}
					mid := rows / 3
					for _, r := range [][2]int{{0, mid}, {mid, rows}} {
						if r[0] == r[1] {
							continue
						}
						if !Rows(base)(mb, a, want, r[0], r[1]) || !Rows(unit)(mu, a, got, r[0], r[1]) {
							t.Fatal("a kernel refused")
						}
					}
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s n %d rows %d tokens %d: output %d: %v, %s %v", unit, n, rows, tokens, i, got[i], base, want[i])
						}
					}
				}
			}
		}
	}
}

// TestKernelRefuses checks the bounds checks of the wrapper: a range outside the matrix or
// outputs too short must be refused, not handed to the unchecked kernel.
func TestKernelRefuses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := ops.NewMatrix("w", quant.Q8_0, 4, 64, weights(quant.Q8_0, 4, 64, rng, true))
	if err != nil {
		t.Fatal(err)
	}
	a := acts(quant.Q8_0, 1, 64, rng, true)
	k := Rows(quant.Q8_0)
	for _, c := range []struct {
		lo, hi, ylen int
	}{{0, 5, 4}, {-1, 2, 4}, {2, 2, 4}, {0, 4, 3}} {
		if k(m, a, make([]float32, c.ylen), c.lo, c.hi) {
			t.Errorf("rows [%d,%d) with len(y)=%d accepted", c.lo, c.hi, c.ylen)
		}
	}
}

// TestInstall checks that after Install, MulActs goes through the kernels and agrees
// with the Go path.
func TestInstall(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const rows, n, tokens = 48, 512, 3
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_K, quant.Q6_K} {
		tr, _ := typ.Traits()
		m, err := ops.NewMatrix("w", typ, rows, n, weights(typ, rows, n, rng, true))
		if err != nil {
			t.Fatal(err)
		}
		a := acts(tr.VecDotType, tokens, n, rng, true)
		saved := ops.Kernels
		ops.Kernels = map[quant.Type]ops.RowsKernel{}
		want := make([]float32, tokens*rows)
		m.MulActs(a, want)
		Install()
		if ops.Kernels[typ] == nil {
			t.Fatalf("Install did not register %s", typ)
		}
		got := make([]float32, tokens*rows)
		m.MulActs(a, got)
		ops.Kernels = saved
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: y[%d] = %v through the kernels, %v in Go", typ, i, got[i], want[i])
			}
		}
	}
	// Q8_0 activations are quantized by the kernel module after Install.
	x := make([]float32, 2*n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	fast, err := ops.QuantizeActs(quant.Q8_0, x, 2, n, nil)
	if err != nil || ops.ActsQuantizers[quant.Q8_0] == nil || ops.ActsQuantizers[quant.Q8_K] == nil {
		t.Fatalf("Install did not register the Q8_0 activation quantizer (%v)", err)
	}
	want := make([]byte, len(fast.Data))
	tr, _ := quant.Q8_0.Traits()
	tr.Quantize(x[:n], want[:len(want)/2])
	tr.Quantize(x[n:], want[len(want)/2:])
	if string(fast.Data) != string(want) {
		t.Fatal("QuantizeActs after Install differs from the Go quantizer")
	}
}

// BenchmarkMatVec: one token through a 576×1536 matrix (SmolLM2-135M's ffn_down: k-quant rows
// need a multiple of 256 columns), the Go
// loop against the kernel; bytes are weight bytes.
func BenchmarkMatVec(b *testing.B) {
	const rows, n = 576, 1536
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_K, quant.Q6_K, quant.Q4_0, quant.Q5_0, quant.Q5_0x2, quant.Q5_K, quant.F16, quant.F32} {
		tr, _ := typ.Traits()
		rng := rand.New(rand.NewPCG(3, 3))
		m, err := ops.NewMatrix("w", typ, rows, n, weights(typ, rows, n, rng, false))
		if err != nil {
			b.Fatal(err)
		}
		a := acts(tr.VecDotType, 1, n, rng, false)
		y := make([]float32, rows)
		b.Run(typ.String()+"/go", func(b *testing.B) {
			b.SetBytes(int64(len(m.Data)))
			rb := m.RowBytes()
			for b.Loop() {
				for r := 0; r < rows; r++ {
					y[r] = tr.VecDot(n, m.Data[r*rb:(r+1)*rb], a.Data)
				}
			}
		})
		k := Rows(typ)
		b.Run(typ.String()+"/simd", func(b *testing.B) {
			b.SetBytes(int64(len(m.Data)))
			c0 := cpuSeconds()
			for b.Loop() {
				k(m, a, y, 0, rows)
			}
			b.ReportMetric((cpuSeconds()-c0)*1e6/float64(b.N), "cpu-us/op")
		})
		if typ != quant.F32 && typ != quant.F16 {
			many := rowsWith(matvecs[typ], 1)
			b.Run(typ.String()+"/simd-many", func(b *testing.B) {
				b.SetBytes(int64(len(m.Data)))
				c0 := cpuSeconds()
				for b.Loop() {
					a.Version++
					many(m, a, y, 0, rows)
				}
				b.ReportMetric((cpuSeconds()-c0)*1e6/float64(b.N), "cpu-us/op")
			})
		}
	}
}

// The strided F32 dot (attention's K·Q over the KV cache) equals the Go loop.
func TestStridedDotF32(t *testing.T) {
	for _, c := range []struct{ stride, n, rows int }{{8, 8, 1}, {192, 64, 37}, {256, 128, 5}, {33, 17, 9}} {
		w := make([]float32, (c.rows-1)*c.stride+c.n)
		x := make([]float32, c.n)
		for i := range w {
			w[i] = float32(i%7) - 3
		}
		for i := range x {
			x[i] = float32(i%5) - 2
		}
		got := make([]float32, c.rows)
		if !stridedDotF32(w, c.stride, c.n, c.rows, x, got) {
			t.Fatalf("%+v refused", c)
		}
		for r := 0; r < c.rows; r++ {
			var want float32
			for i := 0; i < c.n; i++ {
				want += w[r*c.stride+i] * x[i]
			}
			if got[r] != want {
				t.Fatalf("%+v row %d: %v, want %v", c, r, got[r], want)
			}
		}
	}
	if stridedDotF32(make([]float32, 10), 8, 8, 2, make([]float32, 8), make([]float32, 2)) {
		t.Fatal("out-of-range rows accepted")
	}
}

// The weighted row sum (attention's P·V over the value cache) equals the Go loop: small
// integer values make every partial sum exact, so the orders cannot differ.
func TestWeightedRows(t *testing.T) {
	for _, c := range []struct{ stride, n, rows int }{{4, 4, 1}, {192, 64, 37}, {256, 128, 5}, {36, 20, 9}, {64, 12, 130}} {
		v := make([]float32, (c.rows-1)*c.stride+c.n)
		p := make([]float32, c.rows)
		for i := range v {
			v[i] = float32(i%7) - 3
		}
		for i := range p {
			p[i] = float32(i%5)/4 - 0.5
		}
		got, want := make([]float32, c.n+4), make([]float32, c.n+4)
		got[c.n], want[c.n] = 99, 99 // past the end: must stay
		if !weightedRows(v, c.stride, c.n, c.rows, p, got) {
			t.Fatalf("%+v refused", c)
		}
		saved := ops.WeightedRowsHook
		ops.WeightedRowsHook = nil
		ops.WeightedRowsF32(v, c.stride, c.n, c.rows, p, want)
		ops.WeightedRowsHook = saved
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v: out[%d] = %v, want %v", c, i, got[i], want[i])
			}
		}
	}
	for _, bad := range []struct{ stride, n, rows, lenV int }{{8, 6, 2, 14}, {8, 8, 2, 15}, {4, 8, 2, 16}} {
		if weightedRows(make([]float32, bad.lenV), bad.stride, bad.n, bad.rows, make([]float32, bad.rows), make([]float32, bad.n)) {
			t.Fatalf("%+v accepted", bad)
		}
	}
}

// cpuSeconds is this process's user+system CPU time (Node's process.cpuUsage): on a busy
// machine it moves far less than wall time, so benchmarks report it too (cpu-ms/op).
func cpuSeconds() float64 {
	u := js.Global().Get("process").Call("cpuUsage")
	return (u.Get("user").Float() + u.Get("system").Float()) / 1e6
}

// BenchmarkMatmul: 64 tokens through a 576×1536 matrix (ffn_down's shape) and a 1536×576
// one (gate/up), the several-token kernels.
func BenchmarkMatmul(b *testing.B) {
	for _, typ := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.Q5_0x2, quant.Q4_K, quant.Q5_K, quant.Q6_K} {
		for _, shape := range [][2]int{{576, 1536}, {1536, 576}} {
			if typ.String()[len(typ.String())-1] == 'K' && shape[1]%256 != 0 {
				continue
			}
			rows, n := shape[0], shape[1]
			tr, _ := typ.Traits()
			rng := rand.New(rand.NewPCG(3, 3))
			m, err := ops.NewMatrix("w", typ, rows, n, weights(typ, rows, n, rng, false))
			if err != nil {
				b.Fatal(err)
			}
			const tokens = 64
			a := acts(tr.VecDotType, tokens, n, rng, false)
			y := make([]float32, tokens*rows)
			k := Rows(typ)
			b.Run(fmt.Sprintf("%s/%dx%d", typ, rows, n), func(b *testing.B) {
				b.SetBytes(int64(len(m.Data)) * tokens)
				c0 := cpuSeconds()
				for b.Loop() {
					a.Version++
					k(m, a, y, 0, rows)
				}
				b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(tokens*b.N)/(cpuSeconds()-c0), "cpu-tok/s")
			})
		}
	}
}

func init() {
	// node_exec.js says which kernel module it loaded (HEARTH_KERNELS_RELAXED=1: relaxed).
	Relaxed = js.Global().Get("hearthRelaxed").Truthy()
}

// TestSwiGLU: the kernel equals the Go SwiGLU bit for bit, over ordinary values, the
// range edges of e^-g (subnormal and overflowing results), ±0, ±Inf and NaN, at lengths
// with every remainder mod 4 (the tail runs in Go), with out aliasing gate.
func TestSwiGLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 87.3, 88.7, 88.73, 89, 100, 102, 103.9, 104, 150,
		-87.3, -88.7, -88.73, -89, -100, -103.9, -104, -150, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		1e-30, -1e-30, 0x1p-126, -0x1p-149}
	for _, n := range []int{1, 2, 3, 4, 5, 7, 64, 1536, 1539} {
		g, u := make([]float32, n), make([]float32, n)
		for i := range g {
			switch {
			case i < len(special) && n >= 64:
				g[i] = special[i]
			case i%3 == 0:
				g[i] = float32(rng.NormFloat64() * 40)
			default:
				g[i] = float32(rng.NormFloat64() * 3)
			}
			u[i] = float32(rng.NormFloat64())
		}
		want := make([]float32, n)
		saved := ops.SwiGLUHook
		ops.SwiGLUHook = nil
		ops.SwiGLU(want, g, u)
		ops.SwiGLUHook = saved
		got := append([]float32(nil), g...)
		if !swiGLU(got, got, u) {
			t.Fatalf("n=%d refused", n)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(want[i] != want[i] && got[i] != got[i]) {
				t.Fatalf("n=%d: g=%v u=%v: kernel %v, Go %v", n, g[i], u[i], got[i], want[i])
			}
		}
	}
}

// TestF16Scales runs every fp16 value through the kernels' vector fp16 conversion (f16x4:
// the scales of a group of four Q8_0 blocks in matvec_q8_0): rows whose block 0 has the
// scale h and quants (1, 0, …), times activations with scale 1 and quants (1, 0, …), give
// h's value exactly (Inf and NaN included; the other blocks are zero).
func TestF16Scales(t *testing.T) {
	const nb, rowBytes = 4, 4 * 34
	const rows = 1 << 16
	w := make([]byte, rows*rowBytes)
	for h := 0; h < rows; h++ {
		row := w[h*rowBytes:]
		binary.LittleEndian.PutUint16(row, uint16(h))
		row[2] = 1
	}
	// prepared activations (PrepQ8_0): f32 scales, i32 corrections, quants
	a := make([]byte, nb*40)
	binary.LittleEndian.PutUint32(a, math.Float32bits(1))
	a[8*nb] = 1
	y := make([]float32, rows)
	matvecQ8_0(unsafe.Pointer(&w[0]), rowBytes, unsafe.Pointer(&a[0]), 32*nb, unsafe.Pointer(&y[0]), 0, rows)
	bad := 0
	for h := 0; h < rows; h++ {
		want := quant.F16ToF32(uint16(h))
		got := y[h]
		same := got == want || (got != got && want != want)
		if !same && bad < 10 {
			t.Errorf("fp16 %#04x: %v, want %v", h, got, want)
		}
		if !same {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of 65536 fp16 scales converted wrongly", bad)
	}
}
