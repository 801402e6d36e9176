package gguf

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestBytes(t *testing.T) {
	b := Bytes("0123456789")
	p := make([]byte, 4)
	if n, err := b.ReadAt(p, 3); n != 4 || err != nil || string(p) != "3456" {
		t.Errorf("ReadAt(4 at 3) = %d, %v, %q", n, err, p)
	}
	if n, err := b.ReadAt(p, 8); n != 2 || err != io.EOF || string(p[:2]) != "89" {
		t.Errorf("ReadAt past the end = %d, %v", n, err)
	}
	if n, err := b.ReadAt(p, 10); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v", n, err)
	}
	if n, err := b.ReadAt(nil, 10); n != 0 || err != nil {
		t.Errorf("empty ReadAt at the end = %d, %v", n, err)
	}
	if _, err := b.ReadAt(p, -1); err == nil {
		t.Error("negative offset read")
	}
	s, ok := b.Slice(2, 3)
	if !ok || string(s) != "234" || &s[0] != &b[2] || cap(s) != 3 {
		t.Errorf("Slice(2, 3) = %q, %v (cap %d)", s, ok, cap(s))
	}
	for _, r := range [][2]int64{{-1, 1}, {0, -1}, {8, 3}, {11, 0}, {1, math.MaxInt64}} {
		if _, ok := b.Slice(r[0], r[1]); ok {
			t.Errorf("Slice(%d, %d) succeeded", r[0], r[1])
		}
	}
	if s, ok := b.Slice(10, 0); !ok || len(s) != 0 {
		t.Errorf("empty Slice at the end = %v", ok)
	}
}

// hidden is a reader that is not a Slicer.
type hidden struct{ r io.ReaderAt }

func (h hidden) ReadAt(p []byte, off int64) (int, error) { return h.r.ReadAt(p, off) }

// TestMultiCrossCheck compares Multi reads at random ranges with reads of the joined bytes,
// for splits with empty, one-byte and large parts.
func TestMultiCrossCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	whole := make([]byte, 10007)
	for i := range whole {
		whole[i] = byte(rng.Uint32())
	}
	splits := [][]int{{10007}, {1, 10006}, {0, 5000, 0, 1, 5006, 0}, {3, 3, 3, 9998}, {4096, 4096, 1815}}
	for _, sizes := range splits {
		var parts, plain []Part
		off := 0
		for _, n := range sizes {
			parts = append(parts, Part{Bytes(whole[off : off+n]), int64(n)})
			plain = append(plain, Part{hidden{Bytes(whole[off : off+n])}, int64(n)})
			off += n
		}
		for _, m := range []*Multi{NewMulti(parts...), NewMulti(plain...)} {
			if m.Size() != int64(len(whole)) {
				t.Fatalf("%v: Size %d", sizes, m.Size())
			}
			for range 300 {
				o := rng.Int64N(int64(len(whole)) + 1)
				n := rng.Int64N(int64(len(whole)) + 10 - o)
				p := make([]byte, n)
				got, err := m.ReadAt(p, o)
				want, wantErr := Bytes(whole).ReadAt(make([]byte, n), o)
				if got != want || (err == nil) != (wantErr == nil) || !bytes.Equal(p[:got], whole[o:o+int64(got)]) {
					t.Fatalf("%v: ReadAt(%d at %d) = %d, %v; want %d, %v", sizes, n, o, got, err, want, wantErr)
				}
				if n > int64(len(whole))-o {
					if err != io.EOF {
						t.Fatalf("%v: short read error %v, want io.EOF", sizes, err)
					}
					continue
				}
				s, ok := m.Slice(o, n)
				inOne := false
				start := int64(0)
				for _, sz := range sizes {
					if o >= start && o+n <= start+int64(sz) && n > 0 {
						inOne = true
					}
					start += int64(sz)
				}
				_, slicing := m.parts[0].R.(Slicer)
				if n > 0 && ok != (inOne && slicing) {
					t.Fatalf("%v: Slice(%d, %d) = %v, want %v", sizes, o, n, ok, inOne && slicing)
				}
				if ok && (!bytes.Equal(s, whole[o:o+n]) || (n > 0 && &s[0] != &whole[o])) {
					t.Fatalf("%v: Slice(%d, %d) is not an alias of the part", sizes, o, n)
				}
			}
		}
	}
}

func TestMultiZeroCopyTensor(t *testing.T) {
	data := encode(t, sampleWriter(t))
	f0, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// Split just before the Q8_0 tensor, so it lies inside the second part.
	ti, _ := f0.Tensor("blk.0.attn_q.weight")
	cut := ti.Offset - 1
	m := NewMulti(Part{Bytes(data[:cut]), cut}, Part{Bytes(data[cut:]), int64(len(data)) - cut})
	f, err := Open(m, m.Size())
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.ReadTensor(&f.Tensors[2])
	if err != nil || &b[0] != &data[ti.Offset] {
		t.Errorf("tensor inside one part was copied (%v)", err)
	}
}

type failing struct{}

func (failing) ReadAt(p []byte, off int64) (int, error) { return 0, errors.New("disk on fire") }

func TestMultiErrors(t *testing.T) {
	for _, parts := range [][]Part{
		{{Bytes("ab"), 2}, {Bytes("c"), -1}},
		{{nil, 3}},
		{{Bytes("a"), math.MaxInt64}, {Bytes("b"), 1}},
	} {
		m := NewMulti(parts...)
		if m.Size() != 0 {
			t.Errorf("invalid parts: Size %d", m.Size())
		}
		if _, err := m.ReadAt(make([]byte, 1), 0); err == nil {
			t.Error("invalid parts: ReadAt succeeded")
		}
		if _, ok := m.Slice(0, 0); ok {
			t.Error("invalid parts: Slice succeeded")
		}
	}
	// A part shorter than it claims, and a failing part, give errors naming the part.
	m := NewMulti(Part{Bytes("abc"), 3}, Part{Bytes("de"), 5}, Part{failing{}, 4})
	if n, err := m.ReadAt(make([]byte, 6), 0); n != 5 || err == nil || !strings.Contains(err.Error(), "part 1") {
		t.Errorf("short part: %d, %v", n, err)
	}
	if _, err := m.ReadAt(make([]byte, 2), 8); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("failing part: %v", err)
	}
	if _, err := m.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("negative offset read")
	}
	// ReadTensor reports a failing read, naming the tensor. (The header cursor reads ahead,
	// so the reader is made to fail after Open.)
	data := encode(t, sampleWriter(t))
	f, err := Open(Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f.r = hidden{NewMulti(Part{Bytes(data[:f.Tensors[3].Offset+5]), f.Tensors[3].Offset + 5}, Part{failing{}, 1 << 20})}
	if _, err := f.ReadTensor(&f.Tensors[3]); err == nil || !strings.Contains(err.Error(), `"blk.0.ffn_up.weight"`) ||
		!strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("ReadTensor over a failing part: %v", err)
	}
	bad := f.Tensors[0]
	bad.Offset = int64(len(data)) - 2
	if _, err := f.ReadTensor(&bad); err == nil || !strings.Contains(err.Error(), "outside the file") {
		t.Errorf("ReadTensor outside the file: %v", err)
	}
	if _, err := f.ReadTensor(nil); err == nil {
		t.Error("ReadTensor(nil) succeeded")
	}
	if _, err := (&File{}).ReadTensor(&bad); err == nil {
		t.Error("ReadTensor on a zero File succeeded")
	}
}
