package jinja

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Values walked under the budget: printing, comparing, arithmetic. Each node visited is
// a step and each level a level of depth, so a list that holds itself or a value doubled
// thirty times ({% set x = [x, x] %}) costs what it walks, not what it would print.

const minInt = math.MinInt64

var errOverflow = errors.New("integer overflow (template integers are 64-bit)")

// str converts v to its output text: a list or dict as its Python repr, built under the
// budget; everything else as printValue.
func (b *Budget) str(v Value) string {
	if v.kind != KindList && v.kind != KindDict {
		return printValue(v)
	}
	w := b.NewBuilder()
	b.repr(w, v, 0)
	w.must()
	return w.String()
}

// repr writes Value.String's Python-style representation of v into w.
func (b *Budget) repr(w *Builder, v Value, depth int) {
	b.step()
	b.nested(depth)
	switch v.kind {
	case KindString:
		w.WriteByte('\'')
		w.WriteString(v.AsString())
		w.WriteByte('\'')
	case KindList:
		w.WriteByte('[')
		for i, item := range v.AsList().Items {
			if i > 0 {
				w.WriteString(", ")
			}
			b.repr(w, item, depth+1)
			w.must()
		}
		w.WriteByte(']')
	case KindDict:
		d := v.AsDict()
		w.WriteByte('{')
		for i, key := range d.Keys {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteByte('\'')
			w.WriteString(key)
			w.WriteString("': ")
			b.repr(w, d.Data[key], depth+1)
			w.must()
		}
		w.WriteByte('}')
	default:
		w.WriteString(v.scalarString())
	}
	w.must()
}

// reprShort is v's representation cut to a size fit for an error message.
func reprShort(v Value) string {
	return reprWithin(v, Limits{Steps: 200, String: 120, Depth: 8})
}

// reprWithin is v's representation built under lim, cut short with "..." where it
// passes them.
func reprWithin(v Value, lim Limits) (s string) {
	b := newBudget(lim, nil, nil)
	w := b.NewBuilder()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
			s = w.String() + "..."
		}
	}()
	b.repr(w, v, 0)
	return w.String()
}

// equal is Python's ==: numbers across int, float and bool; lists item by item; dicts
// key by key.
func (b *Budget) equal(x, y Value, depth int) bool {
	b.step()
	b.nested(depth)
	if x.isNumeric() && y.isNumeric() {
		if x.kind == KindFloat || y.kind == KindFloat {
			return toFloat64(x) == toFloat64(y)
		}
		return toInt64(x) == toInt64(y)
	}
	if x.kind != y.kind {
		return false
	}
	switch x.kind {
	case KindUndefined, KindNone:
		return true
	case KindString:
		b.scan(len(x.AsString()))
		return x.AsString() == y.AsString()
	case KindList:
		l, m := x.AsList(), y.AsList()
		if l == m {
			return true
		}
		if l.Len() != m.Len() {
			return false
		}
		for i := range l.Items {
			if !b.equal(l.Items[i], m.Items[i], depth+1) {
				return false
			}
		}
		return true
	case KindDict:
		c, d := x.AsDict(), y.AsDict()
		if c == d {
			return true
		}
		if c.Len() != d.Len() {
			return false
		}
		for _, key := range c.Keys {
			dv, ok := d.Get(key)
			if !ok || !b.equal(c.Data[key], dv, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// isNumeric reports whether v takes part in arithmetic as a number (bools do, as in Python).
func (v Value) isNumeric() bool {
	return v.kind == KindInt || v.kind == KindFloat || v.kind == KindBool
}

// compare orders x and y: strings by their bytes (code points), numbers by value;
// anything else by its numeric reading, as the library always did.
func (b *Budget) compare(x, y Value) int {
	b.step()
	if x.IsString() && y.IsString() {
		b.scan(min(len(x.AsString()), len(y.AsString())))
		return strings.Compare(x.AsString(), y.AsString())
	}
	if x.IsString() {
		b.scan(len(x.AsString()))
	}
	if y.IsString() {
		b.scan(len(y.AsString()))
	}
	xf, yf := toFloat64(x), toFloat64(y)
	switch {
	case xf < yf:
		return -1
	case xf > yf:
		return 1
	}
	return 0
}

// contains is Python's `item in container`.
func (b *Budget) contains(container, item Value) bool {
	switch {
	case container.IsList():
		for _, v := range container.AsList().Items {
			if b.equal(v, item, 0) {
				return true
			}
		}
		return false
	case container.IsDict():
		return item.IsString() && container.AsDict().Has(item.AsString())
	case container.IsString():
		if !item.IsString() {
			return false
		}
		b.scan(len(container.AsString()))
		return strings.Contains(container.AsString(), item.AsString())
	}
	return false
}

// concat joins two strings once their sum has passed the budget.
func (b *Budget) concat(x, y string) Value {
	b.needString(int64(len(x)) + int64(len(y)))
	return NewString(x + y)
}

// size is n*m for sizes (n, m >= 0), math.MaxInt64 when that overflows (which every
// limit then refuses).
func size(n, m int64) int64 {
	hi, lo := bits.Mul64(uint64(n), uint64(m))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func (b *Budget) add(x, y Value) (Value, error) {
	switch {
	case x.IsString() || y.IsString():
		return b.concat(b.str(x), b.str(y)), nil
	case x.IsList() && y.IsList():
		l, m := x.AsList().Items, y.AsList().Items
		b.needList(len(l) + len(m))
		items := make([]Value, 0, len(l)+len(m))
		return NewList(append(append(items, l...), m...)), nil
	case x.IsFloat() || y.IsFloat():
		return NewFloat(toFloat64(x) + toFloat64(y)), nil
	}
	a, c := toInt64(x), toInt64(y)
	r := a + c
	if (a >= 0) == (c >= 0) && (r >= 0) != (a >= 0) {
		return Undefined(), errOverflow
	}
	return NewInt(r), nil
}

func sub(x, y Value) (Value, error) {
	if x.IsFloat() || y.IsFloat() {
		return NewFloat(toFloat64(x) - toFloat64(y)), nil
	}
	a, c := toInt64(x), toInt64(y)
	r := a - c
	if (a >= 0) != (c >= 0) && (r >= 0) != (a >= 0) {
		return Undefined(), errOverflow
	}
	return NewInt(r), nil
}

// mul is Python's *: a string or list repeated (nothing for a count below 1), else a product.
func (b *Budget) mul(x, y Value) (Value, error) {
	if y.IsString() || y.IsList() {
		x, y = y, x
	}
	switch {
	case x.IsString() && (y.IsInt() || y.IsBool()):
		n := toInt64(y)
		if n <= 0 {
			return NewString(""), nil
		}
		s := x.AsString()
		b.needString(size(int64(len(s)), n))
		return NewString(strings.Repeat(s, int(n))), nil
	case x.IsList() && (y.IsInt() || y.IsBool()):
		n := toInt64(y)
		if n <= 0 {
			return NewList(nil), nil
		}
		l := x.AsList().Items
		total := size(int64(len(l)), n)
		b.needList(int(total))
		items := make([]Value, 0, total)
		for range n {
			items = append(items, l...)
		}
		return NewList(items), nil
	case x.IsString() || x.IsList():
		return Undefined(), fmt.Errorf("can't multiply sequence by non-int of type %s", y.kindName())
	case x.IsFloat() || y.IsFloat():
		return NewFloat(toFloat64(x) * toFloat64(y)), nil
	}
	r, err := mulInt(toInt64(x), toInt64(y))
	if err != nil {
		return Undefined(), err
	}
	return NewInt(r), nil
}

// mulInt is a*c, or errOverflow.
func mulInt(a, c int64) (int64, error) {
	r := a * c
	if a != 0 && (r/a != c || (a == -1 && c == minInt)) {
		return 0, errOverflow
	}
	return r, nil
}

// div is Python's true division: always a float, and division by zero is an error.
func div(x, y Value) (Value, error) {
	d := toFloat64(y)
	if d == 0 {
		return Undefined(), errors.New("division by zero")
	}
	return NewFloat(toFloat64(x) / d), nil
}

// floorDiv is Python's //: rounded toward minus infinity, an int for ints.
func floorDiv(x, y Value) (Value, error) {
	if x.IsFloat() || y.IsFloat() {
		d := toFloat64(y)
		if d == 0 {
			return Undefined(), errors.New("float floor division by zero")
		}
		return NewFloat(math.Floor(toFloat64(x) / d)), nil
	}
	a, d := toInt64(x), toInt64(y)
	if d == 0 {
		return Undefined(), errors.New("integer division or modulo by zero")
	}
	if a == minInt && d == -1 {
		return Undefined(), errOverflow
	}
	q := a / d
	if (a%d != 0) && ((a < 0) != (d < 0)) {
		q--
	}
	return NewInt(q), nil
}

// mod is Python's %: the remainder takes the divisor's sign. A string on the left is
// printf-style formatting ('%s' % x).
func mod(x, y Value) (Value, error) {
	if x.IsString() {
		return Undefined(), errFormat
	}
	if x.IsFloat() || y.IsFloat() {
		d := toFloat64(y)
		if d == 0 {
			return Undefined(), errors.New("float modulo by zero")
		}
		r := math.Mod(toFloat64(x), d)
		if r != 0 && (r < 0) != (d < 0) {
			r += d
		}
		return NewFloat(r), nil
	}
	a, d := toInt64(x), toInt64(y)
	if d == 0 {
		return Undefined(), errors.New("integer modulo by zero")
	}
	if d == -1 {
		return NewInt(0), nil
	}
	r := a % d
	if r != 0 && (r < 0) != (d < 0) {
		r += d
	}
	return NewInt(r), nil
}

// errFormat stands for the string % formatting the evaluator handles (see format.go).
var errFormat = errors.New("string formatting")

// pow is Python's **: an int for an int to a non-negative int power (an error when it
// does not fit 64 bits), else a float.
func pow(x, y Value) (Value, error) {
	if !x.IsFloat() && !y.IsFloat() && toInt64(y) >= 0 {
		base, exp := toInt64(x), toInt64(y)
		r := int64(1)
		for exp > 0 {
			if exp&1 == 1 {
				v, err := mulInt(r, base)
				if err != nil {
					return Undefined(), err
				}
				r = v
			}
			exp >>= 1
			if exp > 0 {
				v, err := mulInt(base, base)
				if err != nil {
					return Undefined(), err
				}
				base = v
			}
		}
		return NewInt(r), nil
	}
	b, e := toFloat64(x), toFloat64(y)
	if b == 0 && e < 0 {
		return Undefined(), errors.New("0.0 cannot be raised to a negative power")
	}
	return NewFloat(math.Pow(b, e)), nil
}

// dictSet sets d[key], checking the dict's size when the key is new.
func (b *Budget) dictSet(d *Dict, key string, val Value) {
	if !d.Has(key) {
		if int64(d.Len())+1 > b.lim.List {
			b.needList(d.Len() + 1)
		}
		b.needMemory(entryBytes + int64(len(key)))
	}
	d.Set(key, val)
}

func (v Value) kindName() string {
	switch v.kind {
	case KindUndefined:
		return "Undefined"
	case KindNone:
		return "NoneType"
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindString:
		return "str"
	case KindList:
		return "list"
	case KindDict:
		return "dict"
	}
	return "callable"
}

// scalarString is String for a value that holds no others.
func (v Value) scalarString() string {
	switch v.kind {
	case KindNone:
		return "None"
	case KindBool:
		if v.v.(bool) {
			return "True"
		}
		return "False"
	case KindInt:
		return strconv.FormatInt(v.v.(int64), 10)
	case KindFloat:
		return fmt.Sprintf("%g", v.v.(float64))
	case KindString:
		return "'" + v.v.(string) + "'"
	case KindCallable:
		return fmt.Sprintf("<callable %s>", v.v.(Callable).Name)
	}
	return "Undefined"
}
