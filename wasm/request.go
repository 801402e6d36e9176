//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"math"
	"syscall/js"

	"hearth/engine"
	"hearth/engine/sample"
)

// A request's fields arrive as JS values from any page script: every reader here checks
// the type it needs and answers a readable error instead of panicking in syscall/js.

// requestID returns the request's numeric id, or nil (posted as null) when it has none.
func requestID(msg js.Value) any {
	if msg.Type() != js.TypeObject {
		return nil
	}
	v := msg.Get("id")
	if v.Type() != js.TypeNumber {
		return nil
	}
	return v.Float()
}

// str reads an optional string field ("" when absent).
func str(o js.Value, key string) (string, error) {
	switch v := o.Get(key); v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return "", nil
	case js.TypeString:
		return v.String(), nil
	default:
		return "", fmt.Errorf("%s must be a string, not %s", key, v.Type())
	}
}

// num reads an optional number field; ok is false when it is absent.
func num(o js.Value, key string) (v float64, ok bool, err error) {
	switch x := o.Get(key); x.Type() {
	case js.TypeUndefined, js.TypeNull:
		return 0, false, nil
	case js.TypeNumber:
		f := x.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false, fmt.Errorf("%s must be a finite number", key)
		}
		return f, true, nil
	default:
		return 0, false, fmt.Errorf("%s must be a number, not %s", key, x.Type())
	}
}

// integer reads an optional whole-number field within [lo, hi].
func integer(o js.Value, key string, lo, hi float64) (int64, bool, error) {
	f, ok, err := num(o, key)
	if !ok || err != nil {
		return 0, ok, err
	}
	if f != math.Trunc(f) || f < lo || f > hi {
		return 0, false, fmt.Errorf("%s must be a whole number in [%.0f, %.0f], not %v", key, lo, hi, f)
	}
	return int64(f), true, nil
}

// array checks that a field is an array and returns its length.
func array(o js.Value, key string) (js.Value, int, error) {
	v := o.Get(key)
	if v.Type() != js.TypeObject || !js.Global().Get("Array").Call("isArray", v).Bool() {
		return js.Undefined(), 0, fmt.Errorf("%s must be an array", key)
	}
	return v, v.Length(), nil
}

// generateOptions reads a request's options object (missing fields keep llama.cpp's chat
// defaults, sample.DefaultOptions).
func generateOptions(msg js.Value) (engine.Options, error) {
	o := engine.Options{Sample: sample.DefaultOptions()}
	opts := msg.Get("options")
	switch opts.Type() {
	case js.TypeUndefined, js.TypeNull:
		return o, nil
	case js.TypeObject:
	default:
		return o, errors.New("options must be an object")
	}
	floats := []struct {
		key string
		dst *float32
	}{
		{"temperature", &o.Sample.Temperature}, {"topP", &o.Sample.TopP}, {"minP", &o.Sample.MinP},
		{"repeatPenalty", &o.Sample.RepeatPenalty}, {"presencePenalty", &o.Sample.PresencePenalty},
		{"frequencyPenalty", &o.Sample.FrequencyPenalty},
	}
	for _, f := range floats {
		v, ok, err := num(opts, f.key)
		if err != nil {
			return o, err
		}
		if ok {
			*f.dst = float32(v)
		}
	}
	ints := []struct {
		key string
		dst *int
	}{{"topK", &o.Sample.TopK}, {"penaltyWindow", &o.Sample.PenaltyWindow}, {"maxTokens", &o.MaxTokens}}
	for _, f := range ints {
		v, ok, err := integer(opts, f.key, 0, math.MaxInt32)
		if err != nil {
			return o, err
		}
		if ok {
			*f.dst = int(v)
		}
	}
	if seed, ok, err := integer(opts, "seed", 0, 1<<53); err != nil {
		return o, err
	} else if ok {
		o.Sample.Seed = uint64(seed)
	}
	if v := opts.Get("stop"); !v.IsUndefined() && !v.IsNull() {
		stop, n, err := array(opts, "stop")
		if err != nil {
			return o, err
		}
		for i := 0; i < n; i++ {
			s := stop.Index(i)
			if s.Type() != js.TypeString {
				return o, fmt.Errorf("stop[%d] must be a string", i)
			}
			o.Stop = append(o.Stop, s.String())
		}
	}
	return o, o.Sample.Validate()
}

// messages reads [{role, content}].
func messages(msg js.Value) ([]engine.Message, error) {
	jm, n, err := array(msg, "messages")
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("messages is empty")
	}
	out := make([]engine.Message, n)
	for i := range out {
		m := jm.Index(i)
		if m.Type() != js.TypeObject {
			return nil, fmt.Errorf("messages[%d] must be an object {role, content}", i)
		}
		role, err := str(m, "role")
		if err != nil || role == "" {
			return nil, fmt.Errorf("messages[%d].role must be a non-empty string", i)
		}
		content, err := str(m, "content")
		if err != nil {
			return nil, fmt.Errorf("messages[%d]: %v", i, err)
		}
		out[i] = engine.Message{Role: role, Content: content}
	}
	return out, nil
}

// tokenIDs reads the token ids of a complete request.
func tokenIDs(msg js.Value) ([]int32, error) {
	toks, n, err := array(msg, "tokens")
	if err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for i := range out {
		v := toks.Index(i)
		f := math.NaN()
		if v.Type() == js.TypeNumber {
			f = v.Float()
		}
		if f != math.Trunc(f) || f < 0 || f > math.MaxInt32 {
			return nil, fmt.Errorf("tokens[%d] must be a token id (a whole number >= 0)", i)
		}
		out[i] = int32(f)
	}
	return out, nil
}
