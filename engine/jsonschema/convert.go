// Package jsonschema turns a JSON schema into a GBNF grammar (engine/grammar) whose texts
// are JSON documents that validate against the schema, as llama.cpp's
// json-schema-to-grammar does: object/array/string/number/integer/boolean/null, enum,
// const, anyOf/oneOf, type lists, required and optional properties, additionalProperties,
// items/prefixItems with minItems/maxItems, string minLength/maxLength, simple patterns and
// a few formats (date, time, date-time, uuid), integer bounds (minimum, maximum and their
// exclusive forms), whole-number bounds on numbers, and $ref within the schema (#,
// #/$defs/..., #/definitions/...). A keyword it cannot express is an error naming the
// keyword and where it is; annotations (title, description, examples, ...) are ignored.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"hearth/engine/grammar"
)

// AnyJSON is the schema of any JSON value: OpenAI's response_format {"type":"json_object"}
// asks for an object, AnyObject.
const (
	AnyJSON   = `{}`
	AnyObject = `{"type":"object"}`
)

// Error is a schema the converter refuses.
type Error struct {
	Path    string // JSON pointer of the subschema ("" for the root)
	Keyword string // the keyword it cannot express, when that is the problem
	Msg     string
}

func (e *Error) Error() string {
	at := e.Path
	if at == "" {
		at = "/"
	}
	if e.Keyword != "" {
		return fmt.Sprintf("json schema: %s at %s: %s", strconv.Quote(e.Keyword), at, e.Msg)
	}
	return fmt.Sprintf("json schema at %s: %s", at, e.Msg)
}

// Compile converts schema to a grammar ready for generation.
func Compile(schema []byte) (*grammar.Grammar, error) {
	src, err := ToGBNF(schema)
	if err != nil {
		return nil, err
	}
	g, err := grammar.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("json schema: the generated grammar does not compile (%w)", err)
	}
	return g, nil
}

// ToGBNF converts schema (JSON text) to GBNF source with its root rule "root".
func ToGBNF(schema []byte) (string, error) {
	c := &converter{rules: map[string]string{}}
	body, err := c.schema(schema, "root")
	if err != nil {
		return "", err
	}
	c.rules["root"] = body
	return c.source(), nil
}

// schema decodes one schema document and returns its GBNF body.
func (c *converter) schema(schema []byte, name string) (string, error) {
	d := json.NewDecoder(bytes.NewReader(schema))
	d.UseNumber()
	order := map[string][]string{}
	root, err := decodeOrdered(d, "", order)
	if err == nil {
		err = checkEOF(d)
	}
	if err != nil {
		return "", &Error{Msg: "not valid JSON: " + err.Error()}
	}
	c.root, c.keyOrder, c.refs = root, order, map[string]string{}
	return c.visit(root, "", name)
}

// Builder puts several schemas into one grammar (a tool call's arguments, one schema per
// tool), sharing the primitive rules.
type Builder struct{ c *converter }

// NewBuilder starts an empty grammar.
func NewBuilder() *Builder { return &Builder{c: &converter{rules: map[string]string{}}} }

// Add converts schema and returns the name of its rule.
func (b *Builder) Add(name string, schema []byte) (string, error) {
	body, err := b.c.schema(schema, ruleName(name))
	if err != nil {
		return "", err
	}
	return b.c.add(name, body), nil
}

// Rule adds a rule with a GBNF body and returns its name.
func (b *Builder) Rule(name, body string) string { return b.c.add(name, body) }

// Source is the grammar with root as the body of its root rule.
func (b *Builder) Source(root string) string {
	b.c.rules["root"] = root
	return b.c.source()
}

type converter struct {
	root  any
	rules map[string]string // name -> body
	order []string
	refs  map[string]string // $ref -> rule name
	// keyOrder: each object's keys in the order written, by JSON pointer
	keyOrder map[string][]string
}

func (c *converter) source() string {
	var b strings.Builder
	names := append([]string{"root"}, c.order...)
	for _, n := range names {
		fmt.Fprintf(&b, "%s ::= %s\n", n, c.rules[n])
	}
	return b.String()
}

// add registers a rule (or reuses one with the same body) and returns its name.
func (c *converter) add(name, body string) string {
	name = ruleName(name)
	for _, n := range c.order {
		if c.rules[n] == body {
			return n
		}
	}
	base, i := name, 1
	for {
		if _, taken := c.rules[name]; !taken && name != "root" {
			break
		}
		i++
		name = fmt.Sprintf("%s-%d", base, i)
	}
	c.rules[name] = body
	c.order = append(c.order, name)
	return name
}

func ruleName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "r"
	}
	return out
}

// primitive rules, as llama.cpp's PRIMITIVE_RULES
var primitives = map[string]struct {
	body string
	deps []string
}{
	"space":         {`| " " | "\n"{1,2} [ \t]{0,20}`, nil},
	"boolean":       {`("true" | "false") space`, []string{"space"}},
	"null":          {`"null" space`, []string{"space"}},
	"integral-part": {`[0] | [1-9] [0-9]{0,15}`, nil},
	"decimal-part":  {`[0-9]{1,16}`, nil},
	"integer":       {`("-"? integral-part) space`, []string{"integral-part", "space"}},
	"number":        {`("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space`, []string{"integral-part", "decimal-part", "space"}},
	"char":          {`[^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`, nil},
	"string":        {`"\"" char* "\"" space`, []string{"char", "space"}},
	"value":         {`object | array | string | number | boolean | null`, []string{"object", "array", "string", "number", "boolean", "null"}},
	"object":        {`"{" space ( string ":" space value ("," space string ":" space value)* )? "}" space`, []string{"string", "value", "space"}},
	"array":         {`"[" space ( value ("," space value)* )? "]" space`, []string{"value", "space"}},
	"uuid":          {`"\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\"" space`, []string{"space"}},
	"date":          {`"\"" date-part "\"" space`, []string{"date-part", "space"}},
	// whole dates only: every month's real days, February to the 28th (a leap day would need
	// the year's divisibility)
	"date-part": {`[0-9]{4} "-" ( ("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | "02" "-" ("0" [1-9] | "1" [0-9] | "2" [0-8]) )`, nil},
	"time":      {`"\"" ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ) "\"" space`, []string{"space"}},
	"date-time": {`"\"" date-part "T" ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{3} )? ( "Z" | ( "+" | "-" ) ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ) "\"" space`, []string{"date-part", "space"}},
}

// prim adds a primitive rule and what it needs, and returns its name.
func (c *converter) prim(name string) string {
	if _, ok := c.rules[name]; ok {
		return name
	}
	p := primitives[name]
	c.rules[name] = p.body
	c.order = append(c.order, name)
	for _, d := range p.deps {
		c.prim(d)
	}
	return name
}

// annotations are keywords that do not constrain the text.
var annotations = map[string]bool{
	"title": true, "description": true, "examples": true, "default": true, "$schema": true,
	"$id": true, "$comment": true, "deprecated": true, "readOnly": true, "writeOnly": true,
	"$defs": true, "definitions": true, "strict": true, "contentMediaType": true,
}

// literal is GBNF for the exact JSON text of v followed by space.
func (c *converter) literal(v any) string {
	b, _ := json.Marshal(v)
	return gbnfString(string(b)) + " " + c.prim("space")
}

// gbnfString quotes s as a GBNF string literal.
func gbnfString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func unsupported(path, kw, msg string) error {
	return &Error{Path: path, Keyword: kw, Msg: msg}
}

// visit returns the GBNF body for schema s at path; name suggests rule names.
func (c *converter) visit(s any, path, name string) (string, error) {
	switch v := s.(type) {
	case bool:
		if v {
			return c.prim("value"), nil
		}
		return "", &Error{Path: path, Msg: "the schema false matches nothing"}
	case map[string]any:
		return c.visitObject(v, path, name)
	}
	return "", &Error{Path: path, Msg: "a schema must be an object or a boolean"}
}

func (c *converter) visitObject(s map[string]any, path, name string) (string, error) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	known := map[string]bool{
		"type": true, "enum": true, "const": true, "anyOf": true, "oneOf": true, "allOf": true, "$ref": true,
		"properties": true, "required": true, "additionalProperties": true,
		"items": true, "prefixItems": true, "minItems": true, "maxItems": true,
		"minLength": true, "maxLength": true, "pattern": true, "format": true,
		"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true,
	}
	for _, k := range keys {
		if !known[k] && !annotations[k] {
			return "", unsupported(path, k, "this keyword is not supported")
		}
	}
	if ref, ok := s["$ref"]; ok {
		r, ok := ref.(string)
		if !ok {
			return "", &Error{Path: path, Keyword: "$ref", Msg: "must be a string"}
		}
		if len(s) > 1 {
			for _, k := range keys {
				if k != "$ref" && !annotations[k] {
					return "", unsupported(path, k, "keywords beside $ref are not supported")
				}
			}
		}
		return c.ref(r, path)
	}
	if v, ok := s["const"]; ok {
		return c.literal(v), nil
	}
	if v, ok := s["enum"]; ok {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return "", &Error{Path: path, Keyword: "enum", Msg: "must be a non-empty array"}
		}
		alts := make([]string, len(list))
		for i, e := range list {
			b, _ := json.Marshal(e)
			alts[i] = gbnfString(string(b))
		}
		return "(" + strings.Join(alts, " | ") + ") " + c.prim("space"), nil
	}
	for _, kw := range []string{"anyOf", "oneOf", "allOf"} {
		v, ok := s[kw]
		if !ok {
			continue
		}
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return "", &Error{Path: path, Keyword: kw, Msg: "must be a non-empty array"}
		}
		if kw == "allOf" && len(list) > 1 {
			return "", unsupported(path, kw, "allOf with more than one schema is not supported")
		}
		var alts []string
		for i, sub := range list {
			b, err := c.visit(sub, fmt.Sprintf("%s/%s/%d", path, kw, i), fmt.Sprintf("%s-%d", name, i))
			if err != nil {
				return "", err
			}
			alts = append(alts, c.add(fmt.Sprintf("%s-%d", name, i), b))
		}
		return strings.Join(alts, " | "), nil
	}
	var types []string
	switch t := s["type"].(type) {
	case nil:
		switch {
		case s["properties"] != nil || s["additionalProperties"] != nil || s["required"] != nil:
			types = []string{"object"}
		case s["items"] != nil || s["prefixItems"] != nil || s["minItems"] != nil || s["maxItems"] != nil:
			types = []string{"array"}
		case s["minLength"] != nil || s["maxLength"] != nil || s["pattern"] != nil || s["format"] != nil:
			types = []string{"string"}
		case s["minimum"] != nil || s["maximum"] != nil || s["exclusiveMinimum"] != nil || s["exclusiveMaximum"] != nil:
			types = []string{"number"}
		default:
			return c.prim("value"), nil
		}
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			str, ok := e.(string)
			if !ok {
				return "", &Error{Path: path, Keyword: "type", Msg: "must be a string or an array of strings"}
			}
			types = append(types, str)
		}
	default:
		return "", &Error{Path: path, Keyword: "type", Msg: "must be a string or an array of strings"}
	}
	if len(types) == 0 {
		return "", &Error{Path: path, Keyword: "type", Msg: "is an empty list"}
	}
	var alts []string
	for _, t := range types {
		b, err := c.typed(t, s, path, name)
		if err != nil {
			return "", err
		}
		if len(types) == 1 {
			return b, nil
		}
		alts = append(alts, c.add(name+"-"+t, b))
	}
	return strings.Join(alts, " | "), nil
}

func (c *converter) typed(t string, s map[string]any, path, name string) (string, error) {
	switch t {
	case "null":
		return c.prim("null"), nil
	case "boolean":
		return c.prim("boolean"), nil
	case "string":
		return c.str(s, path, name)
	case "integer", "number":
		return c.num(t, s, path)
	case "array":
		return c.array(s, path, name)
	case "object":
		return c.object(s, path, name)
	}
	return "", &Error{Path: path, Keyword: "type", Msg: fmt.Sprintf("unknown type %q", t)}
}

// ref resolves a JSON pointer within the schema; each target becomes one named rule, so
// recursive schemas work.
func (c *converter) ref(r, path string) (string, error) {
	if n, ok := c.refs[r]; ok {
		return n, nil
	}
	if !strings.HasPrefix(r, "#") {
		return "", unsupported(path, "$ref", fmt.Sprintf("%q: only references within the schema (#, #/$defs/..., #/definitions/...) are supported", r))
	}
	target := c.root
	ptr := strings.TrimPrefix(r, "#")
	var last string
	if ptr != "" {
		if !strings.HasPrefix(ptr, "/") {
			return "", unsupported(path, "$ref", fmt.Sprintf("%q is not a JSON pointer", r))
		}
		for _, tok := range strings.Split(ptr[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			last = tok
			switch cur := target.(type) {
			case map[string]any:
				next, ok := cur[tok]
				if !ok {
					return "", &Error{Path: path, Keyword: "$ref", Msg: fmt.Sprintf("%q points at nothing", r)}
				}
				target = next
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(cur) {
					return "", &Error{Path: path, Keyword: "$ref", Msg: fmt.Sprintf("%q points at nothing", r)}
				}
				target = cur[i]
			default:
				return "", &Error{Path: path, Keyword: "$ref", Msg: fmt.Sprintf("%q points at nothing", r)}
			}
		}
	} else {
		last = "root-ref"
	}
	name := ruleName("ref-" + last)
	for i := 2; c.rules[name] != ""; i++ {
		name = ruleName(fmt.Sprintf("ref-%s-%d", last, i))
	}
	c.refs[r] = name
	c.rules[name] = "\"\"" // placeholder while the target is visited (it may refer to itself)
	c.order = append(c.order, name)
	body, err := c.visit(target, ptr, name)
	if err != nil {
		return "", err
	}
	c.rules[name] = body
	return name, nil
}

func intOf(s map[string]any, kw, path string) (int, bool, error) {
	v, ok := s[kw]
	if !ok {
		return 0, false, nil
	}
	n, isNum := v.(json.Number)
	i, err := strconv.Atoi(string(n))
	if !isNum || err != nil || i < 0 {
		return 0, false, &Error{Path: path, Keyword: kw, Msg: "must be a whole number >= 0"}
	}
	return i, true, nil
}

func (c *converter) str(s map[string]any, path, name string) (string, error) {
	if f, ok := s["format"]; ok {
		fs, _ := f.(string)
		switch fs {
		case "date", "time", "date-time", "uuid":
			return c.prim(fs), nil
		}
		return "", unsupported(path, "format", fmt.Sprintf("format %q is not supported (date, time, date-time and uuid are)", f))
	}
	if p, ok := s["pattern"]; ok {
		ps, ok := p.(string)
		if !ok {
			return "", &Error{Path: path, Keyword: "pattern", Msg: "must be a string"}
		}
		if s["minLength"] != nil || s["maxLength"] != nil {
			return "", unsupported(path, "minLength", "length limits together with a pattern are not supported")
		}
		body, err := c.pattern(ps, path)
		if err != nil {
			return "", err
		}
		return `"\"" ` + body + ` "\"" ` + c.prim("space"), nil
	}
	lo, _, err := intOf(s, "minLength", path)
	if err != nil {
		return "", err
	}
	hi, hasHi, err := intOf(s, "maxLength", path)
	if err != nil {
		return "", err
	}
	if !hasHi && lo == 0 {
		return c.prim("string"), nil
	}
	if lo > 2000 || hasHi && hi > 2000 {
		return "", unsupported(path, "maxLength", "length limits above 2000 are not supported")
	}
	if hasHi && hi < lo {
		return "", &Error{Path: path, Keyword: "maxLength", Msg: "is below minLength"}
	}
	rep := fmt.Sprintf("{%d,}", lo)
	if hasHi {
		rep = fmt.Sprintf("{%d,%d}", lo, hi)
	}
	return `"\"" ` + c.prim("char") + rep + ` "\"" ` + c.prim("space"), nil
}
