package jinja

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cachedBuiltins is a read-only scope populated once with all built-in
// globals and filters. It is shared across every render — no code path
// writes to the builtins scope (only chained reads through parent
// links and lookupFilter), so a single shared instance is safe and
// avoids ~20 allocations per render.
var cachedBuiltins *scope

func init() {
	filterFuncs = filterTable()
	s := newScope(nil)
	registerGlobals(s)
	registerFilters(s)
	cachedBuiltins = s
}

// builtin is the signature of the globals and filters: they all run under the budget.
type builtin = func(b *Budget, args []Value, kwargs map[string]Value) (Value, error)

// =============================================================================
// Global functions
// =============================================================================

func registerGlobals(s *scope) {
	for name, fn := range map[string]builtin{
		"namespace":       builtinNamespace,
		"raise_exception": builtinRaiseException,
		"range":           builtinRange,
		"joiner":          builtinJoiner,
		"dict":            builtinNamespace,
		"cycler":          builtinCycler,
		"strftime_now":    builtinStrftimeNow,
	} {
		s.set(name, NewBudgetCallable(name, fn))
	}
	r, _ := s.get("range")
	c := r.v.(Callable)
	c.isRange = true
	s.set("range", Value{kind: KindCallable, v: c})
}

func sortedKeys(kwargs map[string]Value) []string {
	keys := make([]string, 0, len(kwargs))
	for k := range kwargs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// builtinNamespace is namespace(...) and dict(...): a dict of the keyword arguments (in
// name order, as the call's order is not kept), after the entries of a dict argument.
func builtinNamespace(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	b.needDict(len(kwargs))
	d := NewDict()
	dict := d.AsDict()
	if len(args) > 0 && args[0].IsDict() {
		src := args[0].AsDict()
		b.needDict(src.Len())
		for _, k := range src.Keys {
			dict.Set(k, src.Data[k])
		}
	}
	for _, k := range sortedKeys(kwargs) {
		b.dictSet(dict, k, kwargs[k])
	}
	return d, nil
}

func builtinRaiseException(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return Undefined(), fmt.Errorf("raise_exception: missing message")
	}
	msg := b.str(args[0])
	if len(msg) > 2000 {
		msg = msg[:2000] + "..."
	}
	return Undefined(), fmt.Errorf("%s", msg)
}

// builtinRange is range([start,] stop[, step]) as a list, refused before it is built
// when it would pass the list limit. (A for loop over range(...) does not build the
// list: it counts, one step an iteration; see execFor.)
func builtinRange(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	start, step, count, err := rangeOf(args)
	if err != nil {
		return Undefined(), err
	}
	b.needList(count)
	items := make([]Value, count)
	for i := range items {
		items[i] = NewInt(start + int64(i)*step)
	}
	return NewList(items), nil
}

// rangeOf reads range's arguments: the items are start + i*step for i < count (count
// math.MaxInt64 when there are more).
func rangeOf(args []Value) (start, step int64, count int, err error) {
	var stop int64
	step = 1
	switch len(args) {
	case 1:
		stop = toInt64(args[0])
	case 2:
		start, stop = toInt64(args[0]), toInt64(args[1])
	case 3:
		start, stop, step = toInt64(args[0]), toInt64(args[1]), toInt64(args[2])
	default:
		return 0, 0, 0, fmt.Errorf("range: expected 1-3 arguments, got %d", len(args))
	}
	if step == 0 {
		return 0, 0, 0, fmt.Errorf("range: step must not be zero")
	}
	// The number of items, in unsigned arithmetic so no bound overflows it.
	var n uint64
	switch {
	case step > 0 && start < stop:
		n = (uint64(stop)-uint64(start)-1)/uint64(step) + 1
	case step < 0 && start > stop:
		n = (uint64(start)-uint64(stop)-1)/(uint64(-(step+1))+1) + 1
	}
	return start, step, int(min(n, math.MaxInt64)), nil
}

func builtinJoiner(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	sep := ", "
	if len(args) > 0 {
		sep = b.str(args[0])
	}

	first := true
	return NewCallable("joiner", func(args []Value, kwargs map[string]Value) (Value, error) {
		if first {
			first = false
			return NewString(""), nil
		}
		return NewString(sep), nil
	}), nil
}

func builtinStrftimeNow(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	format := "%Y-%m-%d"
	if len(args) > 0 {
		format = b.str(args[0])
	}
	// Each directive (two bytes) becomes at most ~10 bytes ("September").
	b.needString(int64(len(format)) * 5)
	b.work(8)
	return NewString(time.Now().Format(strftimeToGo(format))), nil
}

// strftimeToGo converts a Python strftime format string to a Go time format.
func strftimeToGo(format string) string {
	return strftimeReplacer.Replace(format)
}

var strftimeReplacer = strings.NewReplacer(
	"%Y", "2006",
	"%m", "01",
	"%d", "02",
	"%H", "15",
	"%M", "04",
	"%S", "05",
	"%B", "January",
	"%b", "Jan",
	"%A", "Monday",
	"%a", "Mon",
	"%p", "PM",
	"%I", "03",
	"%Z", "MST",
	"%%", "%",
)

func builtinCycler(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return Undefined(), fmt.Errorf("cycler: expected at least one argument")
	}

	idx := 0
	items := make([]Value, len(args))
	copy(items, args)

	d := NewDict()
	dict := d.AsDict()
	dict.Set("current", items[0])
	dict.Set("next", NewCallable("cycler.next", func(a []Value, kw map[string]Value) (Value, error) {
		v := items[idx]
		idx = (idx + 1) % len(items)
		dict.Set("current", items[idx])
		return v, nil
	}))
	dict.Set("reset", NewCallable("cycler.reset", func(a []Value, kw map[string]Value) (Value, error) {
		idx = 0
		dict.Set("current", items[0])
		return None(), nil
	}))

	return d, nil
}

// =============================================================================
// Test evaluation
// =============================================================================

func (b *Budget) test(name string, val Value, args []Value) (bool, error) {
	b.step()
	arg := func() (Value, bool) {
		if len(args) < 1 {
			return Undefined(), false
		}
		return args[0], true
	}
	switch name {
	case "defined":
		return !val.IsUndefined(), nil
	case "undefined":
		return val.IsUndefined(), nil
	case "none":
		return val.IsNone(), nil
	case "boolean":
		return val.IsBool(), nil
	case "integer":
		return val.IsInt(), nil
	case "float":
		return val.IsFloat(), nil
	case "number":
		return val.IsNumber(), nil
	case "string":
		return val.IsString(), nil
	case "mapping":
		return val.IsDict(), nil
	case "iterable":
		return val.IsList() || val.IsDict() || val.IsString(), nil
	case "sequence":
		return val.IsList() || val.IsString() || val.IsDict(), nil
	case "callable":
		return val.IsCallable(), nil
	case "true":
		return val.IsBool() && val.AsBool(), nil
	case "false":
		return val.IsBool() && !val.AsBool(), nil
	case "eq", "equalto", "==", "ne", "!=":
		a, ok := arg()
		if !ok {
			return false, fmt.Errorf("test %q requires an argument", name)
		}
		eq := b.equal(val, a, 0)
		if name == "ne" || name == "!=" {
			return !eq, nil
		}
		return eq, nil
	case "gt", "greaterthan", ">", "ge", ">=", "lt", "lessthan", "<", "le", "<=":
		a, ok := arg()
		if !ok {
			return false, nil
		}
		c := b.compare(val, a)
		switch name {
		case "gt", "greaterthan", ">":
			return c > 0, nil
		case "ge", ">=":
			return c >= 0, nil
		case "lt", "lessthan", "<":
			return c < 0, nil
		}
		return c <= 0, nil
	case "in":
		a, ok := arg()
		if !ok {
			return false, nil
		}
		return b.contains(a, val), nil
	case "odd":
		return val.IsInt() && val.AsInt()%2 != 0, nil
	case "even":
		return val.IsInt() && val.AsInt()%2 == 0, nil
	case "divisibleby":
		a, ok := arg()
		if !ok || toInt64(a) == 0 {
			return false, fmt.Errorf("divisibleby: integer division or modulo by zero")
		}
		return toInt64(val)%toInt64(a) == 0, nil
	case "upper", "lower":
		if !val.IsString() {
			return false, nil
		}
		s := val.AsString()
		b.needString(int64(len(s)) * 3 / 2)
		if name == "upper" {
			return s == strings.ToUpper(s), nil
		}
		return s == strings.ToLower(s), nil
	case "sameas":
		a, ok := arg()
		if !ok {
			return false, nil
		}
		return sameAs(val, a), nil
	}

	return false, fmt.Errorf("unknown test %q", name)
}

// sameAs is Python's `is`: the same list or dict, or equal scalars.
func sameAs(x, y Value) bool {
	switch {
	case x.kind != y.kind:
		return false
	case x.IsList():
		return x.AsList() == y.AsList()
	case x.IsDict():
		return x.AsDict() == y.AsDict()
	case x.IsCallable():
		return false
	}
	return x.Equals(y)
}

// =============================================================================
// Helpers
// =============================================================================

// toInt64 reads v as an integer the way Jinja's int filter does: a float truncated, a
// bool as 0 or 1, a string parsed as an integer or a float (0 when it is neither).
func toInt64(v Value) int64 {
	switch v.kind {
	case KindInt:
		return v.AsInt()
	case KindFloat:
		f := v.AsFloat()
		switch {
		case f != f:
			return 0
		case f >= math.MaxInt64:
			return math.MaxInt64
		case f <= math.MinInt64:
			return math.MinInt64
		}
		return int64(f)
	case KindBool:
		if v.AsBool() {
			return 1
		}
		return 0
	case KindString:
		s := strings.TrimSpace(v.AsString())
		if len(s) > 64 {
			return 0
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return toInt64(NewFloat(f))
		}
	}
	return 0
}

// toFloat64 reads v as a float the way Jinja's float filter does (0 when it is not a number).
func toFloat64(v Value) float64 {
	switch v.kind {
	case KindFloat:
		return v.AsFloat()
	case KindInt:
		return float64(v.AsInt())
	case KindBool:
		if v.AsBool() {
			return 1
		}
		return 0
	case KindString:
		s := strings.TrimSpace(v.AsString())
		if len(s) > 400 {
			return 0
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return 0
}

// printValue converts a scalar Value to its template output string: no quotes around
// strings, empty for None and Undefined. Lists and dicts print as their repr, which
// the evaluator builds under its budget (Budget.str); this unbudgeted form is for
// callers outside a render.
func printValue(v Value) string {
	switch v.kind {
	case KindUndefined, KindNone, KindCallable:
		return ""
	case KindBool:
		if v.AsBool() {
			return "True"
		}
		return "False"
	case KindInt:
		return strconv.FormatInt(v.AsInt(), 10)
	case KindFloat:
		return fmt.Sprintf("%g", v.AsFloat())
	case KindString:
		return v.AsString()
	}
	return reprShort(v)
}
