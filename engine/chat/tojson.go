package chat

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"hearth/engine/chat/jinja"
)

// jsonOptions are the keyword arguments of HF transformers' tojson filter, which calls
// json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys).
type jsonOptions struct {
	indent      string // per level; used when hasIndent
	hasIndent   bool
	itemSep     string
	keySep      string
	sortKeys    bool
	ensureASCII bool
}

// pyJSON encodes v exactly as Python's json.dumps does with the given options, under the
// render's budget: each value a step, its nesting bounded, the text checked as it grows
// (a value shared many times over, or an indent of a billion spaces, stops at a limit).
func pyJSON(bud *jinja.Budget, v jinja.Value, o jsonOptions) (string, error) {
	b := bud.NewBuilder()
	if err := o.encode(bud, b, v, 0); err != nil {
		return "", err
	}
	return b.String(), b.Err()
}

// tojsonParams are HF transformers' tojson parameters after the value, in positional order.
var tojsonParams = []string{"ensure_ascii", "indent", "separators", "sort_keys"}

// tojsonCall is the global that `x | tojson(...)` is rewritten to: args[0] is x, then the
// filter's own arguments, positional (in tojsonParams order) or by keyword.
func tojsonCall(bud *jinja.Budget, args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
	if len(args) == 0 {
		return jinja.Undefined(), fmt.Errorf("tojson: no value")
	}
	if len(args)-1 > len(tojsonParams) {
		return jinja.Undefined(), fmt.Errorf("tojson: too many arguments")
	}
	named := make(map[string]jinja.Value, len(tojsonParams))
	for i, a := range args[1:] {
		named[tojsonParams[i]] = a
	}
	for k, v := range kwargs {
		if !slices.Contains(tojsonParams, k) {
			return jinja.Undefined(), fmt.Errorf("tojson: unexpected keyword argument %q", k)
		}
		if _, dup := named[k]; dup {
			return jinja.Undefined(), fmt.Errorf("tojson: got multiple values for argument %q", k)
		}
		named[k] = v
	}
	o := jsonOptions{itemSep: ", ", keySep: ": "}
	indent, ok := named["indent"]
	if !ok {
		indent = jinja.None()
	}
	switch {
	case indent.IsNone() || indent.IsUndefined():
	case indent.IsInt():
		o.hasIndent = true
		if n := indent.AsInt(); n > 0 {
			if err := bud.String(n); err != nil {
				return jinja.Undefined(), err
			}
			o.indent = strings.Repeat(" ", int(n))
		}
	case indent.IsString():
		o.hasIndent = true
		o.indent = indent.AsString()
	default:
		return jinja.Undefined(), fmt.Errorf("tojson: indent must be an integer or a string, not %s", indent)
	}
	if o.hasIndent {
		o.itemSep = ","
	}
	if v, ok := named["separators"]; ok && !v.IsNone() {
		if !v.IsList() || v.AsList().Len() != 2 || !v.AsList().Items[0].IsString() || !v.AsList().Items[1].IsString() {
			return jinja.Undefined(), fmt.Errorf("tojson: separators must be two strings")
		}
		o.itemSep, o.keySep = v.AsList().Items[0].AsString(), v.AsList().Items[1].AsString()
	}
	o.sortKeys = named["sort_keys"].IsTruthy()
	o.ensureASCII = named["ensure_ascii"].IsTruthy()
	s, err := pyJSON(bud, args[0], o)
	if err != nil {
		return jinja.Undefined(), err
	}
	return jinja.NewString(s), nil
}

func (o *jsonOptions) newline(b *jinja.Builder, depth int) {
	b.WriteByte('\n')
	for range depth {
		b.WriteString(o.indent)
	}
}

func (o *jsonOptions) encode(bud *jinja.Budget, b *jinja.Builder, v jinja.Value, depth int) error {
	if err := bud.Step(1); err != nil {
		return err
	}
	if err := bud.Nested(depth); err != nil {
		return err
	}
	if err := b.Err(); err != nil {
		return err
	}
	switch {
	case v.IsUndefined(), v.IsNone():
		// jinja2 would refuse Undefined; a chat prompt is better served by null.
		b.WriteString("null")
	case v.IsBool():
		if v.AsBool() {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case v.IsInt():
		b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case v.IsFloat():
		b.WriteString(pyFloatJSON(v.AsFloat()))
	case v.IsString():
		o.writeString(b, v.AsString())
	case v.IsList():
		items := v.AsList().Items
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			if o.hasIndent {
				o.newline(b, depth+1)
			}
			if err := o.encode(bud, b, it, depth+1); err != nil {
				return err
			}
		}
		if o.hasIndent {
			o.newline(b, depth)
		}
		b.WriteByte(']')
	case v.IsDict():
		d := v.AsDict()
		keys := d.OrderedKeys()
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		if o.sortKeys {
			if err := bud.Step(int64(len(keys))); err != nil {
				return err
			}
			sort.Strings(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			if o.hasIndent {
				o.newline(b, depth+1)
			}
			o.writeString(b, k)
			b.WriteString(o.keySep)
			val, _ := d.Get(k)
			if err := o.encode(bud, b, val, depth+1); err != nil {
				return err
			}
		}
		if o.hasIndent {
			o.newline(b, depth)
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("tojson: %s is not JSON serializable", v)
	}
	return b.Err()
}

// writeString quotes s like json.dumps: \" \\ \n \r \t \b \f, other controls as \u00XX, and
// with ensure_ascii every non-ASCII code point (and DEL) as \uXXXX (surrogate pairs above
// U+FFFF). Invalid UTF-8 bytes, which a Python str cannot hold, become U+FFFD.
func (o *jsonOptions) writeString(b *jinja.Builder, s string) {
	const hex = "0123456789abcdef"
	u4 := func(r rune) {
		b.WriteString(`\u`)
		b.WriteByte(hex[r>>12&0xf])
		b.WriteByte(hex[r>>8&0xf])
		b.WriteByte(hex[r>>4&0xf])
		b.WriteByte(hex[r&0xf])
	}
	b.WriteByte('"')
	for _, r := range s { // ranging a string yields U+FFFD for invalid bytes
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				u4(r)
			case o.ensureASCII && r >= 0x7f:
				if r > 0xffff {
					r -= 0x10000
					u4(0xd800 + r>>10)
					u4(0xdc00 + r&0x3ff)
				} else {
					u4(r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// pyFloatJSON formats f as Python's float.__repr__ (which json.dumps uses): the shortest
// digits that round-trip, positional when the decimal exponent is in [-4, 16), else
// scientific with a signed exponent of at least two digits; integral values keep ".0".
// Non-finite values are NaN, Infinity, -Infinity (json.dumps' allow_nan default).
func pyFloatJSON(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return pyFloatRepr(f)
}

func pyFloatRepr(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // "-d.ddde±XX"
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // position of the decimal point relative to digits
	if decpt <= -4 || decpt > 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	switch {
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		return sign + digits[:decpt] + "." + digits[decpt:]
	}
}
