package jinja

import (
	"errors"
	"fmt"
)

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

// =============================================================================
// Scope
// =============================================================================

type scope struct {
	vars   map[string]Value
	parent *scope
}

func newScope(parent *scope) *scope {
	return &scope{vars: make(map[string]Value, 4), parent: parent}
}

func (s *scope) get(name string) (Value, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return Undefined(), false
}

func (s *scope) set(name string, val Value) {
	s.vars[name] = val
}

// lookup finds a variable, charging a step for every 8 scopes it looks through (loops
// nested a hundred deep make a lookup a hundred map reads).
func (e *evaluator) lookup(name string) Value {
	hops := 0
	for s := e.scope; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			e.b.work(hops >> 3)
			return v
		}
		hops++
	}
	e.b.work(hops >> 3)
	return Undefined()
}

// =============================================================================
// Evaluator
// =============================================================================

// evaluator runs nodes into out. Every evaluator of one render (the top one and those
// of macros, callers and captured blocks) shares the render's budget b: each node run
// and each expression evaluated is a step, and out is bounded (the top one by
// Limits.Output, a capture by Limits.String).
type evaluator struct {
	scope    *scope
	builtins *scope
	b        *Budget
	out      *Builder
}

// capture returns an evaluator over sc whose output is a string value.
func (e *evaluator) capture(sc *scope) *evaluator {
	return &evaluator{scope: sc, builtins: e.builtins, b: e.b, out: e.b.NewBuilder()}
}

// write appends s to the output.
func (e *evaluator) write(s string) {
	e.out.WriteString(s)
	e.out.must()
}

func (e *evaluator) execNodes(nodes []node) error {
	for _, n := range nodes {
		if err := e.execNode(n); err != nil {
			return err
		}
	}
	return nil
}

func (e *evaluator) execNode(n node) error {
	e.b.step()
	switch nd := n.(type) {
	case *textNode:
		e.write(nd.text)
		return nil

	case *outputNode:
		val, err := e.evalExpr(nd.expression)
		if err != nil {
			return err
		}
		e.write(e.b.str(val))
		return nil

	case *ifNode:
		return e.execIf(nd)

	case *forNode:
		return e.execFor(nd)

	case *setNode:
		return e.execSet(nd)

	case *setBlockNode:
		return e.execSetBlock(nd)

	case *macroNode:
		return e.execMacro(nd)

	case *callNode:
		return e.execCall(nd)

	case *filterBlockNode:
		return e.execFilterBlock(nd)

	case *breakNode:
		return errBreak

	case *continueNode:
		return errContinue

	default:
		return fmt.Errorf("unknown node type %T", n)
	}
}

func (e *evaluator) execIf(n *ifNode) error {
	for _, branch := range n.branches {
		if branch.condition == nil {
			// else branch
			return e.execNodes(branch.body)
		}
		cond, err := e.evalExpr(branch.condition)
		if err != nil {
			return err
		}
		if cond.IsTruthy() {
			return e.execNodes(branch.body)
		}
	}
	return nil
}

// sequence is what a for loop walks: n items, the i-th at(i).
type sequence struct {
	n  int
	at func(i int) Value
}

func listSequence(items []Value) sequence {
	return sequence{len(items), func(i int) Value { return items[i] }}
}

// iterate evaluates a for loop's iterable: a list's items, a dict's keys, a string's
// characters (the last two built under the budget), and range(...) counted, not built,
// as Python's range is lazy (the loop then pays a step an iteration, not a list).
func (e *evaluator) iterate(ex expr) (sequence, error) {
	if c, ok := ex.(*callExpr); ok {
		if name, ok := c.fn.(*nameExpr); ok && name.name == "range" {
			if fn, _ := e.scope.get("range"); fn.IsCallable() && fn.v.(Callable).isRange {
				e.b.step()
				args, _, err := e.evalArgs(c.args, nil)
				if err != nil {
					return sequence{}, err
				}
				start, step, count, err := rangeOf(args)
				if err != nil {
					return sequence{}, err
				}
				return sequence{count, func(i int) Value { return NewInt(start + int64(i)*step) }}, nil
			}
		}
	}
	v, err := e.evalExpr(ex)
	if err != nil {
		return sequence{}, err
	}
	switch {
	case v.IsList():
		return listSequence(v.AsList().Items), nil
	case v.IsDict():
		d := v.AsDict()
		e.b.needList(d.Len())
		items := make([]Value, len(d.Keys))
		for i, key := range d.Keys {
			items[i] = NewString(key)
		}
		return listSequence(items), nil
	case v.IsString():
		s := v.AsString()
		e.b.needList(runeCount(e.b, s))
		var items []Value
		for _, r := range s {
			items = append(items, NewString(string(r)))
		}
		return listSequence(items), nil
	}
	return sequence{}, nil // anything else iterates as empty
}

func (e *evaluator) execFor(n *forNode) error {
	seq, err := e.iterate(n.iter)
	if err != nil {
		return err
	}

	// Apply filter if present.
	if n.filterExpr != nil {
		var filtered []Value
		child := newScope(e.scope)
		for i := range seq.n {
			e.b.step()
			item := seq.at(i)
			child.set(n.valVar, item)
			old := e.scope
			e.scope = child
			fv, err := e.evalExpr(n.filterExpr)
			e.scope = old
			if err != nil {
				return err
			}
			if fv.IsTruthy() {
				if int64(len(filtered)) >= e.b.lim.List {
					e.b.needList(len(filtered) + 1)
				}
				e.b.needMemory(valueBytes)
				filtered = append(filtered, item)
			}
		}
		seq = listSequence(filtered)
	}

	if seq.n == 0 {
		if n.elseBody != nil {
			return e.execNodes(n.elseBody)
		}
		return nil
	}

	total := int64(seq.n)

	// Pre-allocate the loop dict and child scope once, then reuse them
	// across iterations to avoid per-iteration allocations.
	loop := NewDict()
	ld := loop.AsDict()
	ld.Set("length", NewInt(total))
	var cycleIdx int64
	ld.Set("cycle", NewCallable("loop.cycle", func(args []Value, kwargs map[string]Value) (Value, error) {
		if len(args) == 0 {
			return Undefined(), nil
		}
		return args[int(cycleIdx%int64(len(args)))], nil
	}))

	child := newScope(e.scope)
	child.set("loop", loop)

	for i := range seq.n {
		e.b.step()
		item := seq.at(i)
		// Set loop variable(s).
		if n.keyVar != "" {
			// Destructuring: for key, val in items
			if item.IsList() && item.AsList().Len() >= 2 {
				child.set(n.keyVar, item.AsList().Get(0))
				child.set(n.valVar, item.AsList().Get(1))
			} else {
				child.set(n.keyVar, NewInt(int64(i)))
				child.set(n.valVar, item)
			}
		} else {
			child.set(n.valVar, item)
		}

		// Update loop object for this iteration (when the body can see it).
		if n.usesLoop {
			idx := int64(i)
			cycleIdx = idx
			ld.Data["index"] = NewInt(idx + 1)
			ld.Data["index0"] = NewInt(idx)
			ld.Data["revindex"] = NewInt(total - idx)
			ld.Data["revindex0"] = NewInt(total - idx - 1)
			ld.Data["first"] = NewBool(i == 0)
			ld.Data["last"] = NewBool(i == seq.n-1)
			ld.Data["previtem"], ld.Data["nextitem"] = Undefined(), Undefined()
			if i > 0 {
				ld.Data["previtem"] = seq.at(i - 1)
			}
			if i < seq.n-1 {
				ld.Data["nextitem"] = seq.at(i + 1)
			}
		}

		old := e.scope
		e.scope = child

		err := e.execNodes(n.body)
		e.scope = old

		if err != nil {
			if errors.Is(err, errBreak) {
				break
			}
			if errors.Is(err, errContinue) {
				continue
			}
			return err
		}
	}

	return nil
}

func (e *evaluator) execSet(n *setNode) error {
	val, err := e.evalExpr(n.value)
	if err != nil {
		return err
	}

	if n.namespace != "" {
		nsVal, ok := e.scope.get(n.namespace)
		if !ok || !nsVal.IsDict() {
			return fmt.Errorf("set: namespace %q not found or not a dict", n.namespace)
		}
		e.b.dictSet(nsVal.AsDict(), n.target, val)
		return nil
	}

	e.scope.set(n.target, val)
	return nil
}

func (e *evaluator) execSetBlock(n *setBlockNode) error {
	body := e.capture(e.scope)
	if err := body.execNodes(n.body); err != nil {
		return err
	}
	e.scope.set(n.target, NewString(body.out.String()))
	return nil
}

func (e *evaluator) execMacro(n *macroNode) error {
	// Capture the macro body and params.
	params := n.params
	body := n.body
	parentScope := e.scope

	fn := NewCallable(n.name, func(args []Value, kwargs map[string]Value) (Value, error) {
		e.b.enter()
		defer e.b.leave()
		child := newScope(parentScope)

		// Bind positional args.
		for i, param := range params {
			if i < len(args) {
				child.set(param.name, args[i])
			} else if v, ok := kwargs[param.name]; ok {
				child.set(param.name, v)
			} else if param.defaultVal != nil {
				defEval := evaluator{scope: child, builtins: e.builtins, b: e.b, out: e.out}
				defVal, err := defEval.evalExpr(param.defaultVal)
				if err != nil {
					return Undefined(), err
				}
				child.set(param.name, defVal)
			} else {
				child.set(param.name, Undefined())
			}
		}

		// Set caller if available.
		if caller, ok := kwargs["caller"]; ok {
			child.set("caller", caller)
		}

		macroEval := e.capture(child)
		if err := macroEval.execNodes(body); err != nil {
			return Undefined(), err
		}

		return NewString(macroEval.out.String()), nil
	})

	e.scope.set(n.name, fn)
	return nil
}

func (e *evaluator) execCall(n *callNode) error {
	// Create a caller callable that renders the body.
	callerArgs := n.callerArgs
	body := n.body
	parentScope := e.scope

	caller := NewCallable("caller", func(args []Value, kwargs map[string]Value) (Value, error) {
		e.b.enter()
		defer e.b.leave()
		child := newScope(parentScope)
		for i, argName := range callerArgs {
			if i < len(args) {
				child.set(argName, args[i])
			}
		}

		callerEval := e.capture(child)
		if err := callerEval.execNodes(body); err != nil {
			return Undefined(), err
		}
		return NewString(callerEval.out.String()), nil
	})

	// Evaluate the call expression with caller in kwargs.
	callEx, ok := n.expr.(*callExpr)
	if ok {
		fn, err := e.evalExpr(callEx.fn)
		if err != nil {
			return err
		}
		if !fn.IsCallable() {
			return fmt.Errorf("call: expression is not callable")
		}

		var args []Value
		for _, a := range callEx.args {
			av, err := e.evalExpr(a)
			if err != nil {
				return err
			}
			args = append(args, av)
		}

		kwargs := map[string]Value{"caller": caller}
		for _, kw := range callEx.kwargs {
			v, err := e.evalExpr(kw.value)
			if err != nil {
				return err
			}
			kwargs[kw.name] = v
		}

		result, err := e.call(fn, args, kwargs)
		if err != nil {
			return err
		}
		e.write(e.b.str(result))
		return nil
	}

	// Fallback: evaluate expression and call with caller.
	fn, err := e.evalExpr(n.expr)
	if err != nil {
		return err
	}
	if !fn.IsCallable() {
		return fmt.Errorf("call: expression is not callable")
	}

	result, err := e.call(fn, nil, map[string]Value{"caller": caller})
	if err != nil {
		return err
	}
	e.write(e.b.str(result))
	return nil
}

func (e *evaluator) execFilterBlock(n *filterBlockNode) error {
	// Render body to string.
	body := e.capture(e.scope)
	if err := body.execNodes(n.body); err != nil {
		return err
	}
	bodyStr := body.out.String()

	// Apply the filter. The filter expression should be a name or filter chain.
	if fe, ok := n.filter.(*nameExpr); ok {
		filterVal, ok := lookupFilter(e.builtins, fe.name)
		if !ok {
			return fmt.Errorf("unknown filter %q", fe.name)
		}
		result, err := e.call(filterVal, []Value{NewString(bodyStr)}, nil)
		if err != nil {
			return err
		}
		e.write(e.b.str(result))
		return nil
	}

	// For more complex filter expressions, just output the body.
	e.write(bodyStr)
	return nil
}

// call calls fn under the render's budget: a step, and the budget itself for the
// callables that take it (the builtins, NewBudgetCallable).
func (e *evaluator) call(fn Value, args []Value, kwargs map[string]Value) (Value, error) {
	e.b.step()
	c := fn.v.(Callable)
	if c.bfn != nil {
		return c.bfn(e.b, args, kwargs)
	}
	return c.Fn(args, kwargs)
}
