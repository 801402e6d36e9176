package sample

import (
	"math"
	"slices"
	"testing"
)

// testLogits returns n logits from seed, quantized to tenths in [-10, 10] so that ties
// are frequent, with a few -Inf.
func testLogits(n int, seed uint64) []float32 {
	r := newXoshiro(seed)
	out := make([]float32, n)
	for i := range out {
		v := r.next()
		if v%97 == 0 {
			out[i] = float32(math.Inf(-1))
			continue
		}
		out[i] = float32(int(v>>40%201)-100) / 10
	}
	return out
}

// topK matches the sort-everything reference at lengths around the heap's edges.
func TestTopKCrossCheck(t *testing.T) {
	var dst []cand
	for _, n := range []int{1, 2, 3, 4, 7, 8, 31, 33, 64, 255, 256, 257, 1000, 4099} {
		logits := testLogits(n, uint64(n))
		for _, k := range []int{1, 2, 3, 40, n / 2, n - 1, n} {
			if k < 1 || k > n {
				continue
			}
			dst = topK(dst, logits, k)
			if want := topKRef(logits, k); !slices.Equal(dst, want) {
				t.Fatalf("n=%d k=%d:\n got %v\nwant %v", n, k, dst, want)
			}
		}
	}
}

// A hand-made case: ties go to the lower id, the result is sorted best first.
func TestTopKHand(t *testing.T) {
	logits := []float32{1, 5, 3, 5, -2, 4, 3}
	got := topK(nil, logits, 4)
	want := []cand{{1, 5}, {3, 5}, {5, 4}, {2, 3}}
	if !slices.Equal(got, want) {
		t.Fatalf("topK = %v, want %v", got, want)
	}
	if got := topK(nil, logits, 1); !slices.Equal(got, []cand{{1, 5}}) {
		t.Fatalf("topK k=1 = %v", got)
	}
}

// topK reuses dst's storage and allocates nothing once it is big enough.
func TestTopKNoAlloc(t *testing.T) {
	logits := testLogits(5000, 3)
	dst := make([]cand, 0, 40)
	if a := testing.AllocsPerRun(10, func() { dst = topK(dst, logits, 40) }); a != 0 {
		t.Fatalf("topK allocates %v times per call", a)
	}
}
