package gguf

import (
	"errors"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"

	"hearth/engine/quant"
	"hearth/internal/shared"
)

// oneTensor is a file with one key and one tensor of the given info, data section included.
func oneTensor(kvs func(r *raw), nKV uint64, name string, typ quant.Type, dims []uint64, off uint64, dataBytes int) []byte {
	r := header(1, nKV)
	if kvs != nil {
		kvs(r)
	}
	r.tensorInfo(name, typ, dims, off).pad(32)
	r.Write(make([]byte, dataBytes))
	return r.Bytes()
}

func TestMalformed(t *testing.T) {
	big := uint64(1) << 60
	alignKV := func(typ valueType, body func(r *raw)) func(r *raw) {
		return func(r *raw) { r.str("general.alignment").u32(uint32(typ)); body(r) }
	}
	cases := []struct {
		name string
		data []byte
		want []string // substrings of the error
	}{
		{"empty", nil, []string{"too short"}},
		{"magic", []byte("GGML\x03\x00\x00\x00"), []string{"not a GGUF file", "GGML"}},
		{"no version", []byte("GGUF\x03\x00"), []string{"version", "unexpected EOF"}},
		{"version 1", (&raw{}).u32(0x46554747).u32(1).u32(0).u32(0).Bytes(), []string{"version 1 is not supported"}},
		{"big-endian", append([]byte("GGUF"), 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), []string{"big-endian", "byte-swapped 3"}},
		{"version 0", (&raw{}).u32(0x46554747).u32(0).u64(0).u64(0).Bytes(), []string{"unsupported GGUF version 0"}},
		{"version 4", (&raw{}).u32(0x46554747).u32(4).u64(0).u64(0).Bytes(), []string{"unsupported GGUF version 4"}},
		{"no counts", header(0, 0).Bytes()[:12], []string{"unexpected EOF"}},
		{"2^40 tensors", header(1<<40, 0).Bytes(), []string{"tensor count 1099511627776"}},
		{"2^63 tensors", header(1<<63, 0).Bytes(), []string{"tensor count"}},
		{"2^40 kvs", header(0, 1<<40).Bytes(), []string{"key/value count"}},
		{"counts together", header(1, 2).str("k").u32(0).u8(1).str("j").u32(0).u8(2).Bytes(), []string{"1 tensors and 2 key/value pairs"}},
		{"key of 2^60 bytes", header(0, 1).u64(big).u32(0).u8(0).Bytes(), []string{"key 0 of 1", "claims 1152921504606846976 bytes"}},
		{"key of 2^64-1 bytes", header(0, 1).u64(math.MaxUint64).u32(0).u8(0).Bytes(), []string{"claims"}},
		{"string value of 2^60 bytes", header(0, 1).str("k").u32(uint32(typeString)).u64(big).Bytes(), []string{`key "k"`, "claims"}},
		{"string value truncated", header(0, 1).str("k").u32(uint32(typeString)).u64(10).u32(0).Bytes(), []string{"claims 10 bytes but only 4"}},
		{"value type 13", header(0, 1).str("k").u32(13).u64(0).Bytes(), []string{`key "k"`, "invalid value type 13"}},
		{"value truncated", header(0, 1).str("k").u32(uint32(typeUint64)).u32(0).Bytes(), []string{"need 8 bytes"}},
		{"bool 2", header(0, 1).str("k").u32(uint32(typeBool)).u8(2).Bytes(), []string{"not 0 or 1"}},
		{"bool array 7", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeBool)).u64(2).u8(1).u8(7).Bytes(), []string{"bool 1 of 2 is 7"}},
		{"array element type 13", header(0, 1).str("k").u32(uint32(typeArray)).u32(13).u64(0).Bytes(), []string{"array of invalid value type 13"}},
		{"array of 2^50 uint64", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeUint64)).u64(1 << 50).u64(0).Bytes(), []string{"array of uint64: element count 1125899906842624"}},
		{"array of 2^59 strings", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeString)).u64(1 << 59).u64(0).Bytes(), []string{"array of string"}},
		{"array of 2^40 arrays", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeArray)).u64(1 << 40).u64(0).Bytes(), []string{"array of array"}},
		{"array truncated", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeInt32)).u64(3).u32(1).u32(2).Bytes(), []string{"count 3"}},
		{"string in array truncated", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeString)).u64(2).str("a").u64(5).u8(1).Bytes(), []string{"string 1 of 2"}},
		{"arrays nested too deep", nested(maxArrayDepth + 1), []string{"nested more than 8 deep"}},
		{"duplicate key", header(0, 2).str("k").u32(0).u8(1).str("k").u32(0).u8(2).Bytes(), []string{`key "k"`, "twice"}},
		{"alignment 0", oneTensor(alignKV(typeUint32, func(r *raw) { r.u32(0) }), 1, "t", quant.F32, []uint64{1}, 0, 32), []string{"general.alignment 0 is not a power of two"}},
		{"alignment 48", oneTensor(alignKV(typeUint32, func(r *raw) { r.u32(48) }), 1, "t", quant.F32, []uint64{1}, 0, 32), []string{"general.alignment 48"}},
		{"alignment 2^32", oneTensor(alignKV(typeUint64, func(r *raw) { r.u64(1 << 32) }), 1, "t", quant.F32, []uint64{1}, 0, 32), []string{"general.alignment 4294967296"}},
		{"alignment -32", oneTensor(alignKV(typeInt32, func(r *raw) { r.u32(uint32(0xffffffe0)) }), 1, "t", quant.F32, []uint64{1}, 0, 32), []string{"general.alignment is -32"}},
		{"alignment string", oneTensor(alignKV(typeString, func(r *raw) { r.str("32") }), 1, "t", quant.F32, []uint64{1}, 0, 32), []string{"general.alignment is 32 (string)"}},
		{"5 dims", oneTensor(nil, 0, "t", quant.F32, []uint64{1, 1, 1, 1, 1}, 0, 32), []string{`"t"`, "5 dimensions"}},
		{"negative dim", oneTensor(nil, 0, "t", quant.F32, []uint64{2, math.MaxUint64}, 0, 32), []string{`"t"`, "dimension 1 is negative (-1)"}},
		{"rows overflow", oneTensor(nil, 0, "t", quant.F32, []uint64{1, 1 << 32, 1 << 32}, 0, 32), []string{`"t"`, "overflows int64"}},
		{"elements overflow", oneTensor(nil, 0, "t", quant.F32, []uint64{1 << 62, 4}, 0, 32), []string{`"t"`, "more than 2^63 elements"}},
		{"bytes overflow", oneTensor(nil, 0, "t", quant.F32, []uint64{1 << 61, 2}, 0, 32), []string{`"t"`, "overflows int64 bytes"}},
		{"unsupported type", oneTensor(nil, 0, "blk.0.attn_q.weight", quant.Type(16), []uint64{256}, 0, 66),
			[]string{`"blk.0.attn_q.weight"`, "IQ2_XXS is not supported", "(supported: " + quant.SupportedNames() + ")"}},
		{"Hearth's internal layout", oneTensor(nil, 0, "t", quant.Q5_0x2, []uint64{64}, 0, 64), []string{`"t"`, "Q5_0x2 is not supported"}},
		{"unknown type", oneTensor(nil, 0, "t", quant.Type(99), []uint64{1}, 0, 32), []string{`"t"`, "type(99)"}},
		{"partial block", oneTensor(nil, 0, "t", quant.Q8_0, []uint64{31}, 0, 64), []string{`"t"`, "whole number of 32-element blocks"}},
		{"unaligned offset", oneTensor(nil, 0, "t", quant.F32, []uint64{1}, 8, 64), []string{`"t"`, "offset 8 is not a multiple of the alignment 32"}},
		{"offset past end", oneTensor(nil, 0, "t", quant.F32, []uint64{1}, 64, 32), []string{`"t"`, "past the end"}},
		{"offset 2^63", oneTensor(nil, 0, "t", quant.F32, []uint64{1}, 1<<63, 32), []string{`"t"`, "past any file"}},
		{"offset 2^63-32", oneTensor(nil, 0, "t", quant.F32, []uint64{1}, 1<<63-32, 32), []string{`"t"`, "past the end"}},
		{"data past end", oneTensor(nil, 0, "t", quant.F32, []uint64{9}, 0, 32), []string{`"t"`, "36 bytes", "past the end"}},
		{"huge tensor", oneTensor(nil, 0, "t", quant.F32, []uint64{1 << 40}, 0, 32), []string{`"t"`, "past the end"}},
		{"name of 2^60 bytes", header(1, 0).u64(big).u32(0).u32(0).u64(0).Bytes(), []string{"tensor 0 of 1", "name", "claims"}},
		{"duplicate tensor", header(2, 0).tensorInfo("t", quant.F32, []uint64{1}, 0).tensorInfo("t", quant.F32, []uint64{1}, 32).pad(32).Bytes(), []string{`"t"`, "twice"}},
		{"tensor info truncated", header(1, 0).str("t").u32(2).u64(4).u32(0).Bytes(), []string{`"t"`, "dimension 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Open(Bytes(c.data), int64(len(c.data)))
			if err == nil {
				t.Fatalf("no error; opened %d keys, %d tensors", len(f.KVs), len(f.Tensors))
			}
			if !strings.HasPrefix(err.Error(), "gguf: ") {
				t.Errorf("error %q lacks the gguf: prefix", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// nested is a file whose one key holds arrays nested depth deep.
func nested(depth int) []byte {
	r := header(0, 1).str("k").u32(uint32(typeArray))
	for range depth - 1 {
		r.u32(uint32(typeArray)).u64(1)
	}
	return r.u32(uint32(typeInt8)).u64(1).u8(1).Bytes()
}

func TestNestedLimit(t *testing.T) {
	data := nested(maxArrayDepth)
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Get("k"); !sameValue(v, deepArray(maxArrayDepth)) {
		t.Errorf("got %s", describe(v))
	}
}

// TestTruncated opens every prefix of a written file: each one that cuts into the header or
// into a tensor's bytes fails; cutting only trailing padding still opens.
func TestTruncated(t *testing.T) {
	data := encode(t, sampleWriter(t))
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var dataEnd int64
	for _, ti := range f.Tensors {
		dataEnd = max(dataEnd, ti.Offset+ti.Size)
	}
	for n := int64(0); n <= int64(len(data)); n++ {
		_, err := Open(Bytes(data[:n]), n)
		if (err == nil) != (n >= dataEnd) {
			t.Errorf("prefix of %d bytes (data ends at %d): error %v", n, dataEnd, err)
		}
	}
}

// TestTruncatedModel opens every prefix of a real model's header region.
func TestTruncatedModel(t *testing.T) {
	data, err := os.ReadFile(shared.Path(t, "models", "stories260K-Q8_0.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	step := int64(1)
	if testing.Short() {
		step = 7
	}
	for n := int64(0); n < f.DataOffset; n += step {
		if _, err := Open(Bytes(data[:n]), n); err == nil {
			t.Fatalf("prefix of %d bytes of %d opened", n, f.DataOffset)
		}
	}
	// Cutting into the last tensor fails too, cutting its padding does not.
	var end int64
	for _, ti := range f.Tensors {
		end = max(end, ti.Offset+ti.Size)
	}
	if _, err := Open(Bytes(data[:end-1]), end-1); err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Errorf("one byte short of the data: %v", err)
	}
	if _, err := Open(Bytes(data[:end]), end); err != nil {
		t.Errorf("without the final padding: %v", err)
	}
}

// errReader fails every read: Open of a file too small for a header must not read at all.
type errReader struct{}

func (errReader) ReadAt([]byte, int64) (int, error) { return 0, errors.New("boom") }

func TestOpenArguments(t *testing.T) {
	if _, err := Open(nil, 10); err == nil {
		t.Error("nil reader opened")
	}
	if _, err := Open(Bytes(nil), -1); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative size: %v", err)
	}
	if _, err := Open(errReader{}, 100); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing reader: %v", err)
	}
}

// liar claims a huge size but holds only its bytes; reads past them fail, like a truncated
// download whose announced length was not met.
type liar struct{ b []byte }

func (l liar) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(l.b)) {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, l.b[off:])
	if n < len(p) {
		return n, io.ErrUnexpectedEOF
	}
	return n, nil
}

// TestMemoryGuard checks that absurd counts fail fast without allocating for them, both
// when the size is honest and when the reader claims 2^62 bytes but holds 256 KiB: then
// Open may allocate only in proportion to those bytes.
func TestMemoryGuard(t *testing.T) {
	zeros := func(r *raw) []byte { return append(r.Bytes(), make([]byte, 256<<10)...) }
	cases := []struct {
		name  string
		data  []byte
		liar  bool
		limit uint64 // bytes the Open may allocate
	}{
		{"key of 2^60 bytes", header(0, 1).u64(1 << 60).Bytes(), false, 64 << 10},
		{"string of 2^60 bytes", header(0, 1).str("k").u32(uint32(typeString)).u64(1 << 60).Bytes(), false, 64 << 10},
		{"2^40 tensors", header(1<<40, 0).Bytes(), false, 64 << 10},
		{"2^40 key/values", header(0, 1<<40).Bytes(), false, 64 << 10},
		{"2^58 strings", header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeString)).u64(1 << 58).Bytes(), false, 64 << 10},
		{"liar: string of 2^60 bytes", zeros(header(0, 1).str("k").u32(uint32(typeString)).u64(1 << 60)), true, 8 << 20},
		{"liar: 2^55 uint64s", zeros(header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeUint64)).u64(1 << 55)), true, 8 << 20},
		{"liar: 2^55 strings", zeros(header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeString)).u64(1 << 55)), true, 8 << 20},
		{"liar: 2^55 arrays", zeros(header(0, 1).str("k").u32(uint32(typeArray)).u32(uint32(typeArray)).u64(1 << 55)), true, 8 << 20},
		{"liar: 2^40 tensors", zeros(header(1<<40, 0)), true, 8 << 20},
		{"liar: 2^40 key/values", zeros(header(0, 1<<40)), true, 8 << 20},
	}
	for _, c := range cases {
		var r io.ReaderAt = Bytes(c.data)
		size := int64(len(c.data))
		if c.liar {
			r, size = liar{c.data}, 1<<62
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Open(r, size)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: opened", c.name)
			continue
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > c.limit {
			t.Errorf("%s: allocated %d bytes (limit %d) before failing: %v", c.name, got, c.limit, err)
		}
	}
}
