package sample

import "testing"

// The reference outputs of xoshiro256** from the state {1, 2, 3, 4} (the authors' C code).
func TestXoshiroReference(t *testing.T) {
	x := xoshiro{s: [4]uint64{1, 2, 3, 4}}
	want := []uint64{
		11520, 0, 1509978240, 1215971899390074240, 1216172134540287360,
		607988272756665600, 16172922978634559625, 8476171486693032832,
		10595114339597558777, 2904607092377533576,
	}
	for i, w := range want {
		if got := x.next(); got != w {
			t.Fatalf("output %d = %d, want %d", i, got, w)
		}
	}
}

// SplitMix64's published first outputs for seed 0.
func TestSplitMix64Reference(t *testing.T) {
	var s uint64
	for i, w := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec} {
		if got := splitmix64(&s); got != w {
			t.Fatalf("output %d = %#x, want %#x", i, got, w)
		}
	}
}

// Seeding fills the state from SplitMix64, and reseeding restarts the stream.
func TestXoshiroSeed(t *testing.T) {
	x := newXoshiro(0)
	want := [4]uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec}
	if x.s != want {
		t.Fatalf("state from seed 0 = %#x, want %#x", x.s, want)
	}
	a := newXoshiro(42)
	first := []uint64{a.next(), a.next(), a.next()}
	a.seed(42)
	for i, w := range first {
		if got := a.next(); got != w {
			t.Fatalf("after reseed, output %d = %#x, want %#x", i, got, w)
		}
	}
	if b := newXoshiro(43); b.next() == first[0] {
		t.Fatal("seeds 42 and 43 start the same")
	}
}

// float64 lies in [0, 1) and its mean and spread are those of a uniform variable.
func TestXoshiroFloat64(t *testing.T) {
	x := newXoshiro(7)
	const n = 100000
	sum, sq := 0.0, 0.0
	for range n {
		u := x.float64()
		if u < 0 || u >= 1 {
			t.Fatalf("float64() = %v, outside [0, 1)", u)
		}
		sum += u
		sq += u * u
	}
	mean := sum / n
	variance := sq/n - mean*mean
	// standard error of the mean: sqrt(1/12/n) ~ 0.0009
	if mean < 0.496 || mean > 0.504 || variance < 1.0/12-0.003 || variance > 1.0/12+0.003 {
		t.Fatalf("mean %v variance %v, want 0.5 and %v", mean, variance, 1.0/12)
	}
}
