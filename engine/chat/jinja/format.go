package jinja

import (
	"fmt"
	"strconv"
	"strings"
)

// format is Python's printf-style string formatting, s % args: %s, %r, %d, %i, %f, %x
// and %%, with the flags '-' and '0', a width and a precision. A tuple (a list here)
// gives several arguments; a dict form %(name)s is not supported.
func (b *Budget) format(s string, arg Value) (Value, error) {
	args := []Value{arg}
	if arg.IsList() {
		args = arg.AsList().Items
	}
	w := b.NewBuilder()
	next := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			w.WriteByte(c)
			continue
		}
		j := i + 1
		left, zero := false, false
		for ; j < len(s) && (s[j] == '-' || s[j] == '0' || s[j] == ' ' || s[j] == '+'); j++ {
			left = left || s[j] == '-'
			zero = zero || s[j] == '0'
		}
		width, j := digits(s, j)
		prec := -1
		if j < len(s) && s[j] == '.' {
			prec, j = digits(s, j+1)
		}
		if j >= len(s) {
			return Undefined(), fmt.Errorf("incomplete format")
		}
		verb := s[j]
		i = j
		if verb == '%' {
			w.WriteByte('%')
			continue
		}
		if next >= len(args) {
			return Undefined(), fmt.Errorf("not enough arguments for format string")
		}
		a := args[next]
		next++
		var text string
		switch verb {
		case 's':
			if a.IsNone() {
				text = "None"
			} else {
				text = b.str(a)
			}
			if prec >= 0 && prec < len(text) {
				text = text[:prec]
			}
		case 'r':
			rw := b.NewBuilder()
			b.repr(rw, a, 0)
			rw.must()
			text = rw.String()
		case 'd', 'i', 'x':
			if !a.isNumeric() {
				return Undefined(), fmt.Errorf("%%%c format: a real number is required, not %s", verb, a.kindName())
			}
			base := 10
			if verb == 'x' {
				base = 16
			}
			text = strconv.FormatInt(toInt64(a), base)
		case 'f':
			if !a.isNumeric() {
				return Undefined(), fmt.Errorf("%%f format: a real number is required, not %s", a.kindName())
			}
			if prec < 0 {
				prec = 6
			}
			if prec > 100 {
				return Undefined(), fmt.Errorf("%%f format: precision %d too large", prec)
			}
			text = strconv.FormatFloat(toFloat64(a), 'f', prec, 64)
		default:
			return Undefined(), fmt.Errorf("unsupported format character %q", verb)
		}
		if pad := width - len(text); pad > 0 {
			b.needString(int64(w.Len()) + int64(width))
			fill := " "
			if zero && !left && verb != 's' && verb != 'r' {
				fill = "0"
			}
			switch {
			case left:
				text += strings.Repeat(" ", pad)
			case fill == "0" && strings.HasPrefix(text, "-"):
				text = "-" + strings.Repeat("0", pad) + text[1:]
			default:
				text = strings.Repeat(fill, pad) + text
			}
		}
		w.WriteString(text)
		w.must()
	}
	w.must()
	if next < len(args) && !arg.IsDict() {
		return Undefined(), fmt.Errorf("not all arguments converted during string formatting")
	}
	return NewString(w.String()), nil
}

// digits reads a decimal number at s[i:] (0 when there is none; capped far above any
// string limit so it cannot overflow).
func digits(s string, i int) (int, int) {
	n := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < 1<<40 {
			n = n*10 + int(s[i]-'0')
		}
	}
	return n, i
}
