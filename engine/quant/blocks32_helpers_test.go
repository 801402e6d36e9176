package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// Test helpers shared by the tests of the float and 32-element block types (prefixed b32:
// the k-quants have their own).

// b32Kernel pairs a weight type's fast dot product with its scalar reference.
type b32Kernel struct {
	t         Type
	fast, ref func(n int, w, a []byte) float32
}

var b32Kernels = []b32Kernel{
	{F32, vecDotF32, vecDotF32Ref},
	{F16, vecDotF16, vecDotF16Ref},
	{BF16, vecDotBF16, vecDotBF16Ref},
	{Q8_0, vecDotQ8_0Q8_0, vecDotQ8_0Q8_0Ref},
	{Q4_0, vecDotQ4_0Q8_0, vecDotQ4_0Q8_0Ref},
	{Q4_1, vecDotQ4_1Q8_1, vecDotQ4_1Q8_1Ref},
	{Q5_0, vecDotQ5_0Q8_0, vecDotQ5_0Q8_0Ref},
	{Q5_1, vecDotQ5_1Q8_1, vecDotQ5_1Q8_1Ref},
	{IQ4_NL, vecDotIQ4_NLQ8_0, vecDotIQ4_NLQ8_0Ref},
}

// b32Types are the 32-element block types, weights and activations.
var b32Types = []Type{Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, IQ4_NL}

// b32Blocks are the awkward row lengths, in 32-element blocks, of the cross-checks: one
// block, a few, a prime number and a long row.
var b32Blocks = []int{1, 3, 37, 1000}

// b32FloatLens are the row lengths of the float types' cross-checks: below, at and around
// the 8-lane width, and long rows with and without leftovers.
var b32FloatLens = []int{1, 7, 8, 9, 31, 32, 37, 1000, 4099, 32000}

func b32Rand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6233)) }

// b32HalfOffsets are the byte offsets of the fp16 fields (d, and m or s) of each type.
var b32HalfOffsets = map[Type][]int{
	Q4_0: {0}, Q4_1: {0, 2}, Q5_0: {0}, Q5_1: {0, 2}, Q8_0: {0}, Q8_1: {0, 2}, IQ4_NL: {0},
}

// b32RandomRow returns a row of n elements of type t with random contents. For the block
// types every bit pattern of the quants is a valid block, so they are random bytes; the
// fp16 fields get small finite values (a Q8_1 s then need not equal d*sum(q), which
// a fast/reference comparison does not care about). The float types get N(0,1) values.
func b32RandomRow(t Type, n int, r *rand.Rand) []byte {
	tr, _ := t.Traits()
	if tr.BlockSize == 1 {
		return b32Encode(t, b32Gaussian(n, 1, r))
	}
	b := make([]byte, n/tr.BlockSize*tr.BlockBytes)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for i := 0; i < len(b); i += tr.BlockBytes {
		for _, off := range b32HalfOffsets[t] {
			binary.LittleEndian.PutUint16(b[i+off:], F32ToF16(float32(r.NormFloat64()*0.05)))
		}
	}
	return b
}

// b32Gaussian returns n values drawn from N(0, std²).
func b32Gaussian(n int, std float64, r *rand.Rand) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * std)
	}
	return x
}

// b32Encode converts x to type t with the table's Quantize.
func b32Encode(t Type, x []float32) []byte {
	tr, _ := t.Traits()
	b := make([]byte, len(x)/tr.BlockSize*tr.BlockBytes)
	tr.Quantize(x, b)
	return b
}

// b32Decode converts n elements of type t back to float32 with the table's Dequantize.
func b32Decode(t Type, b []byte, n int) []float32 {
	tr, _ := t.Traits()
	y := make([]float32, n)
	tr.Dequantize(b, y)
	return y
}

// b32Dot is the float64 dot product of two float32 rows and the sum of the magnitudes of
// its terms.
func b32Dot(x, y []float32) (dot, mag float64) {
	for i := range x {
		p := float64(x[i]) * float64(y[i])
		dot += p
		mag += math.Abs(p)
	}
	return dot, mag
}

// b32Half builds the two little-endian bytes of an fp16 value that must be exact.
func b32Half(tb testing.TB, f float32) [2]byte {
	tb.Helper()
	h := F32ToF16(f)
	if F16ToF32(h) != f {
		tb.Fatalf("%v is not exactly representable in fp16", f)
	}
	return [2]byte{byte(h), byte(h >> 8)}
}

// b32CrossCheck compares a fast dot product with its reference bit for bit at every
// awkward length, on random weights with random activations and with activations close
// to the weights.
func b32CrossCheck(t *testing.T, k b32Kernel) {
	t.Helper()
	tr, _ := k.t.Traits()
	lens := b32FloatLens
	if tr.BlockSize != 1 {
		lens = nil
		for _, nb := range b32Blocks {
			lens = append(lens, nb*tr.BlockSize)
		}
	}
	for _, n := range lens {
		// A one-ulp difference in one block's term mostly vanishes in a long sum, so the
		// short rows, whose result is one or three terms, get many more tries.
		seeds := uint64(4)
		if n <= 3*32 {
			seeds = 256
		}
		for seed := uint64(0); seed < seeds; seed++ {
			r := b32Rand(seed*1000 + uint64(n))
			w := b32RandomRow(k.t, n, r)
			a := b32RandomRow(tr.VecDotType, n, r)
			if seed%2 == 1 {
				// Activations close to the weights: large block sums, whose products
				// with the scales are not exact in float32, so that any change in the
				// order of the float operations shows.
				a = QuantizeActivations(tr.VecDotType, b32Decode(k.t, w, n))
			}
			got, want := k.fast(n, w, a), k.ref(n, w, a)
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("%s n=%d seed %d: fast %v (%#x), reference %v (%#x)", k.t, n, seed,
					got, math.Float32bits(got), want, math.Float32bits(want))
			}
		}
	}
}

// b32CheckVecDot checks the table's VecDot of type wt against exact math: a weight row
// w and an activation row x correlated with it (so that the dot is not a small difference
// of large terms), x quantized to the activation type; the float64 dot of Dequantize(w)
// and Dequantize_act(Quantize_act(x)) must match VecDot within 1e-4 relative. A Q8_1
// activation block carries s = d*sum(q) rounded to fp16 and computed from the float32 d:
// the Q4_1/Q5_1 kernels use it for the m term, so their allowance adds the worst case of
// those two roundings, |m·s|·2^-10 per block. Returns the largest relative error seen.
func b32CheckVecDot(t *testing.T, wt Type) float64 {
	t.Helper()
	tr, _ := wt.Traits()
	at := tr.VecDotType
	worst := 0.0
	for _, nb := range b32Blocks {
		n := nb * 32
		r := b32Rand(uint64(n) + 77)
		w := b32RandomRow(wt, n, r)
		if tr.Quantize != nil {
			w = b32Encode(wt, b32Gaussian(n, 0.1, r))
		}
		wf := b32Decode(wt, w, n)
		x := b32Gaussian(n, 0.02, r)
		for i := range x {
			x[i] += wf[i]
		}
		a := QuantizeActivations(at, x)
		af := b32Decode(at, a, n)
		exact, _ := b32Dot(wf, af)
		allow := 0.0
		if at == Q8_1 {
			for ib := 0; ib < nb; ib++ {
				m := F16ToF32(binary.LittleEndian.Uint16(w[ib*tr.BlockBytes+2:]))
				s := F16ToF32(binary.LittleEndian.Uint16(a[ib*36+2:]))
				allow += math.Abs(float64(m)*float64(s)) / 1024
			}
		}
		got := tr.VecDot(n, w, a)
		diff := math.Abs(float64(got) - exact)
		if diff > 1e-4*math.Abs(exact)+allow {
			t.Errorf("%s·%s n=%d: VecDot %v, exact %v (difference %.3g, allowed %.3g)", wt, at, n, got, exact, diff, 1e-4*math.Abs(exact)+allow)
		}
		worst = max(worst, diff/math.Abs(exact))
	}
	return worst
}

// b32HalfErr is the largest error of rounding v to fp16 (2^-11 relative for normal values,
// 2^-25 absolute for subnormal ones).
func b32HalfErr(v float32) float64 {
	return max(math.Abs(float64(v))/2048, 1.0/(1<<25))
}

// b32RoundTripRows are the rows a quantizer's round trip is checked on: N(0, σ²) values at
// several scales (the small one gives subnormal fp16 scales), a block of zeros and a block
// with one outlier.
func b32RoundTripRows(r *rand.Rand) [][]float32 {
	var rows [][]float32
	for _, std := range []float64{1e-3, 1, 100} {
		rows = append(rows, b32Gaussian(64*32, std, r))
	}
	rows = append(rows, make([]float32, 32))
	outlier := b32Gaussian(32, 1, r)
	outlier[5] = -40
	return append(rows, outlier)
}

// b32CheckRoundTrip quantizes the b32RoundTripRows with typ's Quantize, dequantizes them
// and checks every element's error against bound(block), the worst case for its block.
// It returns the RMS error relative to the RMS of the values, over the N(0,1) row.
func b32CheckRoundTrip(t *testing.T, typ Type, bound func(x []float32) float64) float64 {
	t.Helper()
	relRMS := 0.0
	for ri, x := range b32RoundTripRows(b32Rand(uint64(typ) + 5)) {
		y := b32Decode(typ, b32Encode(typ, x), len(x))
		var se, sx float64
		for ib := 0; ib < len(x)/32; ib++ {
			xb, yb := x[ib*32:ib*32+32], y[ib*32:ib*32+32]
			lim := bound(xb)*(1+1e-5) + 1e-30
			for j := range xb {
				e := math.Abs(float64(xb[j]) - float64(yb[j]))
				if !(e <= lim) {
					t.Fatalf("%s row %d block %d element %d: %v came back as %v (error %.3g, bound %.3g)", typ, ri, ib, j, xb[j], yb[j], e, lim)
				}
				se += e * e
				sx += float64(xb[j]) * float64(xb[j])
			}
		}
		if ri == 1 {
			relRMS = math.Sqrt(se / sx)
		}
	}
	return relRMS
}

// b32HandDot checks VecDot of one hand-made weight block against the activations
// 32 × 127/512, which every activation type holds exactly (Q8_0/Q8_1: d = 1/512, quants
// 127, s = 7.9375), so the answer is 127/512 × the sum of the weights.
func b32HandDot(t *testing.T, wt Type, w []byte, wantSum float64) {
	t.Helper()
	tr, _ := wt.Traits()
	x := make([]float32, 32)
	for i := range x {
		x[i] = 127.0 / 512
	}
	a := QuantizeActivations(tr.VecDotType, x)
	if back := b32Decode(tr.VecDotType, a, 32); back[0] != x[0] || back[31] != x[31] {
		t.Fatalf("%s does not hold 127/512 exactly: %v", tr.VecDotType, back[0])
	}
	want := wantSum * 127 / 512
	if got := tr.VecDot(32, w, a); float64(got) != want {
		t.Errorf("%s: VecDot of the hand-made block with 32 × 127/512 = %v, want %v", wt, got, want)
	}
}
