package tokenizer

import (
	"sort"
	"sync"
	"unicode"
)

// Codepoint classes as llama.cpp's unicode.cpp computes them from UnicodeData.txt
// (scripts/gen-unicode-data.py): one general-category flag per codepoint, "undefined"
// for unassigned ones, plus a separate White_Space bit. The custom GPT-2 / Llama-3
// splitters and the "collapsed" regex text are both built from these flags.
const (
	flagUndefined   uint8 = 1 << iota // Cn
	flagNumber                        // \p{N}
	flagLetter                        // \p{L}
	flagSeparator                     // \p{Z}
	flagMark                          // \p{M}
	flagPunctuation                   // \p{P}
	flagSymbol                        // \p{S}
	flagControl                       // \p{C} except Cn
)

type cptRange struct {
	lo, hi rune
	flag   uint8
}

var (
	flagsOnce sync.Once
	bmpFlags  []uint8    // flags of U+0000..U+FFFF
	astral    []cptRange // sorted ranges above U+FFFF; gaps are undefined
)

func buildFlags() {
	byMajor := map[byte]uint8{'N': flagNumber, 'L': flagLetter, 'Z': flagSeparator, 'M': flagMark,
		'P': flagPunctuation, 'S': flagSymbol, 'C': flagControl}
	bmpFlags = make([]uint8, 0x10000)
	for i := range bmpFlags {
		bmpFlags[i] = flagUndefined
	}
	for name, tab := range unicode.Categories {
		if len(name) != 2 || name == "LC" || name == "Cn" {
			continue // unions of the others, and unassigned (the default)
		}
		f := byMajor[name[0]]
		add := func(lo, hi, stride rune) {
			if stride != 1 {
				for r := lo; r <= hi; r += stride {
					add1(r, r, f)
				}
				return
			}
			add1(lo, hi, f)
		}
		for _, r := range tab.R16 {
			add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
		}
		for _, r := range tab.R32 {
			add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
		}
	}
	sort.Slice(astral, func(i, j int) bool { return astral[i].lo < astral[j].lo })
}

func add1(lo, hi rune, f uint8) {
	for ; lo <= hi && lo < 0x10000; lo++ {
		bmpFlags[lo] = f
	}
	if lo <= hi {
		astral = append(astral, cptRange{lo, hi, f})
	}
}

// cptFlags returns the category flag of r (flagUndefined outside Unicode).
func cptFlags(r rune) uint8 {
	if r >= 0 && r < 0x80 {
		return asciiFlags[r]
	}
	flagsOnce.Do(buildFlags)
	if r >= 0 && r < 0x10000 {
		return bmpFlags[r]
	}
	i := sort.Search(len(astral), func(i int) bool { return astral[i].hi >= r })
	if i < len(astral) && astral[i].lo <= r {
		return astral[i].flag
	}
	return flagUndefined
}

var asciiFlags = func() (t [128]uint8) {
	for r := range t {
		switch {
		case r >= '0' && r <= '9':
			t[r] = flagNumber
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			t[r] = flagLetter
		case r == ' ':
			t[r] = flagSeparator
		case r < 0x20 || r == 0x7f:
			t[r] = flagControl
		case unicode.IsPunct(rune(r)):
			t[r] = flagPunctuation
		default:
			t[r] = flagSymbol
		}
	}
	return
}()

// isWhitespace is Unicode's White_Space property, the set llama.cpp uses.
func isWhitespace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r == 0x20, r == 0x85, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// decodeCpts splits s into codepoints the way llama.cpp's unicode_cpts_from_utf8 does:
// lead bytes decide the length, only the continuation bytes' top bits are checked (so
// surrogates and overlong forms decode), and each byte that starts no valid sequence
// becomes U+FFFD. A 4-byte form above U+10FFFF is also U+FFFD (llama.cpp throws later).
func decodeCpts(s string, dst []rune) []rune {
	for i := 0; i < len(s); {
		r, n := decodeCpt(s, i)
		dst = append(dst, r)
		i += n
	}
	return dst
}

func decodeCpt(s string, i int) (rune, int) {
	b := s[i]
	cont := func(k int) bool { return i+k < len(s) && s[i+k]&0xC0 == 0x80 }
	switch {
	case b < 0x80:
		return rune(b), 1
	case b&0x40 == 0:
		return 0xFFFD, 1
	case b&0x20 == 0:
		if cont(1) {
			return rune(b&0x1F)<<6 | rune(s[i+1]&0x3F), 2
		}
	case b&0x10 == 0:
		if cont(1) && cont(2) {
			return rune(b&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F), 3
		}
	case b&0x08 == 0:
		if cont(1) && cont(2) && cont(3) {
			r := rune(b&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F)
			if r <= 0x10FFFF {
				return r, 4
			}
		}
	}
	return 0xFFFD, 1
}

// appendCpt encodes r as llama.cpp's unicode_cpt_to_utf8 does (surrogates included).
func appendCpt(dst []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(dst, byte(r))
	case r < 0x800:
		return append(dst, 0xC0|byte(r>>6), 0x80|byte(r&0x3F))
	case r < 0x10000:
		return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6&0x3F), 0x80|byte(r&0x3F))
	default:
		return append(dst, 0xF0|byte(r>>18), 0x80|byte(r>>12&0x3F), 0x80|byte(r>>6&0x3F), 0x80|byte(r&0x3F))
	}
}

// utf8Len is llama.cpp's unicode_len_utf8: the sequence length a lead byte announces,
// judged from its high nibble alone (continuation bytes count as 1).
func utf8Len(b byte) int {
	return [16]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}[b>>4]
}
