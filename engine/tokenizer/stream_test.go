package tokenizer

import (
	"strings"
	"testing"
)

// streamCheck pushes the tokens of text one by one and checks that every output is
// whole characters, that nothing comes out before a character is complete, and that
// the pieces add up to the text.
func streamCheck(t *testing.T, tok *Tokenizer, text string) {
	t.Helper()
	ids := tok.Encode(text, true, false)
	s := tok.NewStream(false)
	var got strings.Builder
	var raw []byte
	for _, id := range ids {
		raw = tok.AppendPiece(raw, id, false)
		out := s.Push(id)
		got.WriteString(out)
		// what is out so far is the longest complete-character prefix of the raw bytes
		want := string(raw[:len(raw)-incompleteTail(raw)])
		if got.String() != want {
			t.Fatalf("after token %d: streamed %q, want %q", id, got.String(), want)
		}
	}
	got.WriteString(s.Flush())
	if want := tok.Decode(ids); got.String() != want {
		t.Errorf("streamed %q, want %q", got.String(), want)
	}
}

func TestStreamByteFallback(t *testing.T) {
	// a vocab with no piece for 你, 好 or 🙂: each comes as 3 or 4 byte tokens
	tok := mustNew(t, spmVocab(map[string]float32{"▁": -1}))
	text := "你好🙂"
	ids := tok.Encode(text, false, false)
	if len(ids) != 1+3+3+4 {
		t.Fatalf("Encode(%q) = %v, want 11 tokens", text, ids)
	}
	s := tok.NewStream(false)
	var outs []string
	for _, id := range ids {
		outs = append(outs, s.Push(id))
	}
	want := []string{" ", "", "", "你", "", "", "好", "", "", "", "🙂"}
	if strings.Join(outs, "|") != strings.Join(want, "|") {
		t.Errorf("outputs %q, want %q", outs, want)
	}
	if f := s.Flush(); f != "" {
		t.Errorf("Flush = %q", f)
	}
	streamCheck(t, tok, text)
}

func TestStreamSharedVocab(t *testing.T) {
	// synth-llama: the first 2048 pieces of the llama vocab, so CJK falls back to bytes
	tok := loadTokenizer(t, "models", "synth-llama-Q8_0.gguf")
	// (a space that cannot merge is left as the bytes of ▁, as in llama.cpp)
	streamCheck(t, tok, "Café naïve 你好 🙂 done")
	if n := len(tok.Encode("你好🙂", false, false)); n < 10 {
		t.Errorf("expected byte fallback for 你好🙂, got %d tokens", n)
	}
}

func TestStreamInvalid(t *testing.T) {
	tok := mustNew(t, spmVocab(nil))
	b := func(x byte) int32 { return 3 + int32(x) } // byte token ids
	s := tok.NewStream(false)
	var got []string
	for _, id := range []int32{b(0xE4), b(0xBD), b('A'), b(0xFF), b(0xF0), b(0x9F)} {
		got = append(got, s.Push(id))
	}
	got = append(got, s.Flush())
	// E4 BD is one truncated character (one U+FFFD); FF can never start one; F0 9F is
	// held until Flush
	want := []string{"", "", "\uFFFDA", "\uFFFD", "", "", "\uFFFD"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, c := range []struct{ in, want string }{
		{"ok", "ok"}, {"\xC0\xAF", "\uFFFD\uFFFD"}, {"\xED\xA0\x80", "\uFFFD\uFFFD\uFFFD"},
		{"\xF4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"}, {"\xE0\xA0", "\uFFFD"}, {"a\uFFFDb", "a\uFFFDb"},
	} {
		if got := ValidUTF8([]byte(c.in)); got != c.want {
			t.Errorf("ValidUTF8(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
