package tokenizer

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// WordPiece ("bert" vocabs) as llama.cpp's llm_tokenizer_wpm does it: the text is
// normalized (each codepoint replaced by the first codepoint of its NFD form, which
// drops accents, then lowercased), cut into words at whitespace, with each punctuation
// mark, ASCII symbol and CJK ideograph a word of its own; each word, prefixed with "▁"
// as llama.cpp's converted BERT vocabs spell word starts, is covered by greedy
// longest matches, and a word that cannot be covered entirely becomes [UNK].

// wpmTokenize appends the tokens of text (a fragment without special tokens) to out.
func (t *Tokenizer) wpmTokenize(text string, out []int32) []int32 {
	var word []byte
	for _, w := range wpmWords(text) {
		word = append(append(word[:0], "▁"...), w...)
		out = t.wpmWord(word, out)
	}
	return out
}

// wpmWord appends the greedy longest-match cover of word, or UNK when some position
// has no match.
func (t *Tokenizer) wpmWord(word []byte, out []int32) []int32 {
	start := len(out)
	n := len(word)
	for i := 0; i < n; {
		j := min(n, i+t.maxTokenLen)
		for ; j > i; j-- {
			if id, ok := t.toID[string(word[i:j])]; ok {
				out = append(out, id)
				break
			}
		}
		if j == i { // no piece starts here: the word is unknown
			out = out[:start]
			break
		}
		i = j
	}
	if len(out) == start && t.unk != NoToken {
		out = append(out, t.unk)
	}
	return out
}

// wpmWords is llama.cpp's llm_tokenizer_wpm_session::preprocess: the non-empty words
// of text after normalization.
func wpmWords(text string) []string {
	var words []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for i := 0; i < len(text); {
		r, n := decodeCpt(text, i)
		i += n
		r = nfdFirst(r)
		if isWhitespace(r) {
			flush()
			continue
		}
		f := cptFlags(r)
		if r == 0 || r == utf8.RuneError || f == flagControl {
			continue
		}
		lower := r
		if utf8.ValidRune(r) {
			lower = unicode.ToLower(r)
		}
		if f == flagPunctuation || r < 0x7F && f == flagSymbol || isChineseChar(r) {
			flush()
			cur = appendCpt(cur, lower)
			flush()
			continue
		}
		cur = appendCpt(cur, lower)
	}
	flush()
	return words
}

// nfdFirst is llama.cpp's unicode_cpts_normalize_nfd for one codepoint: the first
// codepoint of its canonical decomposition (itself when it has none).
func nfdFirst(r rune) rune {
	if r < 0xC0 || !utf8.ValidRune(r) {
		return r // nothing below U+00C0 decomposes
	}
	var buf [utf8.UTFMax]byte
	s := buf[:utf8.EncodeRune(buf[:], r)]
	if norm.NFD.IsNormal(s) {
		return r
	}
	d, _ := utf8.DecodeRune(norm.NFD.Bytes(s))
	return d
}

// isChineseChar is the CJK ideograph test of BERT's tokenizer, with llama.cpp's ranges
// (0x2B920 rather than 0x2B820, as in Hugging Face's Rust code).
func isChineseChar(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF ||
		r >= 0x3400 && r <= 0x4DBF ||
		r >= 0x20000 && r <= 0x2A6DF ||
		r >= 0x2A700 && r <= 0x2B73F ||
		r >= 0x2B740 && r <= 0x2B81F ||
		r >= 0x2B920 && r <= 0x2CEAF ||
		r >= 0xF900 && r <= 0xFAFF ||
		r >= 0x2F800 && r <= 0x2FA1F
}
