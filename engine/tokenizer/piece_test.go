package tokenizer

import "testing"

func TestPiece(t *testing.T) {
	spm := mustNew(t, spmVocab(map[string]float32{"▁a": -1, "b▁": -1}, "<u>:4", "<x>:5", "<y>:0"))
	for _, c := range []struct {
		id      int32
		special bool
		want    string
	}{
		{0, false, ""}, {0, true, "<unk>"}, // unknown
		{1, false, ""}, {1, true, "<s>"}, // control
		{3 + 0x41, false, "A"}, {3 + 0xE4, false, "\xE4"}, // byte tokens
		{ids(spm, "▁a")[0], false, " a"}, {ids(spm, "b▁")[0], false, "b "},
		{ids(spm, "<u>")[0], false, "<u>"}, // user-defined: always its text
		{ids(spm, "<x>")[0], true, ""},     // unused
		{ids(spm, "<y>")[0], true, ""},     // undefined type
		{-1, true, ""}, {int32(spm.Len()), true, ""},
	} {
		if got := string(spm.Piece(c.id, c.special)); got != c.want {
			t.Errorf("spm Piece(%d, %v) = %q, want %q", c.id, c.special, got, c.want)
		}
	}
	bpe := mustNew(t, bpeVocab("gpt-2", []string{"Ġ a", "Ġa b"}, "<|e|>:3", "x€:1"))
	for _, c := range []struct {
		text string
		want string
	}{
		{"Ġab", " ab"}, {"Ċ", "\n"}, {"Ã", "\xC3"}, {"<|e|>", ""},
		{"x€", "x[UNK_BYTE_0xe282ac" + "x€]"}, // llama.cpp's rendering of a codepoint outside the alphabet
	} {
		if got := string(bpe.Piece(ids(bpe, c.text)[0], false)); got != c.want {
			t.Errorf("bpe Piece(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	p := bpe.Piece(ids(bpe, "Ġab")[0], false)
	p[0] = 'X' // the caller owns the slice
	if got := string(bpe.Piece(ids(bpe, "Ġab")[0], false)); got != " ab" {
		t.Errorf("Piece shares its cache: %q", got)
	}
}

func TestDetokenize(t *testing.T) {
	spm := mustNew(t, spmVocab(map[string]float32{"▁a": -1, "▁": -1}))
	a := ids(spm, "▁a")[0]
	for _, c := range []struct {
		ids                    []int32
		removeSpecial, unparse bool
		want                   string
	}{
		{[]int32{a, a}, false, false, "a a"},        // the prefix space goes
		{[]int32{1, a, a, 2}, false, false, " a a"}, // BOS counts as the first token
		{[]int32{1, a, a, 2}, false, true, "<s> a a</s>"},
		// BOS removed (add_bos), EOS kept (no add_eos); llama.cpp then keeps the space
		{[]int32{1, a, a, 2}, true, true, " a a</s>"},
	} {
		if got := spm.Detokenize(c.ids, c.removeSpecial, c.unparse); got != c.want {
			t.Errorf("Detokenize(%v, %v, %v) = %q, want %q", c.ids, c.removeSpecial, c.unparse, got, c.want)
		}
	}
	if got := spm.Decode([]int32{1, a, a, 2}); got != " a a" {
		t.Errorf("Decode = %q", got)
	}

	bpe := mustNew(t, bpeVocab("gpt-2", nil)) // clean_up_tokenization_spaces
	for _, c := range []struct{ in, want string }{
		{"Hello , world !", "Hello, world!"},
		{"a ' b", "a'b"},
		{"it 's I 'm we 're you 've I 'll don 't I 'd", "it's I'm we're you've I 'll don 't I 'd"},
		{" ", " "}, {"", ""},
	} {
		if got := bpe.Detokenize(bpe.Encode(c.in, false, false), false, false); got != c.want {
			t.Errorf("gpt-2 Detokenize(Encode(%q)) = %q, want %q", c.in, got, c.want)
		}
	}
	qwen := mustNew(t, bpeVocab("qwen2", nil)) // no clean-up
	if got := qwen.Detokenize(qwen.Encode("Hello , world !", false, false), false, false); got != "Hello , world !" {
		t.Errorf("qwen2 Detokenize = %q", got)
	}
}

// TestDetokenizeRealVocabs: llama.cpp's detokenized form of a few vector texts.
func TestDetokenizeRealVocabs(t *testing.T) {
	spm := loadTokenizer(t, "vocab", "ggml-vocab-llama-spm.gguf")
	for _, s := range []string{"Hello world", " Hello World!", "   Hello\n    Hello", "🚀 (normal) 😶‍🌫️"} {
		ids := spm.Encode(s, false, false)
		if got := spm.Detokenize(ids, false, false); got != s {
			t.Errorf("llama-spm Detokenize(Encode(%q)) = %q", s, got)
		}
	}
	gpt2 := loadTokenizer(t, "vocab", "ggml-vocab-gpt-2.gguf")
	if got := gpt2.Detokenize(gpt2.Encode("Hello, y'all! How are you 😁 ?", false, false), false, false); got != "Hello, y'all! How are you 😁?" {
		t.Errorf("gpt-2 Detokenize = %q", got)
	}
}
