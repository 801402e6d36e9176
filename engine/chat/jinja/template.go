package jinja

import (
	"context"
	"fmt"
)

// Template is a compiled Jinja template ready for rendering.
type Template struct {
	nodes []node
	src   string
}

// Compile parses a Jinja template source string and returns a compiled
// template that can be rendered multiple times with different data. A source over
// MaxSource bytes, or one nesting blocks or brackets deeper than MaxNesting, is refused.
func Compile(source string) (*Template, error) {
	if len(source) > MaxSource {
		return nil, &LimitError{Limit: "source", Max: MaxSource, What: fmt.Sprintf("the template is %s", bytesOf(int64(len(source))))}
	}
	segs, err := scan(source)
	if err != nil {
		return nil, fmt.Errorf("jinja scan: %w", err)
	}

	nodes, err := parseTemplate(segs)
	if err != nil {
		return nil, fmt.Errorf("jinja parse: %w", err)
	}

	return &Template{nodes: nodes, src: source}, nil
}

// Render executes the template with the provided data and returns the
// rendered string, under DefaultLimits. Each call creates an isolated scope so
// templates are safe to render concurrently after compilation.
func (t *Template) Render(data map[string]any) (string, error) {
	// Convert Go data to Value types.
	vals := make(map[string]Value, len(data))
	for k, v := range data {
		vals[k] = FromGoValue(v)
	}
	return t.RenderWith(vals, RenderOptions{})
}

// RenderValues is like Render but accepts pre-converted Value data.
func (t *Template) RenderValues(data map[string]Value) (string, error) {
	return t.RenderWith(data, RenderOptions{})
}

// RenderOptions bound and interrupt one render.
type RenderOptions struct {
	// Limits bound the render; zero fields take DefaultLimits'.
	Limits Limits
	// Context, when set, cancels the render: it is looked at every 1024 steps, and a
	// cancelled render returns an error that wraps the context's error.
	Context context.Context
	// Yield, when set, is called every 1024 steps (a few hundred microseconds of work at
	// most): the browser lets its event loop run there, so that a cancel can arrive.
	Yield func()
	// Stats, when set, receives what the render spent (also when it failed).
	Stats *Stats
}

// RenderWith executes the template with data under o's limits. A limit passed stops
// the render with a *LimitError (errors.Is(err, ErrLimit)).
func (t *Template) RenderWith(data map[string]Value, o RenderOptions) (out string, err error) {
	b := newBudget(o.Limits, o.Context, o.Yield)
	e := evaluator{b: b, out: &Builder{b: b, max: b.lim.Output, output: true}}
	if o.Stats != nil {
		defer func() {
			*o.Stats = Stats{Limits: b.lim, Steps: b.steps, Memory: b.memory, Output: int64(e.out.Len()), Depth: b.maxDepth}
		}()
	}
	defer recoverStop(&err)
	if o.Context != nil {
		if err := o.Context.Err(); err != nil {
			return "", fmt.Errorf("template render cancelled: %w", err)
		}
	}

	// Use the cached builtins scope directly. The scope is initialized
	// once at package init and is only read after that (lookupFilter,
	// chained get() through parent links, passed to nested evaluators).
	// No code path writes to e.builtins, so sharing the cached scope
	// across renders is safe and avoids cloning ~20 entries per render.
	e.builtins = cachedBuiltins

	// Create user data scope on top of builtins.
	e.scope = newScope(e.builtins)
	for k, v := range data {
		e.scope.set(k, v)
	}

	if err := e.execNodes(t.nodes); err != nil {
		return "", err
	}

	return e.out.String(), nil
}
