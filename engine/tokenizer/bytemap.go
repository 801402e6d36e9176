package tokenizer

import "unicode/utf8"

// GPT-2's byte-level BPE writes every byte as a printable codepoint: the printable
// Latin-1 bytes (! .. ~, ¡ .. ¬, ® .. ÿ) stand for themselves and the other 68 bytes
// are U+0100, U+0101, ... in byte order ("Ġ" U+0120 is the space).
var (
	byteToRune [256]rune
	byteToUTF8 [256]string
	runeToByte = map[rune]byte{}
)

func init() {
	n := rune(0)
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !(b >= 0x21 && b <= 0x7E || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF) {
			r = 256 + n
			n++
		}
		byteToRune[b] = r
		byteToUTF8[b] = string(r)
		runeToByte[r] = byte(b)
	}
}

// byteEncode appends the GPT-2 unicode form of the bytes of s.
func byteEncode(dst []byte, s []byte) []byte {
	for _, b := range s {
		dst = utf8.AppendRune(dst, byteToRune[b])
	}
	return dst
}
