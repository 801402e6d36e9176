package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"hearth/internal/shared"
)

// fuzzTokenizers: hand-made vocabs always, and the shared byte-level and SPM vocabs
// when the test data is there.
func fuzzTokenizers(f *testing.F) map[string]*Tokenizer {
	toks := map[string]*Tokenizer{
		"synth-spm":   mustNew(f, spmVocab(map[string]float32{"▁": -1, "▁a": -2, "ab": -1, "é": -3})),
		"synth-qwen2": mustNew(f, bpeVocab("qwen2", []string{"Ġ a", "a b", "Ġa b"}, "<think>:4", "<|im_end|>:3")),
	}
	if shared.Find() != "" {
		for name, path := range map[string][]string{
			"gpt-2":        {"vocab", "ggml-vocab-gpt-2.gguf"},
			"deepseek-llm": {"vocab", "ggml-vocab-deepseek-llm.gguf"},
			"llama-spm":    {"vocab", "ggml-vocab-llama-spm.gguf"},
			"synth-llama3": {"models", "synth-llama3-Q8_0.gguf"},
		} {
			toks[name] = loadTokenizer(f, path...)
		}
	}
	return toks
}

// FuzzRoundTrip: for valid UTF-8, Decode(Encode(text)) gives the text back (an SPM
// vocab adds its leading space and reads ▁ as a space); any input, valid or not, is
// tokenized, detokenized and streamed without panicking, and every id is in range.
func FuzzRoundTrip(f *testing.F) {
	toks := fuzzTokenizers(f)
	for _, s := range []string{"", " ", "Hello world", "  Hello\n\n\tworld!!", "y'all 're 've", "3333 12345",
		"Café naïve 你好 🙂", "▁a", "<think>ab</think><|im_end|>", "\xE4\xBD", "\xff\xfe", "a\u00a0b\u2003c",
		"العربية हिन्दी ภาษาไทย", "\r\n\r\n  ", "🚀 (normal) 😶‍🌫️"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for name, tok := range toks {
			ids := tok.Encode(text, true, false)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.Len() {
					t.Fatalf("%s: id %d out of range", name, id)
				}
			}
			tok.Encode(text, false, true)
			tok.Detokenize(ids, true, true)
			s := tok.NewStream(true)
			for _, id := range ids {
				if out := s.Push(id); !utf8.ValidString(out) {
					t.Fatalf("%s: stream gave invalid UTF-8 %q", name, out)
				}
			}
			s.Flush()
			if !utf8.ValidString(text) {
				continue
			}
			got := tok.Decode(tok.Encode(text, false, false))
			want := text
			if tok.spm && text != "" {
				want = " " + strings.ReplaceAll(text, "▁", " ")
				got = strings.ReplaceAll(got, "▁", " ") // an unmergeable ▁ stays as its bytes
			}
			if got != want {
				t.Fatalf("%s: Decode(Encode(%q)) = %q", name, text, got)
			}
		}
	})
}
