package jsonschema

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxBound is the largest bound magnitude handled (integers of up to 16 digits, as the
// integer rule allows).
const maxBound = 1e15

// bound reads a numeric keyword (ok false when absent).
func bound(s map[string]any, kw, path string) (float64, bool, error) {
	v, ok := s[kw]
	if !ok {
		return 0, false, nil
	}
	n, isNum := v.(json.Number)
	f, err := strconv.ParseFloat(string(n), 64)
	if !isNum || err != nil || math.IsInf(f, 0) {
		return 0, false, &Error{Path: path, Keyword: kw, Msg: "must be a number"}
	}
	if math.Abs(f) > maxBound {
		return 0, false, unsupported(path, kw, fmt.Sprintf("bounds beyond ±%g are not supported", maxBound))
	}
	return f, true, nil
}

// num is an integer or a number with its bounds.
func (c *converter) num(t string, s map[string]any, path string) (string, error) {
	var lo, hi *int64
	for _, b := range []struct {
		kw        string
		exclusive bool
		lower     bool
	}{{"minimum", false, true}, {"exclusiveMinimum", true, true}, {"maximum", false, false}, {"exclusiveMaximum", true, false}} {
		if v, ok := s[b.kw].(bool); ok { // draft 4: exclusiveMinimum: true modifies minimum
			if v {
				return "", unsupported(path, b.kw, "the draft-4 boolean form is not supported (use a number)")
			}
			continue
		}
		f, ok, err := bound(s, b.kw, path)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		if t == "number" && (b.exclusive || f != math.Trunc(f)) {
			return "", unsupported(path, b.kw, "bounds on a number must be inclusive whole numbers (use type integer for others)")
		}
		var v int64
		switch {
		case b.lower && b.exclusive:
			v = int64(math.Floor(f)) + 1
		case b.lower:
			v = int64(math.Ceil(f))
		case b.exclusive:
			v = int64(math.Ceil(f)) - 1
		default:
			v = int64(math.Floor(f))
		}
		if b.lower && (lo == nil || v > *lo) {
			lo = &v
		}
		if !b.lower && (hi == nil || v < *hi) {
			hi = &v
		}
	}
	if lo == nil && hi == nil {
		return c.prim(t), nil
	}
	if lo != nil && hi != nil && *lo > *hi {
		return "", &Error{Path: path, Keyword: "maximum", Msg: "no number is within the bounds"}
	}
	space := c.prim("space")
	whole := intRange(lo, hi)
	if t == "integer" {
		return "(" + whole + ") " + space, nil
	}
	// a fraction is allowed where the value stays within [lo, hi]: i.f for i in
	// [max(lo,0), hi-1], -j.f for j in [max(0,-hi), -lo-1]
	alts := []string{"(" + whole + ")"}
	dec := c.prim("decimal-part")
	posLo := int64(0)
	if lo != nil && *lo > 0 {
		posLo = *lo
	}
	if hi == nil || *hi-1 >= posLo {
		var top *uint64
		if hi != nil {
			t := uint64(*hi - 1)
			top = &t
		}
		alts = append(alts, "("+uintRange(uint64(posLo), top)+") \".\" "+dec)
	}
	negLo := int64(0)
	if hi != nil && *hi < 0 {
		negLo = -*hi
	}
	if lo == nil || -*lo-1 >= negLo {
		var top *uint64
		if lo != nil {
			t := uint64(-*lo - 1)
			top = &t
		}
		alts = append(alts, "\"-\" ("+uintRange(uint64(negLo), top)+") \".\" "+dec)
	}
	return "(" + strings.Join(alts, " | ") + ") " + space, nil
}

// intRange is GBNF for the decimal integers in [lo, hi] (nil: unbounded), without leading
// zeros or "-0".
func intRange(lo, hi *int64) string {
	var alts []string
	if lo == nil || *lo < 0 { // negatives: "-" then magnitudes [max(1,-hi), -lo]
		m := int64(1)
		if hi != nil && *hi < -1 {
			m = -*hi
		}
		var top *uint64
		if lo != nil {
			t := uint64(-*lo)
			top = &t
		}
		if top == nil || *top >= uint64(m) {
			alts = append(alts, "\"-\" ("+uintRange(uint64(m), top)+")")
		}
	}
	if hi == nil || *hi >= 0 {
		a := int64(0)
		if lo != nil && *lo > 0 {
			a = *lo
		}
		var top *uint64
		if hi != nil {
			t := uint64(*hi)
			top = &t
		}
		alts = append(alts, uintRange(uint64(a), top))
	}
	return strings.Join(alts, " | ")
}

// uintRange is GBNF for the decimal numbers in [a, b] (b nil: up to 16 digits).
func uintRange(a uint64, b *uint64) string {
	as := strconv.FormatUint(a, 10)
	var alts []string
	if b == nil {
		l := len(as)
		alts = append(alts, sameLen(as, strings.Repeat("9", l)))
		if l < 16 {
			alts = append(alts, fmt.Sprintf("[1-9] [0-9]{%d,15}", l))
		}
		return strings.Join(alts, " | ")
	}
	bs := strconv.FormatUint(*b, 10)
	for l := len(as); l <= len(bs); l++ {
		lo, hi := as, bs
		if l > len(as) {
			lo = "1" + strings.Repeat("0", l-1)
		}
		if l < len(bs) {
			hi = strings.Repeat("9", l)
		}
		alts = append(alts, sameLen(lo, hi))
	}
	return strings.Join(alts, " | ")
}

// sameLen is GBNF for the digit strings of one length in [lo, hi].
func sameLen(lo, hi string) string {
	n := len(lo)
	if lo == hi {
		return `"` + lo + `"`
	}
	if n == 1 {
		return fmt.Sprintf("[%c-%c]", lo[0], hi[0])
	}
	if lo[0] == hi[0] {
		return fmt.Sprintf(`"%c" (%s)`, lo[0], sameLen(lo[1:], hi[1:]))
	}
	zeros, nines := strings.Repeat("0", n-1), strings.Repeat("9", n-1)
	var alts []string
	start, end := lo[0], hi[0]
	if lo[1:] != zeros {
		alts = append(alts, fmt.Sprintf(`"%c" (%s)`, lo[0], sameLen(lo[1:], nines)))
		start++
	}
	var last string
	if hi[1:] != nines {
		last = fmt.Sprintf(`"%c" (%s)`, hi[0], sameLen(zeros, hi[1:]))
		end--
	}
	if start <= end {
		alts = append(alts, fmt.Sprintf("[%c-%c] [0-9]{%d}", start, end, n-1))
	}
	if last != "" {
		alts = append(alts, last)
	}
	return strings.Join(alts, " | ")
}
