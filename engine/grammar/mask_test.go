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

// randomVocab: n random pieces of 1..9 bytes, mostly plain ASCII (so that the trie has the
// long plain subtrees the mask walk takes whole), some JSON punctuation and UTF-8 bytes.
func randomVocab(n int) *Vocab {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("abcdefghij klmnopqrstuvwxyz0123456789ABCXYZ-_.")
	special := []byte("\"\\{}[]:,\n\t\xc3\xa9\xe2\x82\xac")
	var pieces [][]byte
	for _, b := range append(append([]byte(nil), alphabet...), special...) {
		pieces = append(pieces, []byte{b})
	}
	for len(pieces) < n {
		p := make([]byte, 1+r.IntN(9))
		for i := range p {
			if r.IntN(8) == 0 {
				p[i] = special[r.IntN(len(special))]
			} else {
				p[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		pieces = append(pieces, p)
	}
	pieces = append(pieces, []byte("</s>"))
	return NewVocab(pieces, []int32{int32(len(pieces) - 1)})
}

// Mask agrees with Allows on every token along random walks (the JSON grammar, a bounded
// string, an open string), and every walk's text is accepted by a fresh matcher byte by
// byte.
func TestMaskAgreesWithAllows(t *testing.T) {
	src, err := os.ReadFile("testdata/json.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		g    string
		v    *Vocab
	}{
		{"json/small", string(src), testVocab()},
		{"json/random", string(src), randomVocab(3000)},
		{"bounded/random", `root ::= "{\"s\": \"" [^"\\]{0,7} "\", \"t\": \"" [a-z ]{2,12} "\"}"`, randomVocab(3000)},
		{"open/random", `root ::= ("\"" [^"\\\x00-\x1F]* "\" ")+ "."`, randomVocab(3000)},
	} {
		t.Run(c.name, func(t *testing.T) { maskWalks(t, mustParse(t, c.g), c.v, 60) })
	}
}

func maskWalks(t *testing.T, g *Grammar, v *Vocab, walks int) {
	c := Bind(g, v)
	r := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, v.Len())
	for walk := 0; walk < walks; walk++ {
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
