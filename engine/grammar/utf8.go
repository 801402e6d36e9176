package grammar

import "unicode/utf8"

// byteRange is one position of a UTF-8 byte sequence: any byte in [lo, hi].
type byteRange struct{ lo, hi byte }

// utf8Sequences calls emit with byte-range sequences whose concatenation matches exactly
// the UTF-8 encodings of the code points in [lo, hi] (surrogates left out, as UTF-8 has
// none). Each emitted sequence is at most 4 ranges; it is the classic split of a range
// into pieces whose encodings differ only in a common prefix (as in RE2 and Rust's
// regex-syntax).
func utf8Sequences(lo, hi rune, emit func([]byteRange)) {
	if lo > hi {
		return
	}
	// surrogates are not encodable
	if lo <= 0xDFFF && hi >= 0xD800 {
		utf8Sequences(lo, 0xD7FF, emit)
		utf8Sequences(0xE000, hi, emit)
		return
	}
	// split at the encoded-length boundaries
	for _, b := range []rune{0x7F, 0x7FF, 0xFFFF} {
		if lo <= b && hi > b {
			utf8Sequences(lo, b, emit)
			utf8Sequences(b+1, hi, emit)
			return
		}
	}
	if hi < 0x80 {
		emit([]byteRange{{byte(lo), byte(hi)}})
		return
	}
	n := utf8.RuneLen(lo)
	for i := 1; i < n; i++ {
		m := rune(1)<<(6*i) - 1
		if lo&^m != hi&^m {
			if lo&m != 0 {
				utf8Sequences(lo, lo|m, emit)
				utf8Sequences((lo|m)+1, hi, emit)
				return
			}
			if hi&m != m {
				utf8Sequences(lo, (hi&^m)-1, emit)
				utf8Sequences(hi&^m, hi, emit)
				return
			}
		}
	}
	a := utf8.AppendRune(nil, lo)
	b := utf8.AppendRune(nil, hi)
	seq := make([]byteRange, len(a))
	for i := range a {
		seq[i] = byteRange{a[i], b[i]}
	}
	emit(seq)
}
