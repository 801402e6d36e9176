package sample

import (
	"maps"
	"testing"
)

// llama.cpp's formula on hand-computed values: divide positive, multiply non-positive,
// then subtract count*freq + present.
func TestApplyPenaltiesHand(t *testing.T) {
	logits := []float32{2, -2, 1, 0.5, 3, 0}
	counts := map[int32]int32{0: 2, 1: 1, 3: 1, 5: 3, -1: 4, 6: 1} // -1 and 6 are outside the vocab
	applyPenalties(logits, counts, 2, 0.5, 1)
	want := []float32{
		2.0/2 - (2*0.5 + 1), // -1
		-2*2 - (1*0.5 + 1),  // -5.5
		1,                   // not seen
		0.5/2 - (1*0.5 + 1), // -1.25
		3,                   // not seen
		0*2 - (3*0.5 + 1),   // -2.5
	}
	for i := range want {
		if logits[i] != want[i] {
			t.Fatalf("logits = %v, want %v", logits, want)
		}
	}
}

// Each penalty alone moves only the seen tokens, by its own rule.
func TestApplyPenaltiesEach(t *testing.T) {
	counts := map[int32]int32{1: 3, 2: 1}
	cases := []struct {
		name                  string
		repeat, freq, present float32
		want                  []float32
	}{
		{"off", 1, 0, 0, []float32{4, 4, -4, 0}},
		{"repeat", 1.25, 0, 0, []float32{4, 3.2, -5, 0}},
		{"frequency", 1, 0.5, 0, []float32{4, 2.5, -4.5, 0}},
		{"presence", 1, 0, 0.75, []float32{4, 3.25, -4.75, 0}},
		{"negative presence rewards", 1, 0, -1, []float32{4, 5, -3, 0}},
	}
	for _, c := range cases {
		logits := []float32{4, 4, -4, 0}
		applyPenalties(logits, counts, c.repeat, c.freq, c.present)
		for i := range c.want {
			if logits[i] != c.want[i] {
				t.Errorf("%s: logits = %v, want %v", c.name, logits, c.want)
				break
			}
		}
	}
}

// The window keeps the last N tokens and their counts; older ones fall out.
func TestWindow(t *testing.T) {
	w := newWindow(3)
	for _, tok := range []int32{0, 1, 0, 3} {
		w.accept(tok)
	}
	if want := map[int32]int32{1: 1, 0: 1, 3: 1}; !maps.Equal(w.counts, want) {
		t.Fatalf("counts = %v, want %v", w.counts, want)
	}
	for _, tok := range []int32{3, 3} {
		w.accept(tok)
	}
	if want := map[int32]int32{3: 3}; !maps.Equal(w.counts, want) {
		t.Fatalf("counts = %v, want %v", w.counts, want)
	}
	w.reset()
	if len(w.counts) != 0 || w.n != 0 {
		t.Fatalf("after reset: counts %v, n %d", w.counts, w.n)
	}
	w.accept(9)
	if want := map[int32]int32{9: 1}; !maps.Equal(w.counts, want) {
		t.Fatalf("counts = %v, want %v", w.counts, want)
	}

	off := newWindow(0)
	off.accept(5)
	if len(off.counts) != 0 {
		t.Fatalf("a zero window counted %v", off.counts)
	}
}

// A long random stream: the incremental counts equal a recount of the last N tokens.
func TestWindowRecount(t *testing.T) {
	r := newXoshiro(11)
	const size = 17
	w := newWindow(size)
	var all []int32
	for i := range 2000 {
		tok := int32(r.next() % 23)
		w.accept(tok)
		all = append(all, tok)
		want := map[int32]int32{}
		for _, x := range all[max(0, len(all)-size):] {
			want[x]++
		}
		if !maps.Equal(w.counts, want) {
			t.Fatalf("step %d: counts %v, want %v", i, w.counts, want)
		}
	}
}
