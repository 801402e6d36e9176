package jinja

import (
	"fmt"
	"strings"
	"unicode"
)

// The methods of strings, lists and dicts (s.strip(), l.append(x), d.items(), ...). Each
// one checks the size of what it builds before building it.

// =============================================================================
// String methods
// =============================================================================

func (e *evaluator) stringMethod(obj Value, method string) (Value, error) {
	s := obj.AsString()
	b := e.b
	fn := func(f func(args []Value, kwargs map[string]Value) (Value, error)) (Value, error) {
		return NewCallable("str."+method, f), nil
	}
	// arg is the i-th argument as text (and whether there is one).
	arg := func(args []Value, i int) (string, bool) {
		if i < len(args) && !args[i].IsNone() {
			return b.str(args[i]), true
		}
		return "", false
	}
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

	switch method {
	case "strip", "lstrip", "rstrip":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			b.scan(len(s))
			cut, ok := arg(args, 0)
			switch {
			case method == "strip" && ok:
				return NewString(strings.Trim(s, cut)), nil
			case method == "strip":
				return NewString(strings.TrimSpace(s)), nil
			case method == "lstrip" && ok:
				return NewString(strings.TrimLeft(s, cut)), nil
			case method == "lstrip":
				return NewString(strings.TrimLeftFunc(s, isSpace)), nil
			case ok:
				return NewString(strings.TrimRight(s, cut)), nil
			}
			return NewString(strings.TrimRightFunc(s, isSpace)), nil
		})

	case "split":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			b.scan(len(s))
			sep, ok := arg(args, 0)
			if !ok {
				b.needList(countFields(s))
				parts := strings.Fields(s)
				return stringList(parts), nil
			}
			if sep == "" {
				return Undefined(), fmt.Errorf("empty separator")
			}
			b.needList(strings.Count(s, sep) + 1)
			return stringList(strings.Split(s, sep)), nil
		})

	case "startswith", "endswith":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) == 0 {
				return NewBool(false), nil
			}
			has := strings.HasPrefix
			if method == "endswith" {
				has = strings.HasSuffix
			}
			affixes := []Value{args[0]}
			if args[0].IsList() { // a tuple of prefixes
				affixes = args[0].AsList().Items
			}
			for _, a := range affixes {
				b.step()
				if has(s, b.str(a)) {
					return NewBool(true), nil
				}
			}
			return NewBool(false), nil
		})

	case "replace":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) < 2 {
				return NewString(s), nil
			}
			count := -1
			if len(args) > 2 {
				count = int(toInt64(args[2]))
			}
			return b.replace(s, b.str(args[0]), b.str(args[1]), count), nil
		})

	case "upper", "lower":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			b.needString(int64(len(s)) * 3 / 2) // a case change can grow a code point's bytes
			if method == "upper" {
				return NewString(strings.ToUpper(s)), nil
			}
			return NewString(strings.ToLower(s)), nil
		})

	case "title", "capitalize":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			b.needString(int64(len(s)) * 4)
			runes := []rune(s)
			if method == "capitalize" {
				if len(runes) > 0 {
					runes[0] = unicode.ToUpper(runes[0])
				}
				return NewString(string(runes)), nil
			}
			inWord := false
			for i, r := range runes {
				if isSpace(r) {
					inWord = false
				} else if !inWord {
					runes[i] = unicode.ToUpper(r)
					inWord = true
				}
			}
			return NewString(string(runes)), nil
		})

	case "count":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			sub, ok := arg(args, 0)
			if !ok {
				return NewInt(0), nil
			}
			b.scan(len(s))
			return NewInt(int64(strings.Count(s, sub))), nil
		})

	case "find":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			sub, ok := arg(args, 0)
			if !ok {
				return NewInt(-1), nil
			}
			b.scan(len(s))
			return NewInt(int64(strings.Index(s, sub))), nil
		})

	case "format":
		return fn(func(args []Value, kwargs map[string]Value) (Value, error) {
			return b.strFormat(s, args, kwargs)
		})
	}

	return Undefined(), nil
}

// countFields is len(strings.Fields(s)) without building them.
func countFields(s string) int {
	n, in := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

func stringList(parts []string) Value {
	items := make([]Value, len(parts))
	for i, p := range parts {
		items[i] = NewString(p)
	}
	return NewList(items)
}

// replace is strings.Replace once the size of its result has passed the budget.
func (b *Budget) replace(s, old, new string, count int) Value {
	b.scan(len(s))
	n := strings.Count(s, old)
	if count >= 0 && count < n {
		n = count
	}
	if n == 0 {
		return NewString(s)
	}
	b.needString(int64(len(s)) + size(int64(n), int64(len(new))) - int64(n)*int64(len(old)))
	return NewString(strings.Replace(s, old, new, n))
}

// strFormat is str.format: {} and {0} take positional arguments, {name} keyword ones,
// {{ and }} are braces. Format specs after ':' are not supported.
func (b *Budget) strFormat(s string, args []Value, kwargs map[string]Value) (Value, error) {
	w := b.NewBuilder()
	auto := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{', c == '}' && i+1 < len(s) && s[i+1] == '}':
			w.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return Undefined(), fmt.Errorf("single '{' encountered in format string")
			}
			field := s[i+1 : i+end]
			i += end
			var v Value
			if field == "" {
				if auto >= len(args) {
					return Undefined(), fmt.Errorf("format: replacement index %d out of range", auto)
				}
				v = args[auto]
				auto++
			} else if n, rest := digits(field, 0); rest == len(field) {
				if n >= len(args) {
					return Undefined(), fmt.Errorf("format: replacement index %d out of range", n)
				}
				v = args[n]
			} else if kv, ok := kwargs[field]; ok {
				v = kv
			} else {
				return Undefined(), fmt.Errorf("format: no argument %q", field)
			}
			w.WriteString(b.str(v))
		default:
			w.WriteByte(c)
		}
		w.must()
	}
	w.must()
	return NewString(w.String()), nil
}

// =============================================================================
// List methods
// =============================================================================

func (e *evaluator) listMethod(obj Value, method string) (Value, error) {
	list := obj.AsList()
	b := e.b

	switch method {
	case "append":
		return NewCallable("list.append", func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) > 0 {
				if int64(list.Len())+1 > b.lim.List {
					b.needList(list.Len() + 1)
				}
				b.needMemory(valueBytes)
				list.Append(args[0])
			}
			return None(), nil
		}), nil

	case "pop":
		return NewCallable("list.pop", func(args []Value, kwargs map[string]Value) (Value, error) {
			if list.Len() == 0 {
				return Undefined(), fmt.Errorf("pop from empty list")
			}
			idx := list.Len() - 1
			if len(args) > 0 {
				i, ok := index(args[0], list.Len())
				if !ok {
					return Undefined(), fmt.Errorf("pop index out of range")
				}
				idx = i
			}
			b.work((list.Len() - idx) >> 4)
			val := list.Items[idx]
			list.Items = append(list.Items[:idx], list.Items[idx+1:]...)
			return val, nil
		}), nil

	case "insert":
		return NewCallable("list.insert", func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) < 2 {
				return None(), nil
			}
			if int64(list.Len())+1 > b.lim.List {
				b.needList(list.Len() + 1)
			}
			i := toInt64(args[0])
			if i < 0 {
				i += int64(list.Len())
			}
			idx := int(min(max(i, 0), int64(list.Len())))
			b.work((list.Len() - idx) >> 4)
			b.needMemory(valueBytes)
			list.Items = append(list.Items, Undefined())
			copy(list.Items[idx+1:], list.Items[idx:])
			list.Items[idx] = args[1]
			return None(), nil
		}), nil
	}

	return Undefined(), nil
}

// =============================================================================
// Dict methods
// =============================================================================

func (e *evaluator) dictMethod(obj Value, method string) (Value, error) {
	d := obj.AsDict()
	b := e.b

	switch method {
	case "items", "keys", "values":
		return NewCallable("dict."+method, func(args []Value, kwargs map[string]Value) (Value, error) {
			b.needList(d.Len())
			items := make([]Value, 0, d.Len())
			for _, key := range d.Keys {
				switch method {
				case "items":
					b.needMemory(2 * valueBytes)
					items = append(items, NewList([]Value{NewString(key), d.Data[key]}))
				case "keys":
					items = append(items, NewString(key))
				default:
					items = append(items, d.Data[key])
				}
			}
			return NewList(items), nil
		}), nil

	case "get":
		return NewCallable("dict.get", func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) == 0 {
				return Undefined(), nil
			}
			key := b.str(args[0])
			if v, ok := d.Get(key); ok {
				return v, nil
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return None(), nil
		}), nil

	case "pop":
		return NewCallable("dict.pop", func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) == 0 {
				return Undefined(), nil
			}
			key := b.str(args[0])
			v, ok := d.Get(key)
			if ok {
				b.work(d.Len() >> 4)
				delete(d.Data, key)
				newKeys := make([]string, 0, len(d.Keys)-1)
				for _, k := range d.Keys {
					if k != key {
						newKeys = append(newKeys, k)
					}
				}
				d.Keys = newKeys
				return v, nil
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return Undefined(), nil
		}), nil

	case "update":
		return NewCallable("dict.update", func(args []Value, kwargs map[string]Value) (Value, error) {
			if len(args) > 0 && args[0].IsDict() {
				other := args[0].AsDict()
				for _, key := range other.Keys {
					b.step()
					b.dictSet(d, key, other.Data[key])
				}
			}
			for _, key := range sortedKeys(kwargs) {
				b.dictSet(d, key, kwargs[key])
			}
			return None(), nil
		}), nil
	}

	return Undefined(), nil
}
