package jinja

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// Filters over lists and numbers.

func filterFirst(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsList() || args[0].AsList().Len() == 0 {
		return Undefined(), nil
	}
	return args[0].AsList().Get(0), nil
}

func filterLast(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsList() || args[0].AsList().Len() == 0 {
		return Undefined(), nil
	}
	l := args[0].AsList()
	return l.Get(l.Len() - 1), nil
}

func filterLength(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewInt(0), nil
	}
	v := args[0]
	switch {
	case v.IsList():
		return NewInt(int64(v.AsList().Len())), nil
	case v.IsDict():
		return NewInt(int64(v.AsDict().Len())), nil
	case v.IsString():
		return NewInt(int64(runeCount(b, v.AsString()))), nil
	}
	return NewInt(0), nil
}

func filterReverse(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewList(nil), nil
	}
	v := args[0]
	if v.IsString() {
		b.needString(int64(len(v.AsString())) * 4)
		runes := []rune(v.AsString())
		for i, j := 0, len(runes)-1; i < j; i, j = i+1, j-1 {
			runes[i], runes[j] = runes[j], runes[i]
		}
		return NewString(string(runes)), nil
	}
	if v.IsList() {
		src := v.AsList().Items
		b.needList(len(src))
		items := make([]Value, len(src))
		for i, item := range src {
			items[len(src)-1-i] = item
		}
		return NewList(items), nil
	}
	return v, nil
}

// sortWork charges a sort of n items (n log n comparisons, each a step inside compare).
func (b *Budget) sortWork(n int) {
	b.needList(n)
	b.work(n * bits.Len(uint(n)) >> 2)
}

func filterSort(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsList() {
		return NewList(nil), nil
	}
	src := args[0].AsList().Items
	b.sortWork(len(src))
	items := make([]Value, len(src))
	copy(items, src)

	reverse := false
	if r, ok := kwargs["reverse"]; ok && r.IsBool() {
		reverse = r.AsBool()
	}
	attr := ""
	if a, ok := kwargs["attribute"]; ok {
		attr = b.str(a)
	}
	key := func(v Value) Value {
		if attr != "" && v.IsDict() {
			if a, ok := v.AsDict().Get(attr); ok {
				return a
			}
			return Undefined()
		}
		return v
	}
	sort.SliceStable(items, func(i, j int) bool {
		c := b.compare(key(items[i]), key(items[j]))
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return NewList(items), nil
}

func filterUnique(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsList() {
		return NewList(nil), nil
	}
	src := args[0].AsList().Items
	b.needDict(len(src))
	seen := make(map[string]bool)
	var items []Value
	for _, item := range src {
		key := b.str(item)
		b.needMemory(int64(len(key)))
		if !seen[key] {
			seen[key] = true
			items = append(items, item)
		}
	}
	return NewList(items), nil
}

func filterList(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewList(nil), nil
	}
	v := args[0]
	switch {
	case v.IsList():
		return v, nil
	case v.IsString():
		b.needList(runeCount(b, v.AsString()))
		var items []Value
		for _, r := range v.AsString() {
			items = append(items, NewString(string(r)))
		}
		return NewList(items), nil
	case v.IsDict():
		d := v.AsDict()
		b.needList(d.Len())
		items := make([]Value, len(d.Keys))
		for i, k := range d.Keys {
			items[i] = NewString(k)
		}
		return NewList(items), nil
	}
	return NewList([]Value{v}), nil
}

func filterInt(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewInt(0), nil
	}
	return NewInt(toInt64(args[0])), nil
}

func filterFloatConv(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewFloat(0), nil
	}
	return NewFloat(toFloat64(args[0])), nil
}

func filterRound(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewFloat(0), nil
	}
	precision := int64(0)
	if len(args) > 1 {
		precision = toInt64(args[1])
	}
	if p, ok := kwargs["precision"]; ok {
		precision = toInt64(p)
	}
	precision = min(max(precision, -400), 400)
	f := toFloat64(args[0])
	pow := math.Pow(10, float64(precision))
	return NewFloat(math.Round(f*pow) / pow), nil
}

func filterAbs(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewInt(0), nil
	}
	v := args[0]
	if v.IsInt() {
		n := v.AsInt()
		if n == minInt {
			return Undefined(), errOverflow
		}
		if n < 0 {
			n = -n
		}
		return NewInt(n), nil
	}
	if v.IsFloat() {
		return NewFloat(math.Abs(v.AsFloat())), nil
	}
	return NewInt(0), nil
}

func filterMap(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsList() {
		return NewList(nil), nil
	}
	list := args[0].AsList()
	b.needList(list.Len())

	// map(attribute="name") form
	if attr, ok := kwargs["attribute"]; ok {
		attrName := b.str(attr)
		defVal := Undefined()
		if d, ok := kwargs["default"]; ok {
			defVal = d
		}
		items := make([]Value, list.Len())
		for i, item := range list.Items {
			items[i] = defVal
			if item.IsDict() {
				if v, found := item.AsDict().Get(attrName); found {
					items[i] = v
				}
			}
		}
		return NewList(items), nil
	}

	// map('filter', args...) form
	if len(args) > 1 && args[1].IsString() {
		fn, ok := filterFuncs[args[1].AsString()]
		if !ok {
			return Undefined(), fmt.Errorf("map: unknown filter %q", args[1].AsString())
		}
		items := make([]Value, list.Len())
		for i, item := range list.Items {
			b.step()
			v, err := fn(b, append([]Value{item}, args[2:]...), kwargs)
			if err != nil {
				return Undefined(), err
			}
			items[i] = v
		}
		return NewList(items), nil
	}

	return NewList(append([]Value(nil), list.Items...)), nil
}

// filterBy is select/reject (attr "") and selectattr/rejectattr: the items whose test
// (or truthiness) is keep.
func filterBy(b *Budget, args []Value, byAttr, keep bool) (Value, error) {
	if len(args) == 0 || !args[0].IsList() || (byAttr && len(args) < 2) {
		return NewList(nil), nil
	}
	list := args[0].AsList()
	b.needList(list.Len())
	rest := args[1:]
	attr := ""
	if byAttr {
		attr, rest = b.str(args[1]), args[2:]
	}
	testName := ""
	if len(rest) > 0 {
		testName, rest = b.str(rest[0]), rest[1:]
	}

	var items []Value
	for _, item := range list.Items {
		v := item
		if byAttr {
			v = Undefined()
			if item.IsDict() {
				if a, ok := item.AsDict().Get(attr); ok {
					v = a
				}
			}
		}
		var pass bool
		if testName == "" || testName == "truthy" {
			b.step()
			pass = v.IsTruthy()
		} else {
			r, err := b.test(testName, v, rest)
			if err != nil {
				return Undefined(), err
			}
			pass = r
		}
		if pass == keep {
			items = append(items, item)
		}
	}
	return NewList(items), nil
}

func filterSelect(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return filterBy(b, args, false, true)
}

func filterReject(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return filterBy(b, args, false, false)
}

func filterSelectattr(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return filterBy(b, args, true, true)
}

func filterRejectattr(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return filterBy(b, args, true, false)
}

func filterDictsort(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsDict() {
		return NewList(nil), nil
	}
	d := args[0].AsDict()
	reverse := false
	if r, ok := kwargs["reverse"]; ok && r.IsBool() {
		reverse = r.AsBool()
	}
	b.sortWork(d.Len())
	b.needMemory(int64(d.Len()) * 2 * valueBytes)
	keys := d.OrderedKeys()
	sort.SliceStable(keys, func(i, j int) bool {
		if reverse {
			return keys[i] > keys[j]
		}
		return keys[i] < keys[j]
	})
	items := make([]Value, len(keys))
	for i, key := range keys {
		items[i] = NewList([]Value{NewString(key), d.Data[key]})
	}
	return NewList(items), nil
}

// extreme is max (sign 1) and min (sign -1) of a list.
func extreme(b *Budget, args []Value, sign int) (Value, error) {
	if len(args) == 0 || !args[0].IsList() || args[0].AsList().Len() == 0 {
		return Undefined(), nil
	}
	items := args[0].AsList().Items
	best := items[0]
	for _, item := range items[1:] {
		if b.compare(item, best)*sign > 0 {
			best = item
		}
	}
	return best, nil
}

func filterMax(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return extreme(b, args, 1)
}

func filterMin(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return extreme(b, args, -1)
}

func filterSum(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsList() {
		return NewInt(0), nil
	}
	items := args[0].AsList().Items
	b.work(len(items))
	var sumI int64
	var sumF float64
	isFloat := false
	for _, item := range items {
		switch {
		case item.IsFloat():
			isFloat = true
			sumF += item.AsFloat()
		case item.IsInt():
			s := sumI + item.AsInt()
			if (sumI >= 0) == (item.AsInt() >= 0) && (s >= 0) != (sumI >= 0) {
				return Undefined(), errOverflow
			}
			sumI = s
		}
	}
	if isFloat {
		return NewFloat(sumF + float64(sumI)), nil
	}
	return NewInt(sumI), nil
}

func filterBatch(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) < 2 || !args[0].IsList() {
		return NewList(nil), nil
	}
	list := args[0].AsList()
	linecount := toInt64(args[1])
	if linecount <= 0 {
		return NewList(nil), nil
	}
	b.needList(list.Len())
	b.needList(list.Len()/int(min(linecount, int64(list.Len())+1)) + 1)
	var batches []Value
	for i := 0; i < list.Len(); i += int(min(linecount, int64(list.Len()))) {
		end := min(i+int(min(linecount, int64(list.Len()))), list.Len())
		batch := make([]Value, end-i)
		copy(batch, list.Items[i:end])
		batches = append(batches, NewList(batch))
	}
	return NewList(batches), nil
}
