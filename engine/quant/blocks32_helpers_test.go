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
