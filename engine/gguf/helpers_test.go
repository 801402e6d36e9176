package gguf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"testing"

	"hearth/engine/quant"
)

// raw builds GGUF bytes by hand, for layouts the Writer would never produce.
type raw struct{ bytes.Buffer }

func (r *raw) u8(v uint8) *raw   { r.WriteByte(v); return r }
func (r *raw) u32(v uint32) *raw { r.Write(binary.LittleEndian.AppendUint32(nil, v)); return r }
func (r *raw) u64(v uint64) *raw { r.Write(binary.LittleEndian.AppendUint64(nil, v)); return r }
func (r *raw) str(s string) *raw { r.u64(uint64(len(s))); r.WriteString(s); return r }

// header starts a v3 file with the given counts.
func header(nTensors, nKV uint64) *raw {
	r := &raw{}
	r.WriteString("GGUF")
	return r.u32(3).u64(nTensors).u64(nKV)
}

// tensorInfo appends one tensor info.
func (r *raw) tensorInfo(name string, typ quant.Type, dims []uint64, off uint64) *raw {
	r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r.u64(d)
	}
	return r.u32(uint32(typ)).u64(off)
}

// pad appends zeros up to a multiple of a.
func (r *raw) pad(a int) *raw {
	for r.Len()%a != 0 {
		r.WriteByte(0)
	}
	return r
}

// sampleKVs holds a value of every scalar and array type, nested arrays and edge values.
func sampleKVs() []KV {
	return []KV{
		{"general.architecture", "llama"},
		{"u8", uint8(255)},
		{"i8", int8(-128)},
		{"u16", uint16(65535)},
		{"i16", int16(-32768)},
		{"u32", uint32(4294967295)},
		{"i32", int32(-2147483648)},
		{"u64", uint64(math.MaxUint64)},
		{"i64", int64(math.MinInt64)},
		{"f32", float32(-1.5e-38)},
		{"f64", math.Inf(-1)},
		{"f32.nan", float32(math.NaN())},
		{"f64.negzero", math.Copysign(0, -1)},
		{"bool.true", true},
		{"bool.false", false},
		{"string", "héllo\x00wörld ▁"},
		{"string.empty", ""},
		{"", "empty key"},
		{"a.u8", []uint8{0, 1, 255}},
		{"a.i8", []int8{-128, 0, 127}},
		{"a.u16", []uint16{1, 65535}},
		{"a.i16", []int16{-32768, 32767}},
		{"a.u32", []uint32{0, 4294967295}},
		{"a.i32", []int32{-1, 2, math.MaxInt32}},
		{"a.u64", []uint64{math.MaxUint64, 0}},
		{"a.i64", []int64{math.MinInt64, math.MaxInt64}},
		{"a.f32", []float32{0.5, -2, float32(math.Inf(1))}},
		{"a.f64", []float64{1e300, -1e-300}},
		{"a.bool", []bool{true, false, true}},
		{"a.string", []string{"a", "", "ü▁x"}},
		{"a.empty.f32", []float32{}},
		{"a.empty.string", []string{}},
		{"a.nested", []any{[]int32{1, 2}, []string{"x"}, []any{[]bool{true}, []uint8{}}, []any{}}},
		{"a.nested.empty", []any{}},
	}
}

// sampleTensor is one tensor of a sample file; data is filled deterministically.
type sampleTensor struct {
	name string
	typ  quant.Type
	dims []int64
}

var sampleTensors = []sampleTensor{
	{"token_embd.weight", quant.F32, []int64{3, 5}},
	{"scalar", quant.F32, nil},
	{"blk.0.attn_q.weight", quant.Q8_0, []int64{64, 2}},
	{"blk.0.ffn_up.weight", quant.Q4_K, []int64{256, 1, 1, 3}},
	{"blk.0.norm", quant.F16, []int64{7}},
	{"empty", quant.BF16, []int64{0, 4}},
	{"blk.0.q6", quant.Q6_K, []int64{512, 1}},
}

func tensorData(t sampleTensor, seed int) []byte {
	size, err := tensorSize(t.typ, t.dims)
	if err != nil {
		panic(err)
	}
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7 + seed*13 + 1)
	}
	return b
}

// sampleWriter returns a Writer holding sampleKVs and sampleTensors.
func sampleWriter(t testing.TB) *Writer {
	w := NewWriter()
	for _, kv := range sampleKVs() {
		w.Set(kv.Key, kv.Value)
	}
	for i, st := range sampleTensors {
		if err := w.AddTensor(st.name, st.typ, st.dims, tensorData(st, i)); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func encode(t testing.TB, w *Writer) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := w.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, b.Len())
	}
	return b.Bytes()
}

// sameValue compares two metadata values exactly: same Go types, floats bit for bit.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case []float32:
		y, ok := b.([]float32)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
		return true
	case []float64:
		y, ok := b.([]float64)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() == reflect.Slice && va.Len() == 0 && vb.Len() == 0 {
		return true // nil and empty slices read back alike
	}
	return reflect.DeepEqual(a, b)
}

func describe(v any) string { return fmt.Sprintf("%T %#v", v, v) }
