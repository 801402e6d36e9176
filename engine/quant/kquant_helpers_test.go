package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// Test helpers shared by the k-quant tests (prefixed kq: the package's 32-block types
// have their own helpers).

// kqSuperBlocks are the awkward row lengths, in super-blocks, of the fast/reference
// cross-checks.
var kqSuperBlocks = []int{1, 3, 7, 40}

func kqRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6b71)) }

// kqHalfOffsets are the byte offsets of the fp16 fields (d, dmin) in each k-quant block.
var kqHalfOffsets = map[Type][]int{
	Q2_K: {80, 82},
	Q3_K: {108},
	Q4_K: {0, 2},
	Q5_K: {0, 2},
	Q6_K: {208},
}

// kqRandomBlocks returns nb random blocks of type t. Any bytes are a valid k-quant block
// once its fp16 scales are finite, so they are replaced by small normal values; a Q8_K
// block gets a small float32 d (its block sums stay random: they need not match qs for a
// fast/reference comparison).
func kqRandomBlocks(t Type, nb int, r *rand.Rand) []byte {
	tr, _ := t.Traits()
	b := make([]byte, nb*tr.BlockBytes)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	for i := 0; i < nb; i++ {
		blk := b[i*tr.BlockBytes:]
		if t == Q8_K {
			binary.LittleEndian.PutUint32(blk, math.Float32bits(float32(r.NormFloat64()*0.01)))
			continue
		}
		for _, off := range kqHalfOffsets[t] {
			binary.LittleEndian.PutUint16(blk[off:], F32ToF16(float32(r.NormFloat64()*0.01)))
		}
	}
	return b
}

// kqGaussian returns n values drawn from N(0, std²).
func kqGaussian(n int, std float64, r *rand.Rand) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * std)
	}
	return x
}

// kqQuantize quantizes x with t's Quantize.
func kqQuantize(tb testing.TB, t Type, x []float32) []byte {
	tb.Helper()
	tr, _ := t.Traits()
	if tr.Quantize == nil {
		tb.Fatalf("%s has no quantizer", t)
	}
	b := make([]byte, len(x)/tr.BlockSize*tr.BlockBytes)
	tr.Quantize(x, b)
	return b
}

// kqDequantize dequantizes n values of type t.
func kqDequantize(tb testing.TB, t Type, b []byte, n int) []float32 {
	tb.Helper()
	tr, _ := t.Traits()
	if tr.Dequantize == nil {
		tb.Fatalf("%s has no dequantizer", t)
	}
	y := make([]float32, n)
	tr.Dequantize(b, y)
	return y
}

// kqDot returns Σ a[i]*b[i] in float64 and Σ |a[i]*b[i]|, the scale its rounding error is
// measured against.
func kqDot(a, b []float32) (dot, mag float64) {
	for i := range a {
		p := float64(a[i]) * float64(b[i])
		dot += p
		mag += math.Abs(p)
	}
	return
}

// kqRMS returns the root mean square of x-y and of x.
func kqRMS(x, y []float32) (errRMS, rms float64) {
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		errRMS += d * d
		rms += float64(x[i]) * float64(x[i])
	}
	n := float64(len(x))
	return math.Sqrt(errRMS / n), math.Sqrt(rms / n)
}

type kqVecDot func(n int, w, a []byte) float32

// kqCrossCheck compares a fast dot product with its reference on random blocks at the
// awkward lengths: the results must be identical bit for bit.
func kqCrossCheck(t *testing.T, wt Type, fast, ref kqVecDot) {
	t.Helper()
	for _, nb := range kqSuperBlocks {
		for seed := uint64(0); seed < 20; seed++ {
			r := kqRand(seed*1000 + uint64(nb))
			w := kqRandomBlocks(wt, nb, r)
			a := kqRandomBlocks(Q8_K, nb, r)
			n := nb * QK_K
			got, want := fast(n, w, a), ref(n, w, a)
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("%s, %d super-blocks, seed %d: fast %v (%#08x), reference %v (%#08x)",
					wt, nb, seed, got, math.Float32bits(got), want, math.Float32bits(want))
			}
		}
	}
}

// kqCheckVecDot checks VecDot(w, Q8_K(x)) against the float64 dot product of the
// dequantized operands, for Gaussian weights quantized to wt and for random wt blocks,
// within 1e-4 of Σ|w_i a_i|. It returns the largest relative error seen.
func kqCheckVecDot(t *testing.T, wt Type) float64 {
	t.Helper()
	tr, _ := wt.Traits()
	worst := 0.0
	for _, nb := range kqSuperBlocks {
		for seed := uint64(0); seed < 10; seed++ {
			r := kqRand(seed*7919 + uint64(nb))
			n := nb * QK_K
			x := kqGaussian(n, 1, r)
			a := kqQuantize(t, Q8_K, x)
			xa := kqDequantize(t, Q8_K, a, n)
			weights := map[string][]byte{"random blocks": kqRandomBlocks(wt, nb, r)}
			if tr.Quantize != nil {
				weights["quantized gaussian"] = kqQuantize(t, wt, kqGaussian(n, 0.1, r))
			}
			for kind, w := range weights {
				wd := kqDequantize(t, wt, w, n)
				want, mag := kqDot(wd, xa)
				got := float64(tr.VecDot(n, w, a))
				rel := math.Abs(got-want) / mag
				if !(rel <= 1e-4) {
					t.Errorf("%s %s, %d super-blocks, seed %d: VecDot %v, float64 dot %v (error %.3g of Σ|w·a| = %v)",
						wt, kind, nb, seed, got, want, rel, mag)
				}
				worst = max(worst, rel)
			}
		}
	}
	return worst
}

// kqRoundTrip quantizes N(0,1) data to t and back and returns the RMS error relative to
// the RMS of the data.
func kqRoundTrip(t *testing.T, typ Type, superBlocks int, seed uint64) float64 {
	t.Helper()
	x := kqGaussian(superBlocks*QK_K, 1, kqRand(seed))
	y := kqDequantize(t, typ, kqQuantize(t, typ, x), len(x))
	e, rms := kqRMS(x, y)
	return e / rms
}

// kqHalf returns the fp16 encoding of f, failing when f is not exactly representable.
func kqHalf(t *testing.T, f float32) uint16 {
	t.Helper()
	h := F32ToF16(f)
	if F16ToF32(h) != f {
		t.Fatalf("%v is not an fp16 value", f)
	}
	return h
}
