package tokenizer

import (
	"fmt"
	"reflect"
	"testing"
)

// wpmVocab is a tiny converted-BERT vocab: word starts carry "▁", continuations not.
func wpmVocab() Vocab {
	toks := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "▁hello", "▁un", "aff", "able",
		"▁world", "▁!", "▁a", "▁中", "▁x", "▁$", "▁5", "▁€5", "▁i"}
	types := make([]int32, len(toks))
	for i := range types {
		types[i] = TypeNormal
	}
	types[0], types[1], types[2], types[3] = TypeControl, TypeUnknown, TypeControl, TypeControl
	return Vocab{Model: "bert", Tokens: toks, Types: types,
		BOS: 2, EOS: 3, UNK: 1, SEP: 3, PAD: 0, EOT: NoToken, EOM: NoToken,
		FIMPre: NoToken, FIMSuf: NoToken, FIMMid: NoToken, FIMPad: NoToken, FIMRep: NoToken, FIMSep: NoToken,
		AddBOS: true, AddEOS: true}
}

func TestWPMEncode(t *testing.T) {
	tok, err := New(wpmVocab())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want []string
	}{
		{"Hello, WORLD!", []string{"▁hello", "[UNK]", "▁world", "▁!"}}, // "," is its own word, unknown
		{"Unaffable", []string{"▁un", "aff", "able"}},                  // greedy longest match
		{"unaffx", []string{"[UNK]"}},                                  // a word not fully covered is unknown
		{"\u00c0", []string{"▁a"}},                                     // NFD first codepoint drops the accent
		{"A\u0301", []string{"[UNK]"}},                                 // a combining mark stays in the word
		{"中文", []string{"▁中", "[UNK]"}},                                // each CJK ideograph is a word
		{"$5 €5", []string{"▁$", "▁5", "▁€5"}},                         // ASCII symbols split, others do not
		{"\u0130", []string{"▁i"}},                                     // İ: NFD gives I + dot, lowercased
		{" a\t\u00a0 x\x01\n", []string{"▁a", "▁x"}},                   // whitespace splits, controls vanish
		{"", nil},
	} {
		var got []string
		for _, id := range tok.Encode(c.text, false, false) {
			got = append(got, tok.Token(id))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Encode(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	ids := tok.Encode("hello [SEP] world", true, true)
	if want := []int32{2, 4, 3, 8, 3}; !equalIDs(ids, want) {
		t.Errorf("Encode with specials = %v, want %v", ids, want)
	}
	if got := tok.Detokenize(ids, true, false); got != " hello world" {
		t.Errorf("Detokenize = %q", got)
	}
	if got := tok.Detokenize(ids, false, true); got != "[CLS] hello[SEP] world[SEP]" {
		t.Errorf("Detokenize(unparse) = %q", got)
	}
	if got := string(tok.Piece(6, false)); got != "aff" {
		t.Errorf("Piece(aff) = %q", got)
	}
}

func TestWPMWords(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"Don't STOP", []string{"don", "'", "t", "stop"}},
		{"a\u3000b\u2028c", []string{"a", "b", "c"}},
		{"x\x00y\ufffdz\u200bw", []string{"xyzw"}}, // NUL, U+FFFD and format chars are dropped
		{"\xff", nil}, // invalid UTF-8 reads as U+FFFD
		{"Ñandú", []string{"nandu"}},
		{"한국", []string{"\u1112\u1100"}}, // Hangul syllables keep their first jamo
	} {
		if got := wpmWords(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("wpmWords(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestWPMFromGGUFDefaults(t *testing.T) {
	toks := make([]string, 110)
	for i := range toks {
		toks[i] = fmt.Sprintf("[unused%d]", i)
	}
	kv := map[string]any{"tokenizer.ggml.model": "bert", "tokenizer.ggml.tokens": toks}
	v, err := VocabFromGGUF(writeGGUF(t, kv))
	if err != nil {
		t.Fatal(err)
	}
	if v.BOS != 101 || v.EOS != 102 || v.SEP != 102 || v.UNK != 100 || v.PAD != 0 || !v.AddBOS || !v.AddEOS {
		t.Errorf("defaults: BOS %d EOS %d SEP %d UNK %d PAD %d add %v %v", v.BOS, v.EOS, v.SEP, v.UNK, v.PAD, v.AddBOS, v.AddEOS)
	}
	kv["tokenizer.ggml.cls_token_id"] = uint32(5)
	kv["tokenizer.ggml.seperator_token_id"] = uint32(6)
	kv["tokenizer.ggml.add_eos_token"] = false
	v, err = VocabFromGGUF(writeGGUF(t, kv))
	if err != nil {
		t.Fatal(err)
	}
	if v.BOS != 5 || v.EOS != 6 || v.SEP != 6 || v.AddEOS {
		t.Errorf("keys: BOS %d EOS %d SEP %d addEOS %v", v.BOS, v.EOS, v.SEP, v.AddEOS)
	}
}
