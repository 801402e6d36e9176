package gguf

import (
	"math"
	"reflect"
	"testing"
)

func TestAccessors(t *testing.T) {
	w := NewWriter()
	w.Set("general.architecture", "qwen2")
	w.Set("u8", uint8(7))
	w.Set("i8.neg", int8(-3))
	w.Set("u64.big", uint64(math.MaxUint64))
	w.Set("i64.neg", int64(-5))
	w.Set("f32", float32(0.25))
	w.Set("f64", 1e-6)
	w.Set("bool", true)
	w.Set("str", "s")
	w.Set("strs", []string{"a", "b"})
	w.Set("f32s", []float32{1, 2})
	w.Set("f64s", []float64{0.5})
	w.Set("i32s", []int32{-1, 7})
	w.Set("u32s", []uint32{1, math.MaxUint32})
	w.Set("u8s", []uint8{3, 4})
	w.Set("i64s", []int64{math.MinInt32, math.MaxInt32})
	data := encode(t, w)
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any, ok, wantOK bool) {
		t.Helper()
		if ok != wantOK || (ok && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s = %v, %v; want %v, %v", name, got, ok, want, wantOK)
		}
	}
	if f.Architecture() != "qwen2" {
		t.Errorf("Architecture %q", f.Architecture())
	}
	s, ok := f.String("str")
	check("String(str)", s, "s", ok, true)
	_, ok = f.String("u8")
	check("String(u8)", nil, nil, ok, false)
	u, ok := f.Uint("u8")
	check("Uint(u8)", u, uint64(7), ok, true)
	_, ok = f.Uint("i8.neg")
	check("Uint(i8.neg)", nil, nil, ok, false)
	u, ok = f.Uint("u64.big")
	check("Uint(u64.big)", u, uint64(math.MaxUint64), ok, true)
	_, ok = f.Uint("f32")
	check("Uint(f32)", nil, nil, ok, false)
	i, ok := f.Int("i8.neg")
	check("Int(i8.neg)", i, int64(-3), ok, true)
	i, ok = f.Int("u8")
	check("Int(u8)", i, int64(7), ok, true)
	_, ok = f.Int("u64.big")
	check("Int(u64.big)", nil, nil, ok, false)
	x, ok := f.Float("f32")
	check("Float(f32)", x, 0.25, ok, true)
	x, ok = f.Float("f64")
	check("Float(f64)", x, 1e-6, ok, true)
	x, ok = f.Float("i64.neg")
	check("Float(i64.neg)", x, -5.0, ok, true)
	x, ok = f.Float("u64.big")
	check("Float(u64.big)", x, float64(math.MaxUint64), ok, true)
	_, ok = f.Float("str")
	check("Float(str)", nil, nil, ok, false)
	b, ok := f.Bool("bool")
	check("Bool(bool)", b, true, ok, true)
	_, ok = f.Bool("u8")
	check("Bool(u8)", nil, nil, ok, false)
	ss, ok := f.Strings("strs")
	check("Strings(strs)", ss, []string{"a", "b"}, ok, true)
	_, ok = f.Strings("str")
	check("Strings(str)", nil, nil, ok, false)
	fs, ok := f.Float32s("f32s")
	check("Float32s(f32s)", fs, []float32{1, 2}, ok, true)
	fs, ok = f.Float32s("f64s")
	check("Float32s(f64s)", fs, []float32{0.5}, ok, true)
	_, ok = f.Float32s("i32s")
	check("Float32s(i32s)", nil, nil, ok, false)
	is, ok := f.Int32s("i32s")
	check("Int32s(i32s)", is, []int32{-1, 7}, ok, true)
	is, ok = f.Int32s("u8s")
	check("Int32s(u8s)", is, []int32{3, 4}, ok, true)
	is, ok = f.Int32s("i64s")
	check("Int32s(i64s)", is, []int32{math.MinInt32, math.MaxInt32}, ok, true)
	_, ok = f.Int32s("u32s")
	check("Int32s(u32s) with 2^32-1", nil, nil, ok, false)
	_, ok = f.Int32s("f32s")
	check("Int32s(f32s)", nil, nil, ok, false)
	_, ok = f.Get("missing")
	check("Get(missing)", nil, nil, ok, false)

	// A File built by hand, without Open, still answers by linear search.
	g := &File{KVs: []KV{{"k", int16(-2)}}, Tensors: []TensorInfo{{Name: "t", Dims: []int64{2, 3}}}}
	i, ok = g.Int("k")
	check("hand-made Int(k)", i, int64(-2), ok, true)
	ti, ok := g.Tensor("t")
	if !ok || ti.Elements() != 6 {
		t.Errorf("hand-made Tensor(t) = %v, %v", ti, ok)
	}
	if g.Architecture() != "" {
		t.Errorf("Architecture of a file without it: %q", g.Architecture())
	}
}
