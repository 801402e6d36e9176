package gguf

import "math"

// Get returns the value of a metadata key.
func (f *File) Get(key string) (any, bool) {
	if f.keys == nil {
		for _, kv := range f.KVs {
			if kv.Key == key {
				return kv.Value, true
			}
		}
		return nil, false
	}
	i, ok := f.keys[key]
	if !ok {
		return nil, false
	}
	return f.KVs[i].Value, true
}

// String returns a string value.
func (f *File) String(key string) (string, bool) {
	v, _ := f.Get(key)
	s, ok := v.(string)
	return s, ok
}

// Uint returns any integer value that is not negative.
func (f *File) Uint(key string) (uint64, bool) {
	v, _ := f.Get(key)
	return toUint(v)
}

// Int returns any integer value that fits an int64.
func (f *File) Int(key string) (int64, bool) {
	v, _ := f.Get(key)
	return toInt(v)
}

// Float returns a float32 or float64 value, or an integer value converted.
func (f *File) Float(key string) (float64, bool) {
	v, _ := f.Get(key)
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, ok := toInt(v); ok {
		return float64(i), true
	}
	if u, ok := toUint(v); ok {
		return float64(u), true
	}
	return 0, false
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, bool) {
	v, _ := f.Get(key)
	b, ok := v.(bool)
	return b, ok
}

// Strings returns an array of strings (the file's own slice, not a copy).
func (f *File) Strings(key string) ([]string, bool) {
	v, _ := f.Get(key)
	s, ok := v.([]string)
	return s, ok
}

// Float32s returns an array of float32 (the file's own slice), or an array of float64
// converted.
func (f *File) Float32s(key string) ([]float32, bool) {
	v, _ := f.Get(key)
	switch x := v.(type) {
	case []float32:
		return x, true
	case []float64:
		out := make([]float32, len(x))
		for i, e := range x {
			out[i] = float32(e)
		}
		return out, true
	}
	return nil, false
}

// Int32s returns an array of any integer type as int32s; false when a value does not fit.
// An []int32 is returned as is, other types are converted into a new slice.
func (f *File) Int32s(key string) ([]int32, bool) {
	v, _ := f.Get(key)
	switch x := v.(type) {
	case []int32:
		return x, true
	case []uint8:
		return convertInt32s(x)
	case []int8:
		return convertInt32s(x)
	case []uint16:
		return convertInt32s(x)
	case []int16:
		return convertInt32s(x)
	case []uint32:
		return convertInt32s(x)
	case []uint64:
		return convertInt32s(x)
	case []int64:
		return convertInt32s(x)
	}
	return nil, false
}

// Architecture is general.architecture ("llama", "qwen2", ...), or "" when absent.
func (f *File) Architecture() string {
	s, _ := f.String("general.architecture")
	return s
}

type integer interface {
	~uint8 | ~int8 | ~uint16 | ~int16 | ~uint32 | ~int32 | ~uint64 | ~int64
}

func convertInt32s[T integer](x []T) ([]int32, bool) {
	out := make([]int32, len(x))
	for i, e := range x {
		if !fitsInt32(e) {
			return nil, false
		}
		out[i] = int32(e)
	}
	return out, true
}

func fitsInt32[T integer](e T) bool {
	if e < 0 {
		return int64(e) >= math.MinInt32
	}
	return uint64(e) <= math.MaxInt32
}

// toUint converts any non-negative integer value.
func toUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	}
	if i, ok := toInt(v); ok && i >= 0 {
		return uint64(i), true
	}
	return 0, false
}

// toInt converts any integer value that fits an int64.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}
