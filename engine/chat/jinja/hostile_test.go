package jinja

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostile is a template written to hurt: each must end within its budget with a clear
// error (want names the limit or the error) or render out exactly, in well under a
// second and 64 MB.
type hostile struct {
	name, src string
	want      string // a substring of the error; "" means the render succeeds
	out       string // the output when want is ""
}

var hostileTemplates = []hostile{
	// From issue 14: hung, crashed or took over 1 GB before the budget.
	{"nested range loops (10^10 iterations)", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "steps limit", ""},
	{"nested loops over built ranges", "{% for i in range(100000)|list %}{% for j in range(100000)|list %}{% endfor %}{% endfor %}", "limit", ""},
	{"nested loops printing", "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{{ j }}{% endfor %}{% endfor %}", "steps limit", ""},
	{"huge string multiply", "{{ 'a' * 10000000000 }}", "string limit", ""},
	{"huge string multiply, int first", "{{ 10000000000 * 'a' }}", "string limit", ""},
	{"recursive macro", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "depth limit", ""},
	{"mutually recursive macros", "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}", "depth limit", ""},
	{"recursive macro through caller", "{% macro f() %}{% call f() %}x{% endcall %}{% endmacro %}{{ f() }}", "depth limit", ""},
	{"huge range", "{{ range(10000000000)|length }}", "list limit", ""},
	{"huge range across int64 (a lazy loop)", "{% for i in range(-9223372036854775807, 9223372036854775807) %}{% endfor %}", "steps limit", ""},
	{"huge negative-step range", "{{ range(9223372036854775807, -9223372036854775807, -1)|length }}", "list limit", ""},
	{"over 1 GB of output", "{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}", "output limit", ""},
	{"over 1 GB of output, macro text", "{% macro m() %}" + strings.Repeat("x", 1000) + "{% endmacro %}{% for i in range(1000000) %}{{ m() }}{% endfor %}", "limit", ""},

	// Strings and lists that grow.
	{"string doubling", "{% set ns = namespace(s='a') %}{% for i in range(100) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "string limit", ""},
	{"string doubling with ~", "{% set ns = namespace(s='a') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "string limit", ""},
	{"list doubling", "{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}{% endfor %}", "list limit", ""},
	{"list multiply", "{{ ([1, 2, 3] * 1000000000)|length }}", "list limit", ""},
	{"appends of big strings", "{% set l = [] %}{% for i in range(100000) %}{% set _ = l.append('x' * 1000000) %}{% endfor %}", "memory limit", ""},
	{"appends forever", "{% set l = [] %}{% for i in range(100000) %}{% for j in range(100000) %}{% set _ = l.append(j) %}{% endfor %}{% endfor %}", "limit", ""},
	{"dict growing", "{% set ns = namespace(d={}) %}{% for i in range(100000) %}{% for j in range(100) %}{% set _ = ns.d.update({(i * 100 + j)|string: i}) %}{% endfor %}{% endfor %}", "limit", ""},
	{"namespace keys growing", "{% set ns = namespace() %}{% for i in range(1000000) %}{% set _ = ns.update({i|string: i}) %}{% endfor %}", "limit", ""},
	{"replace explosion", "{{ ('a' * 1000000).replace('a', 'a' * 1000) }}", "string limit", ""},
	{"replace filter explosion", "{{ ('a' * 1000000)|replace('a', 'aaaaaaaaaa') }}", "string limit", ""},
	{"indent with a huge width", "{{ 'a\nb\nc'|indent(10000000000) }}", "string limit", ""},
	{"printf width", "{{ '%99999999999s' % 'a' }}", "string limit", ""},
	{"str.format explosion", "{{ ('{0}' * 100000).format('a' * 1000) }}", "string limit", ""},
	{"tojson indent explosion", "{{ range(1000)|list|tojson(indent=100000) }}", "string limit", ""},
	{"join of a big list, again and again", "{% set l = range(200000)|list %}{% for i in range(100000) %}{{ (l|join(','))|length }}{% endfor %}", "limit", ""},
	{"join growth", "{{ (range(200000)|list|join('x' * 100))|length }}", "string limit", ""},
	{"iterate 4 MB of characters", "{% for c in 'ab' * 2000000 %}{% endfor %}", "list limit", ""},
	{"list of a long string", "{{ ('ab' * 2000000)|list|length }}", "list limit", ""},
	{"split into many", "{{ ('a,' * 2000000).split(',')|length }}", "list limit", ""},
	{"search a big string, again and again", "{% set s = 'a' * 4000000 %}{% for i in range(1000000) %}{% if 'b' in s %}{% endif %}{% endfor %}", "steps limit", ""},
	{"search a big list, again and again", "{% set l = range(200000)|list %}{% for i in range(1000000) %}{% if -1 in l %}{% endif %}{% endfor %}", "steps limit", ""},
	{"sort a big list, again and again", "{% set l = range(200000)|list %}{% for i in range(100000) %}{{ (l|sort)|length }}{% endfor %}", "steps limit", ""},
	{"string reversal, again and again", "{% set s = 'ab' * 1000000 %}{% for i in range(100000) %}{{ s[::-1]|length }}{% endfor %}", "limit", ""},
	{"unique of a big list, again and again", "{% set l = range(200000)|list %}{% for i in range(100000) %}{{ (l|unique|list)|length }}{% endfor %}", "limit", ""},
	{"fromjson of a big array", "{{ ('[' + '0,' * 1000000 + '0]')|fromjson|length }}", "limit", ""},
	{"fromjson nested deep", "{{ ('[' * 5000 + ']' * 5000)|fromjson|length }}", "depth limit", ""},

	// Values that share or hold themselves.
	{"print a value doubled 40 times", "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}", "limit", ""},
	{"tojson of a value doubled 40 times", "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x|tojson }}", "limit", ""},
	{"compare two values doubled 40 times", "{% set ns = namespace(x=[1], y=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% set ns.y = [ns.y, ns.y] %}{% endfor %}{{ ns.x == ns.y }}", "steps limit", ""},
	{"unique of doubled values", "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ [ns.x, ns.x]|unique|length }}", "limit", ""},
	{"a list that holds itself, printed", "{% set l = [] %}{% set _ = l.append(l) %}{{ l }}", "depth limit", ""},
	{"a list that holds itself, tojson", "{% set l = [] %}{% set _ = l.append(l) %}{{ l|tojson }}", "depth limit", ""},
	{"a list that holds itself, compared", "{% set l = [] %}{% set _ = l.append(l) %}{% set m = [] %}{% set _ = m.append(m) %}{{ l == m }}", "depth limit", ""},
	{"a dict that holds itself", "{% set d = {} %}{% set _ = d.update({'d': d}) %}{{ d|string|length }}", "depth limit", ""},
	{"nesting 100000 deep", "{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}", "depth limit", ""},

	// Parsing.
	{"deeply nested brackets", "{{ " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + " }}", "nesting limit", ""},
	{"deeply nested lists", "{{ " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + " }}", "nesting limit", ""},
	{"many unary minus", "{{ " + strings.Repeat("-", 100000) + "1 }}", "nesting limit", ""},
	{"many nots", "{{ " + strings.Repeat("not ", 100000) + "1 }}", "nesting limit", ""},
	{"deeply nested blocks", strings.Repeat("{% if true %}", 1000) + strings.Repeat("{% endif %}", 1000), "nesting limit", ""},
	{"a long chain of additions", "{{ " + strings.Repeat("1 + ", 50000) + "1 }}", "depth limit", ""},
	{"source over a megabyte", strings.Repeat("x", 2<<20), "source limit", ""},
	{"many tags (trimming is linear)", strings.Repeat("{%- if false %}{% endif -%}", 30000) + "ok", "", "ok"},

	// Python semantics.
	{"division by zero", "{{ 1 / 0 }}", "division by zero", ""},
	{"float division by zero", "{{ 1.5 / 0 }}", "division by zero", ""},
	{"floor division by zero", "{{ 1 // 0 }}", "integer division or modulo by zero", ""},
	{"modulo by zero", "{{ 1 % 0 }}", "integer modulo by zero", ""},
	{"float modulo by zero", "{{ 1.5 % 0 }}", "float modulo by zero", ""},
	{"integer overflow", "{{ 9223372036854775807 + 1 }}", "integer overflow", ""},
	{"integer overflow in a product", "{{ 4611686018427387904 * 2 }}", "integer overflow", ""},
	{"huge power", "{{ 2 ** 1000000000 }}", "integer overflow", ""},
	{"slice step zero", "{{ [1, 2][::0] }}", "slice step cannot be zero", ""},
	{"Python arithmetic", "{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 7.5 // 2 }} {{ 'ab' * -1 }}|{{ 3 * 'ab' }}", "", "-4 2 -2 1024 3 |ababab"},
	{"printf formatting", "{{ '%s=%d (%5.2f) %-3s| %%' % ('a', 3, 2.5, 'b') }}", "", "a=3 ( 2.50) b  | %"},
	{"slices clamp like Python", "{{ range(10)[-100000000000000:100000000000000:3] }} {{ 'héllo'[-100000000000000:100000000000000] }} {{ 'hello'[::-2] }} {{ [1,2,3][5:1:-1] }}", "", "[0, 3, 6, 9] héllo olh [3]"},
	{"string comparison", "{{ '10' < '9' }} {{ 'b' > 'a' }}", "", "True True"},
	{"range counts", "{{ range(5)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|length }}", "", "[0, 1, 2, 3, 4] [10, 7, 4, 1] 0"},
}

// measure renders src under DefaultLimits (plus yield) and returns the error, the
// output, how long it took and the peak heap it reached above what it started from,
// sampled through the budget's Yield hook and at the end.
func measure(t *testing.T, src string, yield func()) (out string, err error, took time.Duration, peak uint64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, top := ms.HeapAlloc, ms.HeapAlloc
	sample := func() {
		runtime.ReadMemStats(&ms)
		top = max(top, ms.HeapAlloc)
	}
	calls := 0
	t0 := time.Now()
	tmpl, err := Compile(src)
	if err == nil {
		out, err = tmpl.RenderWith(nil, RenderOptions{Yield: func() {
			if calls++; calls%16 == 0 {
				sample()
			}
			if runtime.GOOS == "js" {
				// What the browser's yield (wasm/post.go breathe) does every 15 ms: Go
				// under js is single-threaded, and its background sweeper runs only
				// when the render lets it.
				runtime.Gosched()
			}
			if yield != nil {
				yield()
			}
		}})
	}
	took = time.Since(t0)
	sample()
	return out, err, took, top - base
}

func TestHostileTemplates(t *testing.T) {
	limit := time.Second
	if runtime.GOOS == "js" {
		limit = 4 * time.Second // Go under Node runs ~3x slower than native
	}
	for _, h := range hostileTemplates {
		t.Run(h.name, func(t *testing.T) {
			out, err, took, peak := measure(t, h.src, nil)
			t.Logf("%v, peak heap +%.1f MB: %v", took.Round(time.Millisecond), float64(peak)/(1<<20), err)
			switch {
			case h.want == "" && err != nil:
				t.Errorf("error %v, want output %q", err, h.out)
			case h.want == "" && out != h.out:
				t.Errorf("output %q, want %q", out, h.out)
			case h.want != "" && (err == nil || !strings.Contains(err.Error(), h.want)):
				t.Errorf("error %v, want one with %q", err, h.want)
			}
			if strings.Contains(h.want, "limit") && !errors.Is(err, ErrLimit) {
				t.Errorf("error %v is not a LimitError", err)
			}
			if took > limit {
				t.Errorf("took %v, want under %v", took, limit)
			}
			if peak > 64<<20 {
				t.Errorf("peak heap +%.1f MB, want under 64 MB", float64(peak)/(1<<20))
			}
		})
	}
}

// A render is cancelled through its context: a cancel that arrives while the template
// loops (here from the Yield hook, which is where the browser lets a cancel in) stops it
// within the next 1024 steps.
func TestRenderCancel(t *testing.T) {
	tmpl, err := Compile("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	yields := 0
	var st Stats
	_, err = tmpl.RenderWith(nil, RenderOptions{Context: ctx, Stats: &st, Yield: func() {
		if yields++; yields == 10 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrLimit) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if st.Steps > 10*pollEvery+100 {
		t.Errorf("%d steps, the cancel came at step %d", st.Steps, 10*pollEvery)
	}

	// A context cancelled from another goroutine (Ctrl-C) stops a render too.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	t0 := time.Now()
	_, err = tmpl.RenderWith(nil, RenderOptions{Context: ctx, Limits: Limits{Steps: 1 << 40}, Yield: runtime.Gosched})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("cancel took %v", d)
	}
}

// Each limit can be set, and the error names it.
func TestLimitsNamed(t *testing.T) {
	for _, c := range []struct {
		src  string
		lim  Limits
		want string
	}{
		{"{% for i in range(100) %}{% endfor %}", Limits{Steps: 50}, "steps"},
		{"{{ 'abc' * 10 }}", Limits{Output: 20}, "output"},
		{"{% set x = 'abc' * 10 %}", Limits{String: 20}, "string"},
		{"{% set x = range(30) %}", Limits{List: 20}, "list"},
		{"{% for i in range(100) %}{% set x = 'a' * 100 %}{% endfor %}", Limits{Memory: 5000}, "memory"},
		{"{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(20) }}", Limits{Depth: 10}, "depth"},
	} {
		tmpl, err := Compile(c.src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tmpl.RenderWith(nil, RenderOptions{Limits: c.lim})
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != c.want {
			t.Errorf("%s under %+v: %v, want the %s limit", c.src, c.lim, err, c.want)
		}
		if _, err := tmpl.RenderWith(nil, RenderOptions{}); err != nil {
			t.Errorf("%s under DefaultLimits: %v", c.src, err)
		}
	}
}

// Value.String and Equals, used outside a render, stay bounded on a value that holds itself.
func TestValueMethodsBounded(t *testing.T) {
	l := NewList(nil)
	l.AsList().Append(l)
	if s := l.String(); !strings.HasSuffix(s, "...") {
		t.Errorf("String of a self-holding list: %.40q", s)
	}
	m := NewList(nil)
	m.AsList().Append(m)
	if l.Equals(m) {
		t.Error("self-holding lists compared equal")
	}
	if got := fmt.Sprint(NewList([]Value{NewString("a"), NewInt(1)})); got != "['a', 1]" {
		t.Errorf("String: %s", got)
	}
}
