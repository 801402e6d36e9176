package grammar

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// testVocab is a small vocabulary of JSON-ish pieces, multi-byte characters split across
// tokens (as byte-level BPE and byte fallback do), and an end token.
func testVocab() *Vocab {
	pieces := [][]byte{
		[]byte("{"), []byte("}"), []byte("{\""), []byte("\":"), []byte("\": "), []byte("\","),
		[]byte("\"}"), []byte("["), []byte("]"), []byte(","), []byte(" "), []byte("\n"), []byte("  "),
		[]byte("\""), []byte("a"), []byte("name"), []byte("true"), []byte("tr"), []byte("ue"), []byte("null"),
		[]byte("1"), []byte("23"), []byte("-"), []byte("."), []byte("e"), []byte("\\"), []byte("\\n"),
		{0xC3}, {0xA9}, []byte("é"), {0xE2, 0x82}, {0xAC}, []byte("\x01"), {}, []byte("\"]"), []byte("}]"), []byte(":"),
		[]byte("<eos>"),
	}
	return NewVocab(pieces, []int32{int32(len(pieces) - 1)})
}

// Mask agrees with Allows on every token along random walks through the JSON grammar,
// and every walk's text is accepted by a fresh matcher byte by byte.
func TestMaskAgreesWithAllows(t *testing.T) {
	src, err := os.ReadFile("testdata/json.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	g := mustParse(t, string(src))
	v := testVocab()
	c := Bind(g, v)
	r := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, v.Len())
	for walk := 0; walk < 200; walk++ {
		m := c.NewMatcher()
		var text []byte
		for step := 0; step < 60 && !m.Done(); step++ {
			for i := range logits {
				logits[i] = 0
			}
			m.Mask(logits)
			var allowed []int32
			for tok := range logits {
				ok := !math.IsInf(float64(logits[tok]), -1)
				if ok != m.Allows(int32(tok)) {
					t.Fatalf("walk %d after %q: token %q: mask %v, Allows %v", walk, text, v.pieces[tok], ok, !ok)
				}
				if ok {
					allowed = append(allowed, int32(tok))
				}
			}
			if len(allowed) == 0 {
				t.Fatalf("walk %d after %q: nothing allowed", walk, text)
			}
			tok := allowed[r.IntN(len(allowed))]
			if err := m.Accept(tok); err != nil {
				t.Fatal(err)
			}
			if v.isEOG[tok] {
				if !matches(t, g, string(text)) {
					t.Fatalf("ended on %q, which the grammar does not match", text)
				}
				break
			}
			text = append(text, v.pieces[tok]...)
		}
		m2 := Bind(g, v).NewMatcher()
		if len(text) > 0 {
			if err := m2.AcceptBytes(text); err != nil {
				t.Fatalf("walk text %q refused by a fresh matcher: %v", text, err)
			}
		}
	}
}

// The automaton's caches start over past their limits without changing the language.
func TestTrimKeepsState(t *testing.T) {
	g := mustParse(t, `root ::= "[" ( [0-9]{1,3} ("," [0-9]{1,3})* )? "]"`)
	c := Bind(g, testVocab())
	m := c.NewMatcher()
	for _, s := range []string{"[", "1", "23", ","} {
		if err := m.AcceptBytes([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	stacks, accept := c.a.stacksOf(m.s)
	c.a.clear()
	c.start = c.a.start()
	m.s = c.a.restore(stacks, accept)
	if m.Allows(8) || m.Allows(9) || !m.Allows(20) {
		t.Fatal("state changed across a clear")
	}
	if err := m.AcceptBytes([]byte("1]")); err != nil || !m.Done() {
		t.Fatalf("%v, done %v", err, m.Done())
	}
}
