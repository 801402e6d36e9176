package jsonschema

import (
	"flag"
	"os"
	"strings"
	"testing"

	"hearth/engine/grammar"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (-update to accept):\n%s", path, got)
	}
}

func accepts(t *testing.T, g *grammar.Grammar, text string) bool {
	m := grammar.Bind(g, grammar.NewVocab(nil, nil)).NewMatcher()
	return m.AcceptBytes([]byte(text)) == nil && m.CanEnd()
}

func TestConvertLanguage(t *testing.T) {
	cases := []struct {
		schema  string
		yes, no []string
	}{
		{`{"type":"integer","minimum":-12,"maximum":305}`, []string{"-12", "-1", "0", "9", "10", "99", "100", "299", "305"}, []string{"-13", "-0", "306", "400", "01", "1000"}},
		{`{"type":"integer","exclusiveMinimum":7}`, []string{"8", "10", "123456"}, []string{"7", "0", "-1"}},
		{`{"type":"integer","maximum":-5}`, []string{"-5", "-6", "-100"}, []string{"-4", "0", "5"}},
		{`{"type":"number","minimum":-2,"maximum":3}`, []string{"-2", "-1.5", "0.25", "2.999", "3", "-0.5"}, []string{"-2.5", "3.5", "4", "-3"}},
		{`{"type":"string","pattern":"^a(b|c)*d?$"}`, []string{`"a"`, `"abcbd"`, `"ad"`}, []string{`"b"`, `"abd e"`, `""`}},
		{`{"type":"string","pattern":"[0-9]+"}`, []string{`"x1y"`, `"22"`}, []string{`"xy"`}},
		{`{"type":"string","pattern":"^[^a]$"}`, []string{`"b"`, `"\""`, `"\n"`}, []string{`"a"`, `"""`}},
		{`{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"boolean"},"c":{"type":"null"}},"required":["b"]}`,
			[]string{`{"b":true}`, `{"a":1,"b":false}`, `{"b":true,"c":null}`, `{"a":1,"b":true,"c":null}`}, []string{`{}`, `{"a":1}`, `{"b":true,"d":1}`}},
		{`{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":true}`, []string{`{}`, `{"a":1,"z":[1]}`, `{"q":"x"}`}, []string{`{"a":"x"}`}},
		{`{"type":"array","items":{"type":"boolean"},"minItems":2,"maxItems":3}`, []string{`[true,false]`, `[true,true,true]`}, []string{`[]`, `[true]`, `[true,true,true,true]`}},
		{`{"type":"json_object"}`, nil, nil},
		{`{"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["next"]}}}`,
			[]string{`{"next":null}`, `{"next":{"next":{"next":null}}}`}, []string{`{}`, `{"next":1}`}},
		{AnyJSON, []string{`1`, `"x"`, `{"a":[null,true,{"b":-1.5e3}]}`}, []string{`{`, `tru`}},
	}
	for _, c := range cases {
		g, err := Compile([]byte(c.schema))
		if c.schema == `{"type":"json_object"}` {
			if err == nil || !strings.Contains(err.Error(), "json_object") {
				t.Errorf("json_object as a type: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.schema, err)
		}
		for _, s := range c.yes {
			if !accepts(t, g, s) {
				t.Errorf("%s should accept %s", c.schema, s)
			}
		}
		for _, s := range c.no {
			if accepts(t, g, s) {
				t.Errorf("%s should refuse %s", c.schema, s)
			}
		}
	}
}

// A schema the converter cannot express is an error naming the keyword and where it is.
func TestConvertErrors(t *testing.T) {
	bad := []string{
		`{"type":"object","properties":{"a":{"not":{"type":"string"}}}}`,
		`{"type":"array","items":{"type":"string"},"uniqueItems":true}`,
		`{"allOf":[{"type":"string"},{"maxLength":3}]}`,
		`{"$ref":"https://example.com/schema.json"}`,
		`{"$ref":"#/$defs/missing"}`,
		`{"type":"string","format":"email"}`,
		`{"type":"number","minimum":0.5}`,
		`{"type":"number","exclusiveMaximum":3}`,
		`{"type":"integer","minimum":5,"maximum":4}`,
		`{"type":"array","minItems":3,"maxItems":1}`,
		`{"type":"string","pattern":"^a\\bc$"}`,
		`{"type":"string","pattern":"(unclosed"}`,
		`{"type":"strin"}`,
		`{"type":"object","properties":{"a":{}},"required":["b"]}`,
		`{"if":{"type":"string"}}`,
		`false`,
		`{"type":"string"`,
		`[]`,
	}
	var out strings.Builder
	for _, s := range bad {
		_, err := Compile([]byte(s))
		msg := "ACCEPTED"
		if err != nil {
			msg = err.Error()
		}
		out.WriteString(s + "\n    " + msg + "\n")
	}
	golden(t, "errors.golden", out.String())
	if strings.Contains(out.String(), "ACCEPTED") {
		t.Error("a schema the converter cannot express was accepted")
	}
}

// The grammar written for a schema with every construct, as a golden file (reviewable).
func TestConvertGolden(t *testing.T) {
	schema := `{"type":"object","properties":{"name":{"type":"string","maxLength":20},"age":{"type":"integer","minimum":0,"maximum":150},
"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":3},"kind":{"$ref":"#/$defs/kind"},"zip":{"type":"string","pattern":"^[0-9]{5}$"},
"score":{"type":"number","minimum":-1,"maximum":1}},"required":["name","age"],"$defs":{"kind":{"const":"person"}}}`
	src, err := ToGBNF([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "form.gbnf", src)
}
