//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// TestF32ToF16 runs f32_to_f16 over every combination of sign, exponent and the ten
// mantissa bits a half keeps (2^19 patterns), each with the low 13 bits that decide the
// rounding set to 0, 1, just below, at and just above the halfway point and all ones:
// every NaN, Inf, overflow, normal, subnormal and underflow case, ties to even on both
// parities. Each half must equal quant.F32ToF16's. Then lengths with every remainder mod
// 8 (the tail goes the Go way) give the same.
func TestF32ToF16(t *testing.T) {
	lows := []uint32{0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff}
	src := make([]float32, 0, len(lows)<<19)
	for hi := uint32(0); hi < 1<<19; hi++ {
		for _, lo := range lows {
			src = append(src, math.Float32frombits(hi<<13|lo))
		}
	}
	dst := make([]uint16, len(src))
	if !f32ToF16(dst, src) {
		t.Fatal("refused")
	}
	bad := 0
	for i, x := range src {
		if want := quant.F32ToF16(x); dst[i] != want {
			if bad++; bad <= 10 {
				t.Errorf("%#08x: kernel %#04x, Go %#04x", math.Float32bits(x), dst[i], want)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d values differ", bad, len(src))
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for n := 0; n <= 20; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 100)
		}
		got := make([]uint16, n+1)
		got[n] = 0xbeef
		if !f32ToF16(got[:n], x) {
			t.Fatalf("n=%d refused", n)
		}
		for i, v := range x {
			if got[i] != quant.F32ToF16(v) {
				t.Fatalf("n=%d: [%d] %v: kernel %#04x, Go %#04x", n, i, v, got[i], quant.F32ToF16(v))
			}
		}
		if got[n] != 0xbeef {
			t.Fatalf("n=%d: wrote past the end", n)
		}
	}
}

// TestRMSNorm: the kernel equals the Go RMSNorm bit for bit on one row and several (each
// normalised alone), at the models' widths and small ones, at ordinary, tiny (the mean of
// squares subnormal) and huge (its sum past f32 range) magnitudes, with eps from 0 to
// 1e-5, in place (out = x) and not; a width that is not a multiple of 4 is refused (the
// Go loop runs it).
func TestRMSNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{4, 8, 64, 576, 896, 1536, 2048} {
		for _, rows := range []int{1, 3} {
			for _, mag := range []float64{1, 1e-22, 3e18, 1e30} {
				for _, eps := range []float32{1e-5, 1e-6, 0} {
					x, w := make([]float32, rows*n), make([]float32, n)
					for i := range x {
						x[i] = float32(rng.NormFloat64() * mag * float64(1+i/n*100))
					}
					for i := range w {
						w[i] = float32(1 + rng.NormFloat64()*0.3)
					}
					want := make([]float32, rows*n)
					saved := ops.RMSNormHook
					ops.RMSNormHook = nil
					for r := 0; r < rows; r++ {
						ops.RMSNorm(want[r*n:(r+1)*n], x[r*n:(r+1)*n], w, eps)
					}
					ops.RMSNormHook = saved
					got := make([]float32, rows*n)
					if !rmsNorm(got, x, w, eps) {
						t.Fatalf("n=%d refused", n)
					}
					inPlace := append([]float32(nil), x...)
					rmsNorm(inPlace, inPlace, w, eps)
					for i := range want {
						wb := math.Float32bits(want[i])
						if math.Float32bits(got[i]) != wb || math.Float32bits(inPlace[i]) != wb {
							t.Fatalf("n=%d rows=%d mag=%g eps=%g: [%d] kernel %v (in place %v), Go %v", n, rows, mag, eps, i, got[i], inPlace[i], want[i])
						}
					}
				}
			}
		}
	}
	if rmsNorm(make([]float32, 6), make([]float32, 6), make([]float32, 6), 1e-5) {
		t.Fatal("n=6 taken; the kernel reads whole groups of 4")
	}
}

// TestQuantizePrepQ8_0: quantize_prep_q8_0 writes, for whole sets of rows, the Go
// quantizer's Q8_0 bytes row by row and PrepQ8_0's layout of them (f32 scales,
// corrections, quants) byte for byte: random rows of the models' widths and past them,
// one row and 64, ties, all-zero blocks, NaN, ±Inf, huge and subnormal values (fp16
// scales that are subnormal, zero or Inf).
func TestQuantizePrepQ8_0(t *testing.T) {
	tr, _ := quant.Q8_0.Traits()
	rng := rand.New(rand.NewPCG(8, 1))
	check := func(name string, x []float32, n, cols int) {
		t.Helper()
		a := &ops.Acts{Type: quant.Q8_0, N: n, Cols: cols, RowBytes: cols / 32 * 34, Data: make([]byte, n*cols/32*34), Version: 77}
		want := &ops.Acts{Type: quant.Q8_0, N: n, Cols: cols, RowBytes: a.RowBytes, Data: make([]byte, len(a.Data))}
		for r := 0; r < n; r++ {
			tr.Quantize(x[r*cols:(r+1)*cols], want.Data[r*a.RowBytes:(r+1)*a.RowBytes])
		}
		if !quantizeActsQ8_0(x, a) {
			t.Fatalf("%s: refused", name)
		}
		for i := range want.Data {
			if a.Data[i] != want.Data[i] {
				t.Fatalf("%s: row %d block %d byte %d: %d, want %d", name, i/a.RowBytes, i%a.RowBytes/34, i%34, a.Data[i], want.Data[i])
			}
		}
		wantPrep := PrepQ8_0(want, nil, true)
		got := prepared(a, true) // made by the kernel: the same Acts and Version
		if len(got) != len(wantPrep) {
			t.Fatalf("%s: prepared %d bytes, want %d", name, len(got), len(wantPrep))
		}
		for i := range wantPrep {
			if got[i] != wantPrep[i] {
				rb := len(wantPrep) / n
				t.Fatalf("%s: prepared row %d byte %d (of %d): %d, want %d", name, i/rb, i%rb, rb, got[i], wantPrep[i])
			}
		}
	}
	for _, shape := range [][2]int{{1, 32}, {1, 576}, {3, 1536}, {64, 576}, {2, 32 * 130}} {
		n, cols := shape[0], shape[1]
		x := make([]float32, n*cols)
		for i := range x {
			x[i] = float32(rng.NormFloat64()) * float32(math.Exp2(float64(rng.IntN(40)-20)))
		}
		check(fmt.Sprintf("random %dx%d", n, cols), x, n, cols)
	}
	special := make([]float32, 8*32)
	for i := 0; i < 32; i++ {
		special[i] = float32(i%8) - 3.5
	}
	special[0] = 127 // id = 1: ties to even
	copy(special[64:], []float32{float32(math.NaN()), 1, -2})
	copy(special[96:], []float32{float32(math.Inf(1)), 1, -2})
	copy(special[128:], []float32{float32(math.Inf(-1)), float32(math.NaN()), 3})
	copy(special[160:], []float32{math.MaxFloat32, -math.MaxFloat32, 1})
	copy(special[192:], []float32{math.SmallestNonzeroFloat32, -2 * math.SmallestNonzeroFloat32, 1e-40})
	copy(special[224:], []float32{3e-6, -1e-7, 2e-6}) // fp16 scale subnormal
	check("special", special, 2, 4*32)
	if quantizeActsQ8_0(make([]float32, 33), &ops.Acts{Type: quant.Q8_0, N: 1, Cols: 33, RowBytes: 36, Data: make([]byte, 36)}) {
		t.Fatal("a row that is not whole blocks was accepted")
	}
}

// TestQuantizeQ8_K: quantize_q8_k writes the Go Q8_K quantizer's bytes exactly: random
// rows (one and several, the models' widths), all-zero blocks, ties, the largest |x|
// negative, positive and both (the first wins), NaN, ±Inf, and blocks so tiny that
// -127/xmax overflows.
func TestQuantizeQ8_K(t *testing.T) {
	tr, _ := quant.Q8_K.Traits()
	rng := rand.New(rand.NewPCG(8, 2))
	check := func(name string, x []float32, n int) {
		t.Helper()
		cols := len(x) / n
		rb := cols / 256 * 292
		want := make([]byte, n*rb)
		for r := 0; r < n; r++ {
			tr.Quantize(x[r*cols:(r+1)*cols], want[r*rb:(r+1)*rb])
		}
		a := &ops.Acts{Type: quant.Q8_K, N: n, Cols: cols, RowBytes: rb, Data: make([]byte, len(want))}
		if !quantizeActsQ8_K(x, a) {
			t.Fatalf("%s: refused", name)
		}
		for i := range want {
			if a.Data[i] != want[i] {
				t.Fatalf("%s: block %d byte %d: %d, want %d", name, i/292, i%292, a.Data[i], want[i])
			}
		}
	}
	for _, shape := range [][2]int{{1, 256}, {1, 1536}, {3, 2048}, {64, 768}} {
		x := make([]float32, shape[0]*shape[1])
		for i := range x {
			x[i] = float32(rng.NormFloat64()) * float32(math.Exp2(float64(rng.IntN(40)-20)))
		}
		check(fmt.Sprintf("random %dx%d", shape[0], shape[1]), x, shape[0])
	}
	blocks := [][]float32{
		nil, // all zero
		{127, -3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5},
		{1, -8, 2, 8, 3}, // the first of -8 and 8 wins
		{1, 8, 2, -8, 3},
		{float32(math.NaN()), 1, -2},
		{float32(math.Inf(1)), 1, -2},
		{float32(math.Inf(-1)), float32(math.NaN()), 3},
		{math.SmallestNonzeroFloat32, -2 * math.SmallestNonzeroFloat32, 1e-40}, // -127/xmax overflows
		{math.MaxFloat32, -math.MaxFloat32, 1},
	}
	x := make([]float32, 256*len(blocks))
	for b, vals := range blocks {
		copy(x[256*b+100:], vals)
	}
	check("special", x, len(blocks))
}

// TestRope: rope_f32 equals ops.(*RoPE).Apply bit for bit in both styles, at the head
// shapes of the catalog's models (all dimensions rotated, or part of each head), at small
// and large positions and magnitudes; widths it cannot take are refused.
func TestRope(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, style := range []ops.RoPEStyle{ops.RoPENormal, ops.RoPENeoX} {
		for _, shape := range [][3]int{{9, 64, 64}, {14, 64, 64}, {2, 128, 128}, {8, 128, 64}, {3, 256, 256}, {1, 16, 8}} {
			heads, headSize, nd := shape[0], shape[1], shape[2]
			r := ops.NewRoPE(style, nd, 10000, nil)
			for _, pos := range []int{0, 1, 37, 4095, 131071} {
				cos, sin := make([]float32, nd/2), make([]float32, nd/2)
				r.Angles(pos, cos, sin)
				x := make([]float32, heads*headSize)
				for i := range x {
					x[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(30)-15)))
				}
				want := append([]float32(nil), x...)
				saved := ops.RopeHook
				ops.RopeHook = nil
				r.Apply(want, heads, headSize, cos, sin)
				ops.RopeHook = saved
				if !rope(r, x, heads, headSize, cos, sin) {
					t.Fatalf("style %d %v refused", style, shape)
				}
				for i := range want {
					if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
						t.Fatalf("style %d heads %d size %d dims %d pos %d: [%d] kernel %v, Go %v", style, heads, headSize, nd, pos, i, x[i], want[i])
					}
				}
			}
		}
	}
	if rope(ops.NewRoPE(ops.RoPENeoX, 12, 10000, nil), make([]float32, 12), 1, 12, make([]float32, 6), make([]float32, 6)) {
		t.Fatal("neox over 12 dimensions taken; the kernel rotates groups of 8")
	}
}

// TestRopeTokens: rope_f32 over several tokens in one call (each by its own position's
// angles, rows stride floats apart) equals ops.(*RoPE).Apply token by token, bit for bit;
// ranges it cannot take are refused.
func TestRopeTokens(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for _, style := range []ops.RoPEStyle{ops.RoPENormal, ops.RoPENeoX} {
		for _, c := range []struct{ tokens, heads, headSize, nd, stride int }{
			{1, 9, 64, 64, 576}, {5, 9, 64, 64, 576}, {3, 3, 64, 64, 200}, {7, 2, 128, 64, 256}, {64, 14, 64, 64, 896},
		} {
			r := ops.NewRoPE(style, c.nd, 10000, nil)
			half := c.nd / 2
			cos, sin := make([]float32, c.tokens*half), make([]float32, c.tokens*half)
			for b := 0; b < c.tokens; b++ {
				r.Angles(100+b, cos[b*half:(b+1)*half], sin[b*half:(b+1)*half])
			}
			x := make([]float32, c.tokens*c.stride)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
			}
			want := append([]float32(nil), x...)
			saved := ops.RopeHook
			ops.RopeHook = nil
			for b := 0; b < c.tokens; b++ {
				r.Apply(want[b*c.stride:], c.heads, c.headSize, cos[b*half:(b+1)*half], sin[b*half:(b+1)*half])
			}
			ops.RopeHook = saved
			if !ropeTokens(r, x, c.tokens, c.stride, c.heads, c.headSize, cos, sin) {
				t.Fatalf("style %d %+v refused", style, c)
			}
			for i := range want {
				if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
					t.Fatalf("style %d %+v: [%d] (token %d) kernel %v, Go %v", style, c, i, i/c.stride, x[i], want[i])
				}
			}
		}
	}
	r := ops.NewRoPE(ops.RoPENormal, 64, 10000, nil)
	for _, c := range []struct {
		name              string
		tokens, stride, n int
	}{{"rows overlapping", 2, 100, 2 * 128}, {"x too short", 3, 128, 2*128 + 100}, {"no tokens", 0, 128, 128}} {
		if ropeTokens(r, make([]float32, c.n), c.tokens, c.stride, 2, 64, make([]float32, 3*32), make([]float32, 3*32)) {
			t.Errorf("%s: taken", c.name)
		}
	}
	if ropeTokens(r, make([]float32, 3*128), 3, 128, 2, 64, make([]float32, 2*32), make([]float32, 3*32)) {
		t.Error("two tokens' angles for three tokens: taken")
	}
}

// TestAddScale: add_f32 equals ops.Add's loop and scale_f32 the Go product bit for bit, at
// lengths with every remainder mod 4 (the tails run in Go), with ±Inf, NaN and
// subnormals; scaleBy reports an infinite product (an overflow, or an Inf in src), in the
// kernel's part or the tail, and only then.
func TestAddScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	special := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, -1e-45, 3e38}
	for n := 0; n <= 21; n++ {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 1e3)
			y[i] = float32(rng.NormFloat64())
			if n > 8 && i < len(special) {
				x[i] = special[i]
			}
		}
		want := append([]float32(nil), x...)
		for i := range want {
			want[i] += y[i]
		}
		got := append([]float32(nil), x...)
		if !add(got, y) {
			t.Fatalf("n=%d refused", n)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("add n=%d [%d]: %v, want %v", n, i, got[i], want[i])
			}
		}
		for _, s := range []float32{0x1p64, 0.5} {
			dst := make([]float32, n)
			ok := scaleBy(dst, y, s)
			for i := range y {
				if w := y[i] * s; math.Float32bits(dst[i]) != math.Float32bits(w) {
					t.Fatalf("scale n=%d [%d]: %v, want %v", n, i, dst[i], w)
				}
			}
			if !ok {
				t.Fatalf("scale n=%d by %v: an overflow reported for finite products", n, s)
			}
		}
	}
	for _, at := range []int{0, 5, 8, 10} { // in the kernel's part and in the tail (n = 11)
		src := make([]float32, 11)
		for i := range src {
			src[i] = 1
		}
		src[at] = 0x1p100 // · 2^64 overflows
		if scaleBy(make([]float32, 11), src, 0x1p64) {
			t.Fatalf("an overflow at %d not reported", at)
		}
		src[at] = float32(math.Inf(-1))
		if scaleBy(make([]float32, 11), src, 0.5) {
			t.Fatalf("-Inf at %d not reported", at)
		}
		src[at] = float32(math.NaN())
		if !scaleBy(make([]float32, 11), src, 0.5) {
			t.Fatalf("NaN at %d reported as Inf", at)
		}
	}
}
