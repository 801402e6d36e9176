// Package jinja is a Jinja template engine for LLM chat templates that runs a template as
// the untrusted code it is: every render is bounded in steps, output, string and list
// sizes, memory and nesting (Limits), can be cancelled (RenderOptions.Context), and
// lets its caller's event loop run (RenderOptions.Yield). Going over a limit stops the
// render with a *LimitError naming the limit; nothing is allocated before its size has
// been checked.
//
// It is github.com/ardanlabs/jinja v1.8.0 (Apache License 2.0, see LICENSE), forked into
// Hearth because the limits have to be checked where the evaluation happens. Changes from
// v1.8.0:
//
//   - limits.go: Limits, Budget, LimitError, Builder (a string built under the budget).
//     The evaluator, every builtin filter, global, test and method, and the walks over
//     values (printing, comparing, JSON) charge the budget and check sizes before they
//     allocate; values that hold themselves or are shared many times over stop at the
//     depth or step limit. Compile refuses sources over MaxSource and nesting past
//     MaxNesting (the parser is recursive); applyTrimming is linear instead of quadratic.
//   - A for loop over range(...) counts instead of building the list, as Python's range
//     is lazy; the loop object is only kept up to date when the body mentions it.
//   - Python semantics: 1/0, 1//0 and 1%0 are errors (they were 0); // and % round
//     toward minus infinity; ** of ints is an int; int overflow is an error; 'ab' * -1 is
//     ” (it panicked) and 3 * 'ab', list * n work; slices clamp like slice.indices
//     (huge bounds hung or allocated); strings compare as strings; 'fmt' % args formats;
//     str.format takes {}, {0}, {name}; startswith/endswith take a tuple.
//   - NewBudgetCallable, for callables that charge the budget themselves.
//
// The package's own tests from v1.8.0 are upstream_test.go (with testdata/templates);
// hostile_test.go holds the templates written to hurt.
package jinja
