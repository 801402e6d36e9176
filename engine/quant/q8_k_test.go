package quant

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestKQuantLayouts(t *testing.T) {
	for typ, want := range map[Type]int{Q2_K: blockQ2_K, Q3_K: blockQ3_K, Q4_K: blockQ4_K, Q5_K: blockQ5_K, Q6_K: blockQ6_K, Q8_K: blockQ8_K} {
		tr, ok := typ.Traits()
		if !ok || tr.BlockSize != QK_K || tr.BlockBytes != want {
			t.Errorf("%s: table says %d values in %d bytes, kernels use %d in %d", typ, tr.BlockSize, tr.BlockBytes, QK_K, want)
		}
		if tr.Dequantize == nil || tr.Quantize == nil {
			t.Errorf("%s: Dequantize or Quantize missing", typ)
		}
		if typ != Q8_K && (tr.VecDot == nil || tr.VecDotType != Q8_K) {
			t.Errorf("%s: VecDot missing or not against Q8_K", typ)
		}
	}
}

// Q8_K by hand: the largest magnitude (negative here) maps to -127 with its sign folded
// into d, values round to nearest (ties to even), sums per 16.
func TestQuantizeQ8_KHandMade(t *testing.T) {
	x := make([]float32, 2*QK_K)
	x[0] = -2          // max magnitude: iscale = -127/-2 = 63.5, d = 1/63.5
	x[1] = 1           // 63.5 -> 64 (tie, to even)
	x[2] = 0.5         // 31.75 -> 32
	x[17] = -1.5       // -95.25 -> -95
	x[255] = 3.0 / 127 // 1.5 -> 2 (tie, to even)
	// the second block is all zero
	b := kqQuantize(t, Q8_K, x)
	if d := math.Float32frombits(binary.LittleEndian.Uint32(b)); d != float32(1)/float32(63.5) {
		t.Errorf("d = %v, want 1/63.5", d)
	}
	q := func(blk, i int) int { return int(int8(b[blk*292+4+i])) }
	bsum := func(blk, j int) int { return int(int16(binary.LittleEndian.Uint16(b[blk*292+260+2*j:]))) }
	for i, want := range map[int]int{0: -127, 1: 64, 2: 32, 3: 0, 17: -95, 255: 2} {
		if got := q(0, i); got != want {
			t.Errorf("q[%d] = %d, want %d", i, got, want)
		}
	}
	for j, want := range map[int]int{0: -127 + 64 + 32, 1: -95, 2: 0, 15: 2} {
		if got := bsum(0, j); got != want {
			t.Errorf("bsums[%d] = %d, want %d", j, got, want)
		}
	}
	for i := 0; i < 292; i++ {
		if b[292+i] != 0 {
			t.Fatalf("zero block: byte %d = %d", i, b[292+i])
		}
	}
	y := kqDequantize(t, Q8_K, b, 2*QK_K)
	if want := float32(1) / float32(63.5) * 64; y[1] != want {
		t.Errorf("dequantized x[1] = %v, want %v", y[1], want)
	}
	if y[0] != -127*(float32(1)/float32(63.5)) {
		t.Errorf("dequantized x[0] = %v", y[0])
	}
}

// The activation quantizer loses at most half a step per value.
func TestQuantizeQ8_KError(t *testing.T) {
	x := kqGaussian(40*QK_K, 1, kqRand(3))
	y := kqDequantize(t, Q8_K, kqQuantize(t, Q8_K, x), len(x))
	for i := 0; i < len(x); i += QK_K {
		amax := 0.0
		for _, v := range x[i : i+QK_K] {
			amax = max(amax, math.Abs(float64(v)))
		}
		for j := i; j < i+QK_K; j++ {
			if e := math.Abs(float64(x[j]) - float64(y[j])); e > amax/127*0.5001 {
				t.Fatalf("value %d: %v -> %v, error %v > half step %v", j, x[j], y[j], e, amax/127/2)
			}
		}
	}
	e, rms := kqRMS(x, y)
	t.Logf("Q8_K round trip: RMS error %.5f of RMS", e/rms)
}

var kqBenchTypes = []Type{Q2_K, Q3_K, Q4_K, Q5_K, Q6_K}

var kqRefs = map[Type]kqVecDot{
	Q2_K: vecDotQ2_KQ8_KRef,
	Q3_K: vecDotQ3_KQ8_KRef,
	Q4_K: vecDotQ4_KQ8_KRef,
	Q5_K: vecDotQ5_KQ8_KRef,
	Q6_K: vecDotQ6_KQ8_KRef,
}

var kqSink float32

// BenchmarkVecDotK measures the fast dot products on a 4096-value row; bytes/s counts the
// weight bytes.
func BenchmarkVecDotK(b *testing.B) {
	for _, typ := range kqBenchTypes {
		tr, _ := typ.Traits()
		b.Run(typ.String(), func(b *testing.B) { kqBenchVecDot(b, typ, tr.VecDot) })
	}
}

// BenchmarkVecDotKRef measures the plain references the same way, for comparison.
func BenchmarkVecDotKRef(b *testing.B) {
	for _, typ := range kqBenchTypes {
		b.Run(typ.String(), func(b *testing.B) { kqBenchVecDot(b, typ, kqRefs[typ]) })
	}
}

func kqBenchVecDot(b *testing.B, typ Type, f kqVecDot) {
	const n = 4096
	r := kqRand(9)
	w := kqRandomBlocks(typ, n/QK_K, r)
	a := kqRandomBlocks(Q8_K, n/QK_K, r)
	b.SetBytes(int64(len(w)))
	for b.Loop() {
		kqSink += f(n, w, a)
	}
}
