package grammar

import (
	"os"
	"testing"
)

// matches reports whether the whole text is in the grammar's language.
func matches(t *testing.T, g *Grammar, text string) bool {
	t.Helper()
	c := Bind(g, NewVocab(nil, nil))
	m := c.NewMatcher()
	if text == "" {
		return m.CanEnd()
	}
	if err := m.AcceptBytes([]byte(text)); err != nil {
		return false
	}
	return m.CanEnd()
}

func mustParse(t *testing.T, src string) *Grammar {
	t.Helper()
	g, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestMatchLanguage(t *testing.T) {
	json, err := os.ReadFile("testdata/json.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		grammar string
		yes, no []string
	}{
		{string(json),
			[]string{`{}`, `{"a": 1}`, `{"a":[1,2,{"b":null}],"c":"é\u00e9\"x"}`, "{\n  \"k\": -0.5e+3 }", `{"s":"日本語"}`},
			[]string{``, `{`, `{"a"}`, `{"a":01x}`, `[1]`, `{"a":"` + "\x01" + `"}`, `{"a":tru}`}},
		{`root ::= "a"{2,4} "b"?`, []string{"aa", "aaa", "aaaa", "aab", "aaaab"}, []string{"a", "aaaaa", "b", "aabb"}},
		{`root ::= ("ab" | "c")+ [x-z]*`, []string{"ab", "cabc", "abxyz", "cz"}, []string{"", "a", "xyz", "abw"}},
		{`root ::= [^a-c\n]+`, []string{"d", "zzz", "é", "😀x"}, []string{"", "a", "xb", "x\n"}},
		{`root ::= . "!" # any character`, []string{"a!", "€!", "😀!"}, []string{"!", "ab!"}},
		{"root ::= x x\nx ::= \"1\" | \"2\" x", []string{"11", "2121", "22121"}, []string{"1", "12", "2221"}}, {"root ::= \"z\"", []string{"z"}, []string{"1", "12"}},
		{"root ::= [\\u0100-\\U0001F600]", []string{"Ā", "中", "😀"}, []string{"ÿ", "😁"}},
		{`root ::= "a" ( "b" | )`, []string{"a", "ab"}, []string{"b", "abb"}},
		{`root ::= [0-9]{3}`, []string{"123"}, []string{"12", "1234"}},
		{`root ::= "x"{0,2}`, []string{"", "x", "xx"}, []string{"xxx"}},
	}
	for _, c := range cases {
		g := mustParse(t, c.grammar)
		for _, s := range c.yes {
			if !matches(t, g, s) {
				t.Errorf("%q should match %q", c.grammar, s)
			}
		}
		for _, s := range c.no {
			if matches(t, g, s) {
				t.Errorf("%q should not match %q", c.grammar, s)
			}
		}
	}
}
