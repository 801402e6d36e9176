package jinja

import (
	"fmt"
	"unicode/utf8"
)

// =============================================================================
// Expression evaluation
// =============================================================================

// evalExpr evaluates one expression: a step, and a level of depth while it runs (so a
// recursive macro or an absurdly deep expression stops at Limits.Depth, long before the
// Go stack is in danger).
func (e *evaluator) evalExpr(ex expr) (Value, error) {
	e.b.step()
	switch n := ex.(type) {
	case *litExpr:
		return n.val, nil
	case *nameExpr:
		return e.lookup(n.name), nil
	}
	e.b.enter()
	v, err := e.evalNested(ex)
	e.b.leave()
	return v, err
}

func (e *evaluator) evalNested(ex expr) (Value, error) {
	switch n := ex.(type) {
	case *attrExpr:
		return e.evalAttr(n)

	case *itemExpr:
		return e.evalItem(n)

	case *sliceExpr:
		return e.evalSlice(n)

	case *unaryExpr:
		return e.evalUnary(n)

	case *binExpr:
		return e.evalBinary(n)

	case *condExpr:
		return e.evalCond(n)

	case *callExpr:
		return e.evalCallExpr(n)

	case *filterExpr:
		return e.evalFilter(n)

	case *testExpr:
		return e.evalTestExpr(n)

	case *listExpr:
		e.b.needList(len(n.items))
		items := make([]Value, len(n.items))
		for i, item := range n.items {
			v, err := e.evalExpr(item)
			if err != nil {
				return Undefined(), err
			}
			items[i] = v
		}
		return NewList(items), nil

	case *dictExpr:
		e.b.needDict(len(n.pairs))
		d := NewDict()
		dict := d.AsDict()
		for _, pair := range n.pairs {
			key, err := e.evalExpr(pair.key)
			if err != nil {
				return Undefined(), err
			}
			val, err := e.evalExpr(pair.value)
			if err != nil {
				return Undefined(), err
			}
			dict.Set(e.b.str(key), val)
		}
		return d, nil

	default:
		return Undefined(), fmt.Errorf("unknown expression type %T", ex)
	}
}

func (e *evaluator) evalAttr(n *attrExpr) (Value, error) {
	obj, err := e.evalExpr(n.obj)
	if err != nil {
		return Undefined(), err
	}

	// Dict attribute access.
	if obj.IsDict() {
		if v, ok := obj.AsDict().Get(n.attr); ok {
			return v, nil
		}

		// Dict methods.
		return e.dictMethod(obj, n.attr)
	}

	// String methods.
	if obj.IsString() {
		return e.stringMethod(obj, n.attr)
	}

	// List methods.
	if obj.IsList() {
		return e.listMethod(obj, n.attr)
	}

	return Undefined(), nil
}

func (e *evaluator) evalItem(n *itemExpr) (Value, error) {
	obj, err := e.evalExpr(n.obj)
	if err != nil {
		return Undefined(), err
	}

	key, err := e.evalExpr(n.key)
	if err != nil {
		return Undefined(), err
	}

	if obj.IsList() {
		list := obj.AsList()
		idx, ok := index(key, list.Len())
		if !ok {
			return Undefined(), nil
		}
		return list.Get(idx), nil
	}

	if obj.IsDict() {
		k := e.b.str(key)
		if v, ok := obj.AsDict().Get(k); ok {
			return v, nil
		}
		return Undefined(), nil
	}

	if obj.IsString() {
		s := obj.AsString()
		if isASCII(e.b, s) {
			idx, ok := index(key, len(s))
			if !ok {
				return Undefined(), nil
			}
			return NewString(s[idx : idx+1]), nil
		}
		runes := []rune(s)
		idx, ok := index(key, len(runes))
		if !ok {
			return Undefined(), nil
		}
		return NewString(string(runes[idx])), nil
	}

	return Undefined(), nil
}

// index resolves a subscript (negative counts from the end) into [0, length).
func index(key Value, length int) (int, bool) {
	i := toInt64(key)
	if i < 0 {
		i += int64(length)
	}
	if i < 0 || i >= int64(length) {
		return 0, false
	}
	return int(i), true
}

func (e *evaluator) evalSlice(n *sliceExpr) (Value, error) {
	obj, err := e.evalExpr(n.obj)
	if err != nil {
		return Undefined(), err
	}

	switch {
	case obj.IsList():
		list := obj.AsList()
		start, step, count, err := e.resolveSlice(n, list.Len())
		if err != nil {
			return Undefined(), err
		}
		if count == 0 {
			return NewList(nil), nil
		}
		e.b.needList(count)
		items := make([]Value, count)
		for k := range items {
			items[k] = list.Items[start+k*step]
		}
		return NewList(items), nil

	case obj.IsString():
		s := obj.AsString()
		if isASCII(e.b, s) {
			start, step, count, err := e.resolveSlice(n, len(s))
			if err != nil {
				return Undefined(), err
			}
			if step == 1 {
				return NewString(s[start : start+count]), nil
			}
			e.b.needString(int64(count))
			buf := make([]byte, count)
			for k := range buf {
				buf[k] = s[start+k*step]
			}
			return NewString(string(buf)), nil
		}
		runes := []rune(s)
		start, step, count, err := e.resolveSlice(n, len(runes))
		if err != nil {
			return Undefined(), err
		}
		e.b.needString(int64(count) * utf8.UTFMax)
		out := make([]rune, count)
		for k := range out {
			out[k] = runes[start+k*step]
		}
		return NewString(string(out)), nil
	}

	return Undefined(), nil
}

// isASCII reports whether s contains only 7-bit ASCII bytes, when byte indexing gives
// the same result as code-point indexing (charged as a scan of s).
func isASCII(b *Budget, s string) bool {
	b.scan(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// runeCount counts the code points of s (charged as a scan).
func runeCount(b *Budget, s string) int {
	b.scan(len(s))
	return utf8.RuneCountInString(s)
}

// resolveSlice resolves obj[start:stop:step] over length items as Python's
// slice.indices does: the bounds clamped into the sequence, so the result has count
// items start, start+step, ... whatever the numbers written (a step of 0 is an error).
func (e *evaluator) resolveSlice(n *sliceExpr, length int) (start, step, count int, err error) {
	bound := func(x expr) (int64, bool, error) {
		if x == nil {
			return 0, false, nil
		}
		v, err := e.evalExpr(x)
		if err != nil || v.IsNone() || v.IsUndefined() {
			return 0, false, err
		}
		return toInt64(v), true, nil
	}
	st, hasStep, err := bound(n.step)
	if err != nil {
		return 0, 0, 0, err
	}
	if !hasStep {
		st = 1
	}
	if st == 0 {
		return 0, 0, 0, fmt.Errorf("slice step cannot be zero")
	}
	l := int64(length)
	clamp := func(x int64, has bool, def int64) int64 {
		if !has {
			return def
		}
		if x < 0 {
			x += l
		}
		if st > 0 {
			return min(max(x, 0), l)
		}
		return min(max(x, -1), l-1)
	}
	lo, hasLo, err := bound(n.start)
	if err != nil {
		return 0, 0, 0, err
	}
	hi, hasHi, err := bound(n.stop)
	if err != nil {
		return 0, 0, 0, err
	}
	var a, z int64
	if st > 0 {
		a, z = clamp(lo, hasLo, 0), clamp(hi, hasHi, l)
		if z > a {
			count = int((z - a + st - 1) / st)
		}
	} else {
		a, z = clamp(lo, hasLo, l-1), clamp(hi, hasHi, -1)
		if a > z {
			count = int((a - z - st - 1) / -st)
		}
	}
	return int(a), int(st), count, nil
}

func (e *evaluator) evalUnary(n *unaryExpr) (Value, error) {
	operand, err := e.evalExpr(n.operand)
	if err != nil {
		return Undefined(), err
	}

	switch n.op {
	case "not":
		return NewBool(!operand.IsTruthy()), nil
	case "-":
		if operand.IsInt() {
			if operand.AsInt() == minInt {
				return Undefined(), errOverflow
			}
			return NewInt(-operand.AsInt()), nil
		}
		if operand.IsFloat() {
			return NewFloat(-operand.AsFloat()), nil
		}
		return NewInt(0), nil
	case "+":
		return operand, nil
	}

	return Undefined(), fmt.Errorf("unknown unary operator %q", n.op)
}

func (e *evaluator) evalBinary(n *binExpr) (Value, error) {
	// Short-circuit for and/or.
	if n.op == "and" {
		left, err := e.evalExpr(n.left)
		if err != nil {
			return Undefined(), err
		}
		if !left.IsTruthy() {
			return left, nil
		}
		return e.evalExpr(n.right)
	}

	if n.op == "or" {
		left, err := e.evalExpr(n.left)
		if err != nil {
			return Undefined(), err
		}
		if left.IsTruthy() {
			return left, nil
		}
		return e.evalExpr(n.right)
	}

	left, err := e.evalExpr(n.left)
	if err != nil {
		return Undefined(), err
	}

	right, err := e.evalExpr(n.right)
	if err != nil {
		return Undefined(), err
	}

	b := e.b
	switch n.op {
	case "+":
		return b.add(left, right)
	case "-":
		return sub(left, right)
	case "*":
		return b.mul(left, right)
	case "/":
		return div(left, right)
	case "//":
		return floorDiv(left, right)
	case "%":
		if left.IsString() {
			return b.format(left.AsString(), right)
		}
		return mod(left, right)
	case "**":
		return pow(left, right)
	case "~":
		return b.concat(b.str(left), b.str(right)), nil
	case "==":
		return NewBool(b.equal(left, right, 0)), nil
	case "!=":
		return NewBool(!b.equal(left, right, 0)), nil
	case "<":
		return NewBool(b.compare(left, right) < 0), nil
	case ">":
		return NewBool(b.compare(left, right) > 0), nil
	case "<=":
		return NewBool(b.compare(left, right) <= 0), nil
	case ">=":
		return NewBool(b.compare(left, right) >= 0), nil
	case "in":
		return NewBool(b.contains(right, left)), nil
	case "not in":
		return NewBool(!b.contains(right, left)), nil
	}

	return Undefined(), fmt.Errorf("unknown binary operator %q", n.op)
}

func (e *evaluator) evalCond(n *condExpr) (Value, error) {
	cond, err := e.evalExpr(n.condition)
	if err != nil {
		return Undefined(), err
	}

	if cond.IsTruthy() {
		return e.evalExpr(n.trueExpr)
	}

	if n.falseExpr != nil {
		return e.evalExpr(n.falseExpr)
	}

	return Undefined(), nil
}

func (e *evaluator) evalArgs(args []expr, kws []kwarg, first ...Value) ([]Value, map[string]Value, error) {
	vals := make([]Value, len(first), len(first)+len(args))
	copy(vals, first)
	for _, a := range args {
		v, err := e.evalExpr(a)
		if err != nil {
			return nil, nil, err
		}
		vals = append(vals, v)
	}
	var kwargs map[string]Value
	if len(kws) > 0 {
		e.b.work(2 + len(kws)) // a map
		kwargs = make(map[string]Value, len(kws))
		for _, kw := range kws {
			v, err := e.evalExpr(kw.value)
			if err != nil {
				return nil, nil, err
			}
			kwargs[kw.name] = v
		}
	}
	return vals, kwargs, nil
}

func (e *evaluator) evalCallExpr(n *callExpr) (Value, error) {
	fn, err := e.evalExpr(n.fn)
	if err != nil {
		return Undefined(), err
	}

	if !fn.IsCallable() {
		return Undefined(), fmt.Errorf("%s is not callable: %s", callableName(n.fn), reprShort(fn))
	}

	args, kwargs, err := e.evalArgs(n.args, n.kwargs)
	if err != nil {
		return Undefined(), err
	}
	return e.call(fn, args, kwargs)
}

func callableName(ex expr) string {
	switch n := ex.(type) {
	case *nameExpr:
		return n.name

	case *attrExpr:
		return callableName(n.obj) + "." + n.attr

	case *itemExpr:
		return callableName(n.obj) + "[item]"

	default:
		return ex.nodeType()
	}
}

func (e *evaluator) evalFilter(n *filterExpr) (Value, error) {
	input, err := e.evalExpr(n.expr)
	if err != nil {
		return Undefined(), err
	}

	// Look up filter in builtins.
	filterVal, ok := lookupFilter(e.builtins, n.name)
	if !ok {
		// Also check scope for user-defined filters.
		filterVal, ok = e.scope.get(n.name)
		if !ok {
			return Undefined(), fmt.Errorf("unknown filter %q", n.name)
		}
	}

	if !filterVal.IsCallable() {
		return Undefined(), fmt.Errorf("filter %q is not callable", n.name)
	}

	// Build args: input as first, then additional args.
	args, kwargs, err := e.evalArgs(n.args, n.kwargs, input)
	if err != nil {
		return Undefined(), err
	}
	return e.call(filterVal, args, kwargs)
}

func (e *evaluator) evalTestExpr(n *testExpr) (Value, error) {
	val, err := e.evalExpr(n.expr)
	if err != nil {
		return Undefined(), err
	}

	var testArgs []Value
	for _, a := range n.args {
		v, err := e.evalExpr(a)
		if err != nil {
			return Undefined(), err
		}
		testArgs = append(testArgs, v)
	}

	result, err := e.b.test(n.name, val, testArgs)
	if err != nil {
		return Undefined(), err
	}

	if n.negated {
		result = !result
	}

	return NewBool(result), nil
}
