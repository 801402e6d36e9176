package jinja

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// The filters (x | name(args)). Every one runs under the render's budget: the items it
// walks are steps, and what it builds is checked before it is built.

// filterFuncs holds the filters by name (set at init: map(name) refers back to it).
var filterFuncs map[string]builtin

func filterTable() map[string]builtin {
	return map[string]builtin{
		"tojson":     filterTojson,
		"from_json":  filterFromjson,
		"fromjson":   filterFromjson,
		"items":      filterItems,
		"join":       filterJoin,
		"default":    filterDefault,
		"d":          filterDefault,
		"trim":       filterTrim,
		"lower":      filterLower,
		"upper":      filterUpper,
		"title":      filterTitle,
		"capitalize": filterCapitalize,
		"first":      filterFirst,
		"last":       filterLast,
		"length":     filterLength,
		"count":      filterLength,
		"reverse":    filterReverse,
		"sort":       filterSort,
		"unique":     filterUnique,
		"list":       filterList,
		"int":        filterInt,
		"float":      filterFloatConv,
		"string":     filterString,
		"safe":       filterSafe,
		"replace":    filterReplace,
		"round":      filterRound,
		"abs":        filterAbs,
		"map":        filterMap,
		"select":     filterSelect,
		"reject":     filterReject,
		"selectattr": filterSelectattr,
		"rejectattr": filterRejectattr,
		"indent":     filterIndent,
		"wordcount":  filterWordcount,
		"escape":     filterEscape,
		"e":          filterEscape,
		"dictsort":   filterDictsort,
		"max":        filterMax,
		"min":        filterMin,
		"sum":        filterSum,
		"batch":      filterBatch,
	}
}

func registerFilters(s *scope) {
	for name, fn := range filterFuncs {
		s.set("__filter_"+name, NewBudgetCallable(name, fn))
	}
}

// lookupFilter retrieves a filter callable from the scope chain.
func lookupFilter(s *scope, name string) (Value, bool) {
	return s.get("__filter_" + name)
}

// =============================================================================
// JSON
// =============================================================================

// filterTojson encodes like Python's json.dumps with ", " and ": " separators, no HTML
// escaping and keys in their order (the chat package routes tojson to its own
// Python-exact encoder; this is the library's).
func filterTojson(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewString(""), nil
	}
	j := jsonWriter{b: b, w: b.NewBuilder(), itemSep: ", ", keySep: ": "}
	if separators, ok := kwargs["separators"]; ok {
		if !separators.IsList() || separators.AsList().Len() != 2 {
			return Undefined(), fmt.Errorf("tojson: separators must contain two strings")
		}
		items := separators.AsList().Items
		if !items[0].IsString() || !items[1].IsString() {
			return Undefined(), fmt.Errorf("tojson: separators must contain two strings")
		}
		j.itemSep, j.keySep = items[0].AsString(), items[1].AsString()
	}
	if indent, ok := kwargs["indent"]; ok && !indent.IsNone() && !indent.IsUndefined() {
		n := toInt64(indent)
		b.needString(max(n, 0))
		j.indent, j.hasIndent = strings.Repeat(" ", int(max(n, 0))), true
		if _, ok := kwargs["separators"]; !ok {
			j.itemSep = ","
		}
	}
	if err := j.encode(args[0], 0); err != nil {
		return Undefined(), err
	}
	return NewString(j.w.String()), nil
}

type jsonWriter struct {
	b               *Budget
	w               *Builder
	itemSep, keySep string
	indent          string
	hasIndent       bool
}

func (j *jsonWriter) newline(depth int) {
	if !j.hasIndent {
		return
	}
	j.w.WriteByte('\n')
	for range depth {
		j.w.WriteString(j.indent)
	}
}

func (j *jsonWriter) encode(v Value, depth int) error {
	j.b.step()
	j.b.nested(depth)
	w := j.w
	switch v.kind {
	case KindUndefined, KindNone, KindCallable:
		w.WriteString("null")
	case KindBool:
		w.WriteString(map[bool]string{true: "true", false: "false"}[v.AsBool()])
	case KindInt:
		w.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case KindFloat:
		f := v.AsFloat()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("tojson: cannot encode %v", f)
		}
		w.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case KindString:
		j.b.scan(len(v.AsString()))
		w.WriteString(jsonString(v.AsString()))
	case KindList:
		w.WriteByte('[')
		for i, item := range v.AsList().Items {
			if i > 0 {
				w.WriteString(j.itemSep)
			}
			j.newline(depth + 1)
			if err := j.encode(item, depth+1); err != nil {
				return err
			}
		}
		if v.AsList().Len() > 0 {
			j.newline(depth)
		}
		w.WriteByte(']')
	case KindDict:
		d := v.AsDict()
		w.WriteByte('{')
		for i, key := range d.Keys {
			if i > 0 {
				w.WriteString(j.itemSep)
			}
			j.newline(depth + 1)
			w.WriteString(jsonString(key))
			w.WriteString(j.keySep)
			if err := j.encode(d.Data[key], depth+1); err != nil {
				return err
			}
		}
		if d.Len() > 0 {
			j.newline(depth)
		}
		w.WriteByte('}')
	}
	return w.Err()
}

// jsonString quotes s as JSON without HTML escaping, as Python's json.dumps does.
func jsonString(s string) string {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(sb.String(), "\n")
}

func filterFromjson(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || !args[0].IsString() {
		return Undefined(), nil
	}
	dec := json.NewDecoder(strings.NewReader(args[0].AsString()))
	dec.UseNumber()
	v, err := b.decodeJSON(dec, 0)
	if err != nil {
		return Undefined(), fmt.Errorf("fromjson: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Undefined(), fmt.Errorf("fromjson: trailing data after the value")
	}
	return v, nil
}

// decodeJSON decodes one JSON value token by token under the budget: every token a
// step, every list and dict checked as it grows, nesting bounded by Limits.Depth.
// Object keys keep their document order.
func (b *Budget) decodeJSON(dec *json.Decoder, depth int) (Value, error) {
	b.work(4) // a token costs a few steps' time
	b.nested(depth)
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Undefined(), err
	}
	switch t := tok.(type) {
	case nil:
		return None(), nil
	case bool:
		return NewBool(t), nil
	case string:
		b.needString(int64(len(t)))
		return NewString(t), nil
	case json.Number:
		return FromGoValue(t), nil
	case json.Delim:
		switch t {
		case '[':
			var items []Value
			for dec.More() {
				if int64(len(items)) >= b.lim.List {
					b.needList(len(items) + 1)
				}
				b.needMemory(valueBytes)
				v, err := b.decodeJSON(dec, depth+1)
				if err != nil {
					return Undefined(), err
				}
				items = append(items, v)
			}
			_, err := dec.Token() // ']'
			return NewList(items), err
		case '{':
			d := NewDict()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return Undefined(), err
				}
				k, _ := kt.(string)
				v, err := b.decodeJSON(dec, depth+1)
				if err != nil {
					return Undefined(), err
				}
				b.dictSet(d.AsDict(), k, v)
			}
			_, err := dec.Token() // '}'
			return d, err
		}
	}
	return Undefined(), fmt.Errorf("unexpected JSON token %v", tok)
}

// =============================================================================
// Strings
// =============================================================================

func filterItems(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 || args[0].IsUndefined() {
		return NewList(nil), nil
	}

	// Python jinja2's |items filter raises TemplateError when applied to
	// anything that isn't a mapping, and several chat templates rely on
	// that error to bail out of an unsupported branch (e.g. when a
	// tool_call's `arguments` is a JSON string instead of an object).
	// The wording matches Python jinja2.
	if !args[0].IsDict() {
		//lint:ignore ST1005 message text mirrors Python jinja2 verbatim
		return Undefined(), fmt.Errorf("Can only get item pairs from a mapping.")
	}

	d := args[0].AsDict()
	b.needList(d.Len())
	b.needMemory(int64(d.Len()) * 2 * valueBytes)
	items := make([]Value, 0, d.Len())
	for _, key := range d.Keys {
		items = append(items, NewList([]Value{NewString(key), d.Data[key]}))
	}
	return NewList(items), nil
}

func filterJoin(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewString(""), nil
	}
	if !args[0].IsList() {
		return NewString(b.str(args[0])), nil
	}

	sep := ""
	if len(args) > 1 {
		sep = b.str(args[1])
	}
	if s, ok := kwargs["d"]; ok {
		sep = b.str(s)
	}
	attr := ""
	if a, ok := kwargs["attribute"]; ok {
		attr = b.str(a)
	}

	w := b.NewBuilder()
	for i, item := range args[0].AsList().Items {
		b.step()
		if attr != "" && item.IsDict() {
			if v, ok := item.AsDict().Get(attr); ok {
				item = v
			}
		}
		if i > 0 {
			w.WriteString(sep)
		}
		w.WriteString(b.str(item))
		w.must()
	}
	return NewString(w.String()), nil
}

func filterDefault(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return Undefined(), nil
	}

	val := args[0]
	defVal := NewString("")
	if len(args) > 1 {
		defVal = args[1]
	}
	if d, ok := kwargs["default_value"]; ok {
		defVal = d
	}

	boolean := false
	if len(args) > 2 && args[2].IsBool() {
		boolean = args[2].AsBool()
	} else if v, ok := kwargs["boolean"]; ok && v.IsBool() {
		boolean = v.AsBool()
	}

	if val.IsUndefined() || (boolean && !val.IsTruthy()) {
		return defVal, nil
	}
	return val, nil
}

// text is the filter's input as a string, charged as a scan.
func (b *Budget) text(args []Value) string {
	if len(args) == 0 {
		return ""
	}
	s := b.str(args[0])
	b.scan(len(s))
	return s
}

func filterTrim(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	if len(args) > 1 {
		return NewString(strings.Trim(s, b.str(args[1]))), nil
	}
	return NewString(strings.TrimSpace(s)), nil
}

func filterLower(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	b.needString(int64(len(s)) * 3 / 2)
	return NewString(strings.ToLower(s)), nil
}

func filterUpper(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	b.needString(int64(len(s)) * 3 / 2)
	return NewString(strings.ToUpper(s)), nil
}

func filterTitle(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	b.needString(int64(len(s)) * 4)
	runes := []rune(s)
	inWord := false
	for i, r := range runes {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if !inWord {
				runes[i] = unicode.ToUpper(r)
				inWord = true
			} else {
				runes[i] = unicode.ToLower(r)
			}
		} else {
			inWord = false
		}
	}
	return NewString(string(runes)), nil
}

func filterCapitalize(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	if len(s) == 0 {
		return NewString(""), nil
	}
	b.needString(int64(len(s)) * 4)
	runes := []rune(s)
	runes[0] = unicode.ToUpper(runes[0])
	for i := 1; i < len(runes); i++ {
		runes[i] = unicode.ToLower(runes[i])
	}
	return NewString(string(runes)), nil
}

func filterReplace(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) < 3 {
		return NewString(""), fmt.Errorf("replace: expected at least 3 arguments")
	}
	count := -1
	if len(args) > 3 {
		count = int(toInt64(args[3]))
	}
	if c, ok := kwargs["count"]; ok {
		count = int(toInt64(c))
	}
	return b.replace(b.str(args[0]), b.str(args[1]), b.str(args[2]), count), nil
}

func filterIndent(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	width := int64(4)
	if len(args) > 1 {
		width = toInt64(args[1])
	}
	if w, ok := kwargs["width"]; ok {
		width = toInt64(w)
	}
	indentFirst := false
	if len(args) > 2 {
		indentFirst = args[2].IsTruthy()
	}
	if f, ok := kwargs["first"]; ok {
		indentFirst = f.IsTruthy()
	}
	width = max(width, 0)

	lines := strings.Count(s, "\n") + 1
	b.needString(int64(len(s)) + size(int64(lines), width))
	pad := strings.Repeat(" ", int(width))
	parts := strings.Split(s, "\n")
	for i, line := range parts {
		if i == 0 && !indentFirst {
			continue
		}
		if line != "" {
			parts[i] = pad + line
		}
	}
	return NewString(strings.Join(parts, "\n")), nil
}

func filterWordcount(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	return NewInt(int64(countFields(b.text(args)))), nil
}

func filterEscape(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	s := b.text(args)
	b.needString(int64(len(s)) * 6) // '"' -> &quot;
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")
	return NewString(r.Replace(s)), nil
}

func filterString(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewString(""), nil
	}
	return NewString(b.str(args[0])), nil
}

func filterSafe(b *Budget, args []Value, kwargs map[string]Value) (Value, error) {
	if len(args) == 0 {
		return NewString(""), nil
	}
	return args[0], nil
}
