package gguf

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"hearth/engine/quant"
)

func TestRoundTrip(t *testing.T) {
	data := encode(t, sampleWriter(t))
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || f.Alignment != 32 {
		t.Errorf("version %d alignment %d, want 3 and 32", f.Version, f.Alignment)
	}
	want := sampleKVs()
	if len(f.KVs) != len(want) {
		t.Fatalf("%d keys read back, want %d", len(f.KVs), len(want))
	}
	for i, kv := range want {
		got := f.KVs[i]
		if got.Key != kv.Key || !sameValue(got.Value, kv.Value) {
			t.Errorf("KV %d: got %q = %s, want %q = %s", i, got.Key, describe(got.Value), kv.Key, describe(kv.Value))
		}
		if v, ok := f.Get(kv.Key); !ok || !sameValue(v, kv.Value) {
			t.Errorf("Get(%q) = %s, %v", kv.Key, describe(v), ok)
		}
	}
	if f.DataOffset%32 != 0 {
		t.Errorf("data offset %d not aligned", f.DataOffset)
	}
	if len(f.Tensors) != len(sampleTensors) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(sampleTensors))
	}
	for i, st := range sampleTensors {
		ti, ok := f.Tensor(st.name)
		if !ok || ti != &f.Tensors[i] {
			t.Fatalf("Tensor(%q) = %v, %v; want the %d-th", st.name, ti, ok, i)
		}
		if ti.Type != st.typ || !reflect.DeepEqual(ti.Dims, append([]int64{}, st.dims...)) {
			t.Errorf("%s: %s %v, want %s %v", st.name, ti.Type, ti.Dims, st.typ, st.dims)
		}
		if (ti.Offset-f.DataOffset)%32 != 0 {
			t.Errorf("%s: offset %d not aligned", st.name, ti.Offset)
		}
		b, err := f.ReadTensor(ti)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, tensorData(st, i)) {
			t.Errorf("%s: data differs", st.name)
		}
	}
	if n := f.Tensors[0].Elements(); n != 15 {
		t.Errorf("Elements = %d, want 15", n)
	}
	if n := f.Tensors[1].Elements(); n != 1 {
		t.Errorf("Elements of a 0-dim tensor = %d, want 1", n)
	}
	if _, ok := f.Tensor("missing"); ok {
		t.Error("Tensor(missing) found")
	}
	// Re-encoding what was read gives the same bytes.
	w := NewWriter()
	for _, kv := range f.KVs {
		w.Set(kv.Key, kv.Value)
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		b, _ := f.ReadTensor(ti)
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, b); err != nil {
			t.Fatal(err)
		}
	}
	if again := encode(t, w); !bytes.Equal(again, data) {
		t.Errorf("re-encoded file differs: %d bytes vs %d", len(again), len(data))
	}
}

// TestWriterLayout checks the encoding byte for byte against a layout spelled out by hand.
func TestWriterLayout(t *testing.T) {
	w := NewWriter()
	w.Set("n", uint32(7))
	w.Set("s", []string{"ab"})
	if err := w.AddTensor("w", quant.F32, []int64{2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensor("v", quant.F16, []int64{1}, []byte{9, 10}); err != nil {
		t.Fatal(err)
	}
	want := header(2, 2)
	want.str("n").u32(4).u32(7)
	want.str("s").u32(9).u32(8).u64(1).str("ab")
	want.tensorInfo("w", quant.F32, []uint64{2}, 0)
	want.tensorInfo("v", quant.F16, []uint64{1}, 32)
	want.pad(32)
	want.Write([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	want.pad(32)
	want.Write([]byte{9, 10})
	want.pad(32)
	if got := encode(t, w); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("layout differs:\n got %x\nwant %x", got, want.Bytes())
	}
}

func TestWriterSetOrder(t *testing.T) {
	w := NewWriter()
	w.Set("a", uint32(1))
	w.Set("b", "two")
	w.Set("a", int64(3))
	w.Set("c", true)
	data := encode(t, w)
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Keys(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("keys %q, want a b c", got)
	}
	if v, _ := f.Get("a"); v != int64(3) {
		t.Errorf("a = %s, want int64 3", describe(v))
	}
	if len(f.Tensors) != 0 {
		t.Errorf("%d tensors", len(f.Tensors))
	}
	// No tensors: no data section, so no padding after the header.
	want := header(0, 3)
	want.str("a").u32(uint32(typeInt64)).u64(3)
	want.str("b").u32(uint32(typeString)).str("two")
	want.str("c").u32(uint32(typeBool)).u8(1)
	if !bytes.Equal(data, want.Bytes()) {
		t.Errorf("got %x\nwant %x", data, want.Bytes())
	}
}

func TestWriterAlignment(t *testing.T) {
	for _, align := range []uint32{1, 8, 64, 4096} {
		w := sampleWriter(t)
		w.Set("general.alignment", align)
		data := encode(t, w)
		f, err := Open(Bytes(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		a := int64(align)
		if f.Alignment != a || f.DataOffset%a != 0 {
			t.Errorf("alignment %d: got %d, data offset %d", align, f.Alignment, f.DataOffset)
		}
		end := f.DataOffset
		for i, ti := range f.Tensors {
			if ti.Offset != end {
				t.Errorf("alignment %d: tensor %d at %d, want %d", align, i, ti.Offset, end)
			}
			end += alignUp(ti.Size, a)
		}
		if end != int64(len(data)) {
			t.Errorf("alignment %d: data ends at %d, file is %d bytes", align, end, len(data))
		}
	}
}

func TestWriterErrors(t *testing.T) {
	bad := []struct {
		name  string
		value any
		want  string
	}{
		{"int", 5, "Go type int"},
		{"map", map[string]int{}, "Go type map"},
		{"ints", []int{1}, "Go type []int"},
		{"nested.scalar", []any{[]int32{1}, int32(2)}, "element 1 of an array of arrays is a int32"},
		{"nested.deep", deepArray(maxArrayDepth + 1), "nested more than"},
		{"general.alignment", uint32(48), "not a power of two"},
		{"general.alignment", "32", "want a positive integer"},
		{"general.alignment", uint64(1) << 32, "not a power of two"},
	}
	for _, c := range bad {
		w := NewWriter()
		w.Set("ok", uint8(1))
		w.Set(c.name, c.value)
		var b bytes.Buffer
		_, err := w.WriteTo(&b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s = %s: error %v, want %q", c.name, describe(c.value), err, c.want)
		}
		if b.Len() != 0 {
			t.Errorf("%s: %d bytes written despite the error", c.name, b.Len())
		}
	}
	// The deepest array the reader accepts is writable and reads back.
	w := NewWriter()
	w.Set("deep", deepArray(maxArrayDepth))
	data := encode(t, w)
	if f, err := Open(Bytes(data), int64(len(data))); err != nil {
		t.Error(err)
	} else if v, _ := f.Get("deep"); !sameValue(v, deepArray(maxArrayDepth)) {
		t.Errorf("deep array read back as %s", describe(v))
	}
}

// deepArray nests n arrays: []any{[]any{... []int8{1}}}.
func deepArray(n int) any {
	var v any = []int8{1}
	for range n - 1 {
		v = []any{v}
	}
	return v
}

func TestAddTensorErrors(t *testing.T) {
	w := NewWriter()
	if err := w.AddTensor("a", quant.F32, []int64{2}, make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		typ  quant.Type
		dims []int64
		size int
		want string
	}{
		{"a", quant.F32, []int64{2}, 8, "added twice"},
		{"b", quant.F32, []int64{2}, 7, "7 bytes of data, but F32 [2] takes 8"},
		{"c", quant.Q8_0, []int64{31}, 34, "whole number"},
		{"d", quant.Type(16), []int64{256}, 66, "IQ2_XXS is not supported"},
		{"e", quant.Type(99), []int64{1}, 1, "type(99)"},
		{"f", quant.F32, []int64{1, 1, 1, 1, 1}, 4, "5 dimensions"},
		{"g", quant.F32, []int64{-1}, 0, "negative"},
		{"h", quant.F32, []int64{1 << 62, 4}, 0, "2^63 elements"},
		{"i", quant.F32, []int64{1 << 61, 2}, 0, "overflows int64 bytes"},
		{"j", quant.F32, []int64{1, 1 << 32, 1 << 32}, 0, "overflows"},
	}
	for _, c := range cases {
		err := w.AddTensor(c.name, c.typ, c.dims, make([]byte, c.size))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"`+c.name+`"`) {
			t.Errorf("AddTensor(%s, %s, %v): %v, want an error naming it with %q", c.name, c.typ, c.dims, err, c.want)
		}
	}
}

// TestVersion2 reads a v2 file: the same layout as v3 (which only added big-endian files).
func TestVersion2(t *testing.T) {
	data := encode(t, sampleWriter(t))
	data[4] = 2
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 2 || len(f.KVs) != len(sampleKVs()) || len(f.Tensors) != len(sampleTensors) {
		t.Errorf("v2: version %d, %d keys, %d tensors", f.Version, len(f.KVs), len(f.Tensors))
	}
	data[4], data[7] = 0, 2 // big-endian v2
	if _, err := Open(Bytes(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "big-endian") {
		t.Errorf("big-endian v2: %v", err)
	}
}
