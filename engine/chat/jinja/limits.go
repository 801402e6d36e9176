package jinja

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Limits bound one render. A template comes with the model file, from anywhere, so it is
// treated as hostile code: every way it can spend time or memory is charged against these
// as the template runs, and going over one stops the render with a *LimitError that names
// it. Nothing is allocated before its size has been checked ('a' * 10000000000 and
// range(10000000000) fail before they allocate). A zero field takes DefaultLimits' value.
type Limits struct {
	// Steps is the work a render may do: one step for each loop iteration, each call (of
	// a macro, function, method or filter) and each test, plus one for each item a filter
	// or comparison walks and for each 256 bytes a string operation reads or writes.
	Steps int64
	// Output is the most bytes the render may write.
	Output int64
	// String is the most bytes of any one string the template builds (a concatenation, a
	// filter's result, the text a macro, caller or {% set %} block captures).
	String int64
	// List is the most items of any one list or dict the template builds.
	List int64
	// Memory is the most bytes of strings, lists and dicts the render may build, added
	// up over the whole render (what has become garbage included), so it bounds the peak
	// as well as the time spent allocating.
	Memory int64
	// Depth is the deepest the render may nest: expressions inside expressions, macro
	// calls inside macro calls (a recursive macro), and values inside values when one is
	// printed, compared or encoded.
	Depth int
}

// DefaultLimits are generous for every real chat template (the largest render in the
// test set, a long conversation with tools through gpt-oss's template, takes a few
// percent of each) and keep the worst a template can do to well under a second and 64 MB.
var DefaultLimits = Limits{
	Steps:  1 << 20,
	Output: 4 << 20,
	String: 4 << 20,
	List:   1 << 18,
	Memory: 32 << 20,
	Depth:  400,
}

// Parse-time bounds: a template's source and how deeply its blocks and expressions nest.
// The parser is recursive, so nesting is bounded before it can exhaust the stack.
const (
	MaxSource  = 1 << 20 // bytes of template source
	MaxNesting = 100     // blocks inside blocks, brackets inside brackets
)

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.Steps > 0 {
		d.Steps = l.Steps
	}
	if l.Output > 0 {
		d.Output = l.Output
	}
	if l.String > 0 {
		d.String = l.String
	}
	if l.List > 0 {
		d.List = l.List
	}
	if l.Memory > 0 {
		d.Memory = l.Memory
	}
	if l.Depth > 0 {
		d.Depth = l.Depth
	}
	return d
}

// LimitError is a render stopped by one of its Limits.
type LimitError struct {
	Limit string // "steps", "output", "string", "list", "memory" or "depth"; at parse: "source", "nesting"
	Max   int64  // the limit's value
	What  string // what went over it
}

func (e *LimitError) Error() string {
	unit := map[string]string{
		"steps": "steps", "output": "bytes", "string": "bytes", "list": "items",
		"memory": "bytes", "depth": "levels", "source": "bytes", "nesting": "levels",
	}[e.Limit]
	return fmt.Sprintf("template %s limit exceeded: %s (limit %d %s)", e.Limit, e.What, e.Max, unit)
}

// Is lets errors.Is(err, ErrLimit) match any LimitError.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// ErrLimit matches every *LimitError with errors.Is.
var ErrLimit = errors.New("template limit exceeded")

// Budget is what one render has spent of its Limits. Callables made with
// NewBudgetCallable receive it, to charge the work they do and check the size of what
// they build before building it. Its methods return a *LimitError once a limit is passed
// (or the context's error once the render is cancelled); the callable returns it.
type Budget struct {
	lim   Limits
	ctx   context.Context
	yield func()

	steps, memory   int64
	depth, maxDepth int
	poll            int64 // steps at which ctx and yield are next looked at
}

// pollEvery is how many steps pass between two looks at the context and the yield hook.
const pollEvery = 1024

func newBudget(lim Limits, ctx context.Context, yield func()) *Budget {
	return &Budget{lim: lim.withDefaults(), ctx: ctx, yield: yield, poll: pollEvery}
}

// Limits returns the limits the budget enforces.
func (b *Budget) Limits() Limits { return b.lim }

// Stats are what a render spent of its Limits.
type Stats struct {
	Limits Limits // the limits the render ran under
	Steps  int64  // steps taken
	Memory int64  // bytes of values built
	Output int64  // bytes of output
	Depth  int    // deepest nesting reached
}

// stop carries a limit or cancellation error from deep inside the evaluator to the top
// of the render, which recovers it: a render stopped by its budget unwinds by panic, so
// that every helper which builds a value can check it without threading errors.
type stop struct{ err error }

func (b *Budget) fail(err error) { panic(stop{err}) }

// Step charges n steps of work.
func (b *Budget) Step(n int64) error {
	b.steps += n
	if b.steps > b.lim.Steps {
		return &LimitError{Limit: "steps", Max: b.lim.Steps, What: "the template ran too long, in a loop or a recursion"}
	}
	if b.steps >= b.poll {
		b.poll = b.steps + pollEvery
		if b.yield != nil {
			b.yield()
		}
		if b.ctx != nil {
			if err := b.ctx.Err(); err != nil {
				return fmt.Errorf("template render cancelled: %w", err)
			}
		}
	}
	return nil
}

// Scan charges the work of reading or writing n bytes of string.
func (b *Budget) Scan(n int) error { return b.Step(int64(n) >> 8) }

// String checks a string of n bytes before it is built and charges its memory.
func (b *Budget) String(n int64) error {
	if n > b.lim.String || n < 0 {
		return &LimitError{Limit: "string", Max: b.lim.String, What: fmt.Sprintf("a string of %s", bytesOf(n))}
	}
	if err := b.Scan(int(n)); err != nil {
		return err
	}
	return b.Memory(n)
}

// List checks a list (or dict) of n items before it is built and charges its memory.
func (b *Budget) List(n int64) error {
	if n > b.lim.List || n < 0 {
		return &LimitError{Limit: "list", Max: b.lim.List, What: fmt.Sprintf("a list of %s items", countOf(n))}
	}
	if err := b.Step(n >> 4); err != nil {
		return err
	}
	return b.Memory(n * valueBytes)
}

// Memory charges n bytes of values built.
func (b *Budget) Memory(n int64) error {
	b.memory += n
	if b.memory > b.lim.Memory {
		return &LimitError{Limit: "memory", Max: b.lim.Memory, What: "the template built too many strings and lists"}
	}
	return nil
}

// valueBytes is what one item of a list costs (a Value: kind and interface, and the
// number boxed in it), and entryBytes one entry of a dict (key, value, share of the map).
const (
	valueBytes = 32
	entryBytes = 128
)

// The evaluator's forms panic with the error (recovered by render).
func (b *Budget) step()              { b.must(b.Step(1)) }
func (b *Budget) work(n int)         { b.must(b.Step(int64(n))) }
func (b *Budget) scan(n int)         { b.must(b.Scan(n)) }
func (b *Budget) needString(n int64) { b.must(b.String(n)) }
func (b *Budget) needList(n int)     { b.must(b.List(int64(n))) }
func (b *Budget) needDict(n int)     { b.must(b.List(int64(n))); b.must(b.Memory(int64(n) * entryBytes)) }
func (b *Budget) needMemory(n int64) { b.must(b.Memory(n)) }
func (b *Budget) must(err error) {
	if err != nil {
		b.fail(err)
	}
}

// enter and leave count nesting; past Limits.Depth the render stops.
func (b *Budget) enter() {
	b.depth++
	b.maxDepth = max(b.maxDepth, b.depth)
	if b.depth > b.lim.Depth {
		b.fail(&LimitError{Limit: "depth", Max: int64(b.lim.Depth), What: "the template nests too deeply, in a recursive macro or a deep expression"})
	}
}

func (b *Budget) leave() { b.depth-- }

// nested checks the depth of a value being walked (printed, compared, encoded).
func (b *Budget) nested(depth int) {
	if depth > b.lim.Depth {
		b.fail(&LimitError{Limit: "depth", Max: int64(b.lim.Depth), What: "a value nests too deeply to print, compare or encode"})
	}
}

// Nested is nested for callables: it returns the error instead.
func (b *Budget) Nested(depth int) error {
	if depth > b.lim.Depth {
		return &LimitError{Limit: "depth", Max: int64(b.lim.Depth), What: "a value nests too deeply to print, compare or encode"}
	}
	return nil
}

// recoverStop turns a budget's panic into the render's error; other panics go on.
func recoverStop(err *error) {
	if r := recover(); r != nil {
		s, ok := r.(stop)
		if !ok {
			panic(r)
		}
		*err = s.err
	}
}

// Builder builds a string under a budget: every write is checked against a maximum size
// and charged as memory, so a runaway encoder stops at the limit instead of growing.
// After the first failure it writes nothing more and Err reports why.
type Builder struct {
	sb     strings.Builder
	b      *Budget
	max    int64
	output bool // the render's output (Limits.Output), not a string value
	err    error
}

func (w *Builder) over() error {
	if w.output {
		return &LimitError{Limit: "output", Max: w.max, What: fmt.Sprintf("the rendered text grew past %s", bytesOf(w.max))}
	}
	return &LimitError{Limit: "string", Max: w.max, What: fmt.Sprintf("a string grew past %s", bytesOf(w.max))}
}

// NewBuilder returns a Builder for one string value (at most Limits.String bytes).
func (b *Budget) NewBuilder() *Builder { return &Builder{b: b, max: b.lim.String} }

// WriteString appends s unless that would pass the limit.
func (w *Builder) WriteString(s string) {
	if w.err != nil {
		return
	}
	n := int64(w.sb.Len()) + int64(len(s))
	if n > w.max {
		w.err = w.over()
		return
	}
	if w.b != nil {
		if w.err = w.b.Scan(len(s)); w.err == nil {
			w.err = w.b.Memory(int64(len(s)))
		}
		if w.err != nil {
			return
		}
	}
	w.sb.WriteString(s)
}

// WriteByte appends c unless that would pass the limit. It never returns an error (see Err).
func (w *Builder) WriteByte(c byte) error {
	if w.err != nil {
		return nil
	}
	if int64(w.sb.Len())+1 > w.max {
		w.err = w.over()
		return nil
	}
	w.sb.WriteByte(c)
	if w.b != nil && w.sb.Len()&255 == 0 { // bytes are charged 256 at a time
		if w.err = w.b.Step(1); w.err == nil {
			w.err = w.b.Memory(256)
		}
	}
	return nil
}

// WriteRune appends r's UTF-8 encoding unless that would pass the limit.
func (w *Builder) WriteRune(r rune) {
	if r < utf8.RuneSelf {
		w.WriteByte(byte(r))
		return
	}
	w.WriteString(string(r))
}

// Len is the number of bytes written.
func (w *Builder) Len() int { return w.sb.Len() }

// String returns what was written.
func (w *Builder) String() string { return w.sb.String() }

// Err is the error that stopped the builder, if any.
func (w *Builder) Err() error { return w.err }

// must panics with the builder's error (for the evaluator).
func (w *Builder) must() {
	if w.err != nil {
		w.b.fail(w.err)
	}
}

func bytesOf(n int64) string {
	switch {
	case n == math.MaxInt64 || n < 0:
		return "more than 2^63 bytes"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func countOf(n int64) string {
	if n == math.MaxInt64 || n < 0 {
		return "more than 2^63"
	}
	return fmt.Sprint(n)
}
