package tokenizer

import "testing"

func TestSpecialPartition(t *testing.T) {
	v := bpeVocab("gpt-2", []string{"a b"},
		"<|im_start|>:3", "<|im_end|>:1", "<think>:4", "<th:4", "<unk>:2")
	tok := mustNew(t, v)
	start, end, think, th, unk := ids(tok, "<|im_start|>")[0], ids(tok, "<|im_end|>")[0],
		ids(tok, "<think>")[0], ids(tok, "<th")[0], ids(tok, "<unk>")[0]
	a, b, lt := int32('a'), int32('b'), int32('<') // byte tokens have the byte's id
	ab := ids(tok, "ab")[0]
	cases := []struct {
		text         string
		parseSpecial bool
		want         []int32
	}{
		// user-defined tokens are matched even without parseSpecial, longest first
		{"ab<think>b", false, []int32{ab, think, b}},
		{"<th<think>", false, []int32{th, think}},
		// control and unknown tokens only with parseSpecial
		{"<|im_start|>ab<|im_end|>", true, []int32{start, ab, end}},
		{"<unk>a", true, []int32{unk, a}},
		{"<unk>", false, append([]int32{lt}, tok.Encode("unk>", false, false)...)},
	}
	for _, c := range cases {
		if got := tok.Encode(c.text, false, c.parseSpecial); !equalIDs(got, c.want) {
			t.Errorf("Encode(%q, parseSpecial=%v) = %v, want %v", c.text, c.parseSpecial, got, c.want)
		}
	}
	// <|im_end|> was typed normal: llama.cpp forces it to control (and EOG), so it is
	// not matched in plain text
	got := tok.Encode("<|im_end|>", false, false)
	if len(got) == 1 {
		t.Errorf("<|im_end|> matched without parseSpecial: %v", got)
	}
	if !tok.IsEOG(end) || !tok.IsControl(end) || tok.EOT() != end {
		t.Errorf("<|im_end|>: eog %v control %v, eot %d", tok.IsEOG(end), tok.IsControl(end), tok.EOT())
	}
}

func TestSpecialStrip(t *testing.T) {
	// phi-3: special tokens swallow the spaces after them
	v := spmVocab(map[string]float32{"▁": -1, "a": -1, "▁a": -2}, "<|user|>:4")
	v.Name = "Phi3"
	tok := mustNew(t, v)
	user := ids(tok, "<|user|>")[0]
	want := append(ids(tok, "▁a"), user)
	want = append(want, ids(tok, "▁a")...) // after a special token: a new space prefix
	if got := tok.Encode("a<|user|>  \ta", false, false); !equalIDs(got, want) {
		t.Errorf("phi3 rstrip: %v, want %v", got, want)
	}
	v.Name = "other"
	tok = mustNew(t, v)
	want = append(ids(tok, "▁a"), user)
	want = append(want, ids(tok, "▁", "▁", "▁", "<0x09>", "a")...)
	if got := tok.Encode("a<|user|>  \ta", false, false); !equalIDs(got, want) {
		t.Errorf("no rstrip: %v, want %v", got, want)
	}
}

func TestEOG(t *testing.T) {
	v := bpeVocab("llama-bpe", nil, "<|begin_of_text|>:3", "<|end_of_text|>:3", "<|eom_id|>:3",
		"<|eot_id|>:3", "<|python_tag|>:3")
	v.BOS, v.EOS, v.AddBOS = 256, 259, true
	tok := mustNew(t, v)
	if got, want := tok.EOG(), []int32{257, 258, 259}; !equalIDs(got, want) {
		t.Errorf("EOG = %v, want %v", got, want)
	}
	if tok.EOT() != 257 || tok.EOM() != 258 {
		t.Errorf("EOT %d EOM %d", tok.EOT(), tok.EOM())
	}
	if tok.IsEOG(256) || tok.IsEOG(260) || tok.IsEOG(-1) {
		t.Error("non-EOG token reported as EOG")
	}
	// gpt-oss: <|end|> is not EOG next to <|return|> and <|call|>; it renders as text
	v = bpeVocab("gpt-2", nil, "<|return|>:3", "<|call|>:3", "<|end|>:3")
	tok = mustNew(t, v)
	if tok.IsEOG(258) || !tok.IsEOG(256) || !tok.IsEOG(257) || string(tok.Piece(258, false)) != "<|end|>" {
		t.Errorf("gpt-oss EOG %v, <|end|> piece %q", tok.EOG(), tok.Piece(258, false))
	}
}

// TestSpecialTextLists guards the first-byte filter in in().
func TestSpecialTextLists(t *testing.T) {
	for _, list := range [][]string{eotTexts, eomTexts, fimPreTexts, fimSufTexts, fimMidTexts, fimPadTexts,
		fimRepTexts, fimSepTexts, eogTexts, alwaysRendered} {
		for _, s := range list {
			if !in(s, list) {
				t.Errorf("%q is not found in its own list", s)
			}
		}
	}
}
