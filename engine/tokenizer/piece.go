package tokenizer

import (
	"fmt"
	"strings"
)

// Piece returns the bytes token id stands for (llama_token_to_piece with lstrip 0):
// SPM pieces with ▁ turned into spaces, <0xNN> byte tokens as the raw byte, byte-level
// BPE pieces mapped back from GPT-2's alphabet to bytes. Control and unknown tokens
// give nothing unless special is set, then their text; user-defined tokens always give
// their text. Out-of-range ids give nothing.
func (t *Tokenizer) Piece(id int32, special bool) []byte {
	return t.AppendPiece(nil, id, special)
}

// AppendPiece appends Piece(id, special) to dst.
func (t *Tokenizer) AppendPiece(dst []byte, id int32, special bool) []byte {
	if id < 0 || int(id) >= len(t.tokens) {
		return dst
	}
	if !special && t.attrs[id]&(attrUnknown|attrControl) != 0 {
		return dst
	}
	return append(dst, t.pieces[id]...)
}

func (t *Tokenizer) piece(id int32, special bool) []byte {
	a := t.attrs[id]
	if !special && a&(attrUnknown|attrControl) != 0 {
		return nil
	}
	text := t.tokens[id]
	switch {
	case a&(attrUnknown|attrControl|attrUserDefined) != 0:
		return []byte(text)
	case a&attrNormal != 0:
		if t.spm || t.wpm {
			return []byte(strings.ReplaceAll(text, "▁", " "))
		}
		return decodeByteLevel(text)
	case a&attrByte != 0:
		return []byte{hexByte(text)}
	}
	return nil // unused / undefined tokens render as nothing
}

// hexByte reads the byte of a "<0xNN>" token as llama.cpp's token_to_byte does
// (strtol of the two characters after "<0x"; 0 when they are not hex).
func hexByte(s string) byte {
	v := 0
	for i := 3; i < 5 && i < len(s); i++ {
		c := s[i]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		default:
			return byte(v)
		}
		v = v*16 + d
	}
	return byte(v)
}

// decodeByteLevel maps a GPT-2 alphabet string back to bytes (llama_decode_text); a
// codepoint outside the alphabet is written as llama.cpp does: "[UNK_BYTE_0x<hex><text>]".
func decodeByteLevel(text string) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		r, n := decodeCpt(text, i)
		i += n
		if b, ok := runeToByte[r]; ok {
			out = append(out, b)
			continue
		}
		out = append(out, "[UNK_BYTE_0x"...)
		for _, c := range appendCpt(nil, r) {
			out = fmt.Appendf(out, "%02x", c)
		}
		out = append(out, text...)
		out = append(out, ']')
	}
	return out
}

// Decode concatenates the pieces of ids (special tokens render as nothing), with no
// clean-up: for valid UTF-8 text, Decode(Encode(text, false, false)) == text, except
// that an SPM vocab adds its leading space.
func (t *Tokenizer) Decode(ids []int32) string {
	var b []byte
	for _, id := range ids {
		b = t.AppendPiece(b, id, false)
	}
	return string(b)
}

// Detokenize is llama.cpp's llama_detokenize: with removeSpecial a leading BOS and a
// trailing EOS are dropped (when the vocab adds them), unparseSpecial renders control
// tokens, an SPM vocab's leading space is removed, and vocabs with
// clean_up_tokenization_spaces get " ." -> "." and similar fixes.
func (t *Tokenizer) Detokenize(ids []int32, removeSpecial, unparseSpecial bool) string {
	removeSpace := t.addSpacePrefix
	if removeSpecial && t.addBOS && len(ids) > 0 && ids[0] == t.bos {
		removeSpace = false
		ids = ids[1:]
	}
	if removeSpecial && t.addEOS && len(ids) > 0 && ids[len(ids)-1] == t.eos {
		ids = ids[:len(ids)-1]
	}
	var text []byte
	for _, id := range ids {
		start := len(text)
		text = t.AppendPiece(text, id, unparseSpecial)
		if removeSpace && len(text) > start && text[start] == ' ' {
			text = append(text[:start], text[start+1:]...)
		}
		removeSpace = false
	}
	if t.cleanSpaces {
		text = cleanSpaces(text)
	}
	return string(text)
}

// cleanSpaces is the three passes of llama.cpp's detokenize clean-up.
func cleanSpaces(text []byte) []byte {
	if len(text) == 0 {
		return text
	}
	// " ?", " !", " .", " ,"
	n := 1
	for i := 1; i < len(text); i++ {
		x := text[i]
		if text[i-1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') {
			n--
		}
		text[n] = x
		n++
	}
	text = text[:n]
	// " ' " -> "'"
	n = 1
	for i := 1; i < len(text); i++ {
		x := text[i]
		if x == '\'' && i+1 < len(text) && text[i-1] == ' ' && text[i+1] == ' ' {
			n-- // drop the space before
			i++ // and skip the one after; llama.cpp leaves a NUL there, seen by the next test
			text[i] = 0
		}
		text[n] = x
		n++
	}
	text = text[:n]
	// " 's", " 'm", " 're", " 've"
	n = 1
	for i := 1; i < len(text); i++ {
		x := text[i]
		if text[i-1] == ' ' && x == '\'' && i+1 < len(text) {
			x1 := text[i+1]
			if x1 == 's' || x1 == 'm' {
				n--
			} else if x1 != 't' && x1 != 'd' && i+2 < len(text) {
				x2 := text[i+2]
				if x1 == 'r' && x2 == 'e' || x1 == 'v' && x2 == 'e' {
					n--
				}
			}
		}
		text[n] = x
		n++
	}
	return text[:n]
}
