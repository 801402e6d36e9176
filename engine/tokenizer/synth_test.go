package tokenizer

import (
	"fmt"
	"strings"
	"testing"
)

// Small hand-made vocabs, so that the rules are tested without the shared files.

func noSpecial(v Vocab) Vocab {
	v.BOS, v.EOS, v.EOT, v.EOM, v.UNK, v.SEP, v.PAD = NoToken, NoToken, NoToken, NoToken, NoToken, NoToken, NoToken
	v.FIMPre, v.FIMSuf, v.FIMMid, v.FIMPad, v.FIMRep, v.FIMSep = NoToken, NoToken, NoToken, NoToken, NoToken, NoToken
	return v
}

// spmVocab: <unk> <s> </s>, 256 byte tokens, then pieces with the given scores.
func spmVocab(pieces map[string]float32, extra ...string) Vocab {
	v := noSpecial(Vocab{Model: "llama", AddBOS: true, AddSpacePrefix: true})
	add := func(s string, score float32, typ int32) {
		v.Tokens = append(v.Tokens, s)
		v.Scores = append(v.Scores, score)
		v.Types = append(v.Types, typ)
	}
	add("<unk>", 0, TypeUnknown)
	add("<s>", 0, TypeControl)
	add("</s>", 0, TypeControl)
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 0, TypeByte)
	}
	for _, s := range sortedKeys(pieces) {
		add(s, pieces[s], TypeNormal)
	}
	for _, s := range extra { // "text:type"
		i := strings.LastIndexByte(s, ':')
		var typ int32
		fmt.Sscan(s[i+1:], &typ)
		add(s[:i], 0, typ)
	}
	v.UNK, v.BOS, v.EOS = 0, 1, 2
	return v
}

func sortedKeys(m map[string]float32) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	for i := range k {
		for j := i + 1; j < len(k); j++ {
			if k[j] < k[i] {
				k[i], k[j] = k[j], k[i]
			}
		}
	}
	return k
}

// bpeVocab: the 256 byte symbols (id = byte), then the result of each merge in order,
// then extra tokens given as "text:type".
func bpeVocab(pre string, merges []string, extra ...string) Vocab {
	v := noSpecial(Vocab{Model: "gpt2", Pre: pre, Merges: merges})
	for b := 0; b < 256; b++ {
		v.Tokens = append(v.Tokens, byteToUTF8[b])
		v.Types = append(v.Types, TypeNormal)
	}
	for _, m := range merges {
		v.Tokens = append(v.Tokens, strings.Replace(m, " ", "", 1))
		v.Types = append(v.Types, TypeNormal)
	}
	for _, s := range extra {
		i := strings.LastIndexByte(s, ':')
		var typ int32
		fmt.Sscan(s[i+1:], &typ)
		v.Tokens = append(v.Tokens, s[:i])
		v.Types = append(v.Types, typ)
	}
	return v
}

func mustNew(tb testing.TB, v Vocab) *Tokenizer {
	tb.Helper()
	t, err := New(v)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func ids(t *Tokenizer, texts ...string) []int32 {
	var out []int32
	for _, s := range texts {
		id, ok := t.ID(s)
		if !ok {
			panic("no token " + s)
		}
		out = append(out, id)
	}
	return out
}

func TestSPMMerges(t *testing.T) {
	tok := mustNew(t, spmVocab(map[string]float32{
		"▁": -1, "h": -2, "e": -2, "l": -2, "o": -2, "he": -3, "ll": -1, "llo": -4, "hell": -6, "hello": -5,
		"▁hello": -7, "ab": -1, "bc": -1, "a": -9, "b": -9, "c": -9,
	}))
	cases := []struct {
		text string
		want []int32
	}{
		{"hello", ids(tok, "▁hello")},
		{"hello hello", ids(tok, "▁hello", "▁hello")},
		// equal scores: the leftmost pair merges first
		{"abc", ids(tok, "▁", "ab", "c")},
		// no piece for é: its UTF-8 bytes
		{"é", append(ids(tok, "▁"), ids(tok, "<0xC3>", "<0xA9>")...)},
		{"", nil},
	}
	for _, c := range cases {
		if got := tok.Encode(c.text, false, false); !equalIDs(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if got := tok.Encode("hello", true, false); !equalIDs(got, append([]int32{1}, ids(tok, "▁hello")...)) {
		t.Errorf("addSpecial: %v", got)
	}
	if got := tok.Encode("", true, false); !equalIDs(got, []int32{1}) {
		t.Errorf("empty with BOS: %v", got)
	}
}

func TestBPEMerges(t *testing.T) {
	tok := mustNew(t, bpeVocab("gpt-2", []string{"a b", "ab c", "Ġ ab", "b c"}))
	cases := []struct {
		text string
		want []int32
	}{
		{"abc ab", ids(tok, "abc", "Ġab")},
		{"bc", ids(tok, "bc")},
		// rank decides: "a b" (0) before "b c" (3)
		{"abcbc", ids(tok, "abc", "bc")},
		{"\xff", ids(tok, "ï", "¿", "½")}, // bad UTF-8 reads as U+FFFD
	}
	for _, c := range cases {
		if got := tok.Encode(c.text, false, false); !equalIDs(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func TestBPEIgnoreMerges(t *testing.T) {
	// "abc" is in the vocab but no merge chain builds it: only llama3's ignore_merges finds it
	merges := []string{"a b"}
	v := bpeVocab("llama-bpe", merges, "abc:1")
	tok := mustNew(t, v)
	if got := tok.Encode("abc", false, false); !equalIDs(got, ids(tok, "abc")) {
		t.Errorf("llama-bpe: %v", got)
	}
	v.Pre = "gpt-2"
	tok = mustNew(t, v)
	if got := tok.Encode("abc", false, false); !equalIDs(got, ids(tok, "ab", "c")) {
		t.Errorf("gpt-2: %v", got)
	}
}

func TestNewErrors(t *testing.T) {
	good := bpeVocab("gpt-2", []string{"a b"})
	for _, c := range []struct {
		name string
		edit func(v *Vocab)
		msg  string
	}{
		{"empty", func(v *Vocab) { v.Tokens = nil }, "empty vocab"},
		{"model", func(v *Vocab) { v.Model = "t5" }, "unsupported tokenizer model"},
		{"no model", func(v *Vocab) { v.Model = "" }, "no tokenizer model"},
		{"pre", func(v *Vocab) { v.Pre = "nonesuch" }, "unknown pre-tokenizer type \"nonesuch\""},
		{"dup", func(v *Vocab) { v.Tokens = append(v.Tokens, "ab"); v.Types = append(v.Types, 1) }, "duplicate token"},
		{"types", func(v *Vocab) { v.Types = v.Types[:3] }, "token types"},
		{"scores", func(v *Vocab) { v.Scores = []float32{1} }, "scores"},
		{"range", func(v *Vocab) { v.EOS = int32(len(v.Tokens)) }, "out of range"},
		{"bos", func(v *Vocab) { v.AddBOS = true }, "no BOS"},
		{"eos", func(v *Vocab) { v.AddEOS = true }, "no EOS"},
	} {
		v := good
		v.Tokens = append([]string(nil), good.Tokens...)
		v.Types = append([]int32(nil), good.Types...)
		c.edit(&v)
		_, err := New(v)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.msg)
		}
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}
