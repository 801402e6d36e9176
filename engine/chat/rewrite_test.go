package chat

import (
	"testing"
)

func TestRewriteSource(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"{{ x | tojson }}", "{{ __hearth_tojson(x) }}"},
		{"{{- x|tojson(indent=4) -}}", "{{- __hearth_tojson(x, indent=4) -}}"},
		{"{{ 'a' + b.c[0]['d'] | tojson + 'e' }}", "{{ 'a' + __hearth_tojson(b.c[0]['d']) + 'e' }}"},
		{"{{ tools | map(attribute='function') | tojson(indent=2) }}", "{{ __hearth_tojson(tools | map(attribute='function'), indent=2) }}"},
		{"{%- set out = tool_call.function|tojson %}", "{%- set out = __hearth_tojson(tool_call.function) %}"},
		{"{{ not x | tojson }}", "{{ not __hearth_tojson(x) }}"},
		{"{{ -x | tojson }}", "{{ __hearth_tojson(-x) }}"},
		{"{{ a - x | tojson }}", "{{ a - __hearth_tojson(x) }}"},
		{"{{ (a + b) | tojson }}", "{{ __hearth_tojson((a + b)) }}"},
		{"{{ f(a)(b) | tojson }}", "{{ __hearth_tojson(f(a)(b)) }}"},
		{"{{ {'k': [1]} | tojson }}", "{{ __hearth_tojson({'k': [1]}) }}"},
		{"{{ (x | tojson) | tojson }}", "{{ __hearth_tojson((__hearth_tojson(x))) }}"},
		{"{{ x if c else y | tojson }}", "{{ x if c else __hearth_tojson(y) }}"},
		{"{{ s.split(',', 1) }}", "{{ __hearth_split(s, ',', 1) }}"},
		{"{{ s.split(sep=',', maxsplit=1)[0] }}", "{{ __hearth_split(s, sep=',', maxsplit=1)[0] }}"},
		{"{{ m.content.split('</think>')[-1] }}", "{{ m.content.split('</think>')[-1] }}"},
		{"{{ s.split() }}", "{{ s.split() }}"},
		{"{{ 'a b'.rsplit() }}", "{{ __hearth_rsplit('a b') }}"},
		{"{{ s.rsplit(',', 1) | tojson }}", "{{ __hearth_tojson(__hearth_rsplit(s, ',', 1)) }}"},
		// Text, comments, strings and raw blocks are left alone.
		{"x | tojson {# y | tojson #}{{ '| tojson' }}", "x | tojson {# y | tojson #}{{ '| tojson' }}"},
		{"{% raw %}{{ y | tojson }}{% endraw %}{{ y|tojson }}", "{% raw %}{{ y | tojson }}{% endraw %}{{ __hearth_tojson(y) }}"},
		{"{{ \"a}}b\" | tojson }}", "{{ __hearth_tojson(\"a}}b\") }}"},
		// What cannot be delimited is left to the library.
		{"{{ | tojson }}", "{{ | tojson }}"},
		{"{{ x) | tojson }}", "{{ x) | tojson }}"},
		{"{{ x | tojson(", "{{ x | tojson("},
		{"{{ x.split(',', 1 }}", "{{ x.split(',', 1 }}"},
		{"{ x | tojson }", "{ x | tojson }"},
	} {
		if got := rewriteSource(c.in); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func FuzzRewriteSource(f *testing.F) {
	for _, s := range []string{"{{ x | tojson(indent=2) }}", "{% set a = b.split(',', 1) %}", "{{ -(x)|tojson }}{# c #}", "{% raw %}{{ x|tojson }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := rewriteSource(src)
		if rewriteSource(out) != out {
			t.Errorf("rewrite of %q is not a fixed point: %q", src, out)
		}
		_, _ = Parse(src) // must not panic
	})
}
