package gguf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	"hearth/engine/quant"
)

const (
	magic            = "GGUF"
	defaultAlignment = 32
	maxAlignment     = 1 << 31 // the largest power of two a uint32 holds
	maxDims          = 4       // GGML_MAX_DIMS
	// Least bytes one key/value pair and one tensor info take: key length, value type and
	// a one-byte value; name length, n_dims, type and offset.
	minKVBytes     = 8 + 4 + 1
	minTensorBytes = 8 + 4 + 4 + 8
)

// Open reads the header of the GGUF file r of size bytes: metadata, tensor infos and the
// data offset. It checks that every tensor's bytes lie inside the file; ReadTensor reads
// them later. r must stay readable while the File is used.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if r == nil {
		return nil, errors.New("gguf: nil reader")
	}
	if size < 0 {
		return nil, fmt.Errorf("gguf: negative file size %d", size)
	}
	f := &File{r: r, size: size}
	c := newCursor(r, size)
	if err := f.readHeader(c); err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	return f, nil
}

func (f *File) readHeader(c *cursor) error {
	if c.size < 4 {
		return fmt.Errorf("not a GGUF file: %d bytes, too short for the magic", c.size)
	}
	m, err := c.next(4)
	if err != nil {
		return err
	}
	if string(m) != magic {
		return fmt.Errorf("not a GGUF file: magic %q, want %q", m, magic)
	}
	if f.Version, err = c.u32(); err != nil {
		return fmt.Errorf("reading version: %w", err)
	}
	switch v := f.Version; {
	case v == 2 || v == 3:
	case v == 1:
		return errors.New("GGUF version 1 is not supported (convert the model again with a current llama.cpp)")
	case v != 0 && v&0xffff == 0:
		return fmt.Errorf("big-endian GGUF file (version reads as %#x, byte-swapped %d): only little-endian files are supported",
			v, bits.ReverseBytes32(v))
	default:
		return fmt.Errorf("unsupported GGUF version %d (want 2 or 3)", v)
	}
	nTensors, err := c.count("tensor", minTensorBytes)
	if err != nil {
		return err
	}
	nKV, err := c.count("key/value", minKVBytes)
	if err != nil {
		return err
	}
	if nKV*minKVBytes > c.left()-nTensors*minTensorBytes {
		return fmt.Errorf("%d tensors and %d key/value pairs need at least %d bytes but only %d bytes are left in the file",
			nTensors, nKV, nTensors*minTensorBytes+nKV*minKVBytes, c.left())
	}
	if err := f.readKVs(c, nKV); err != nil {
		return err
	}
	if err := f.readAlignment(); err != nil {
		return err
	}
	if err := f.readTensorInfos(c, nTensors); err != nil {
		return err
	}
	if c.pos > math.MaxInt64-f.Alignment {
		return fmt.Errorf("data offset overflows")
	}
	f.DataOffset = alignUp(c.pos, f.Alignment)
	return f.placeTensors()
}

func (f *File) readKVs(c *cursor, n int64) error {
	f.KVs = make([]KV, 0, min(n, 1<<10))
	f.keys = make(map[string]int, min(n, 1<<10))
	for i := range n {
		at := c.pos
		key, err := c.str()
		if err != nil {
			return fmt.Errorf("key %d of %d: %w", i, n, err)
		}
		if j, dup := f.keys[key]; dup {
			return fmt.Errorf("key %q at offset %d appears twice (keys %d and %d)", key, at, j, i)
		}
		t, err := c.u32()
		if err != nil {
			return fmt.Errorf("key %q: reading value type: %w", key, err)
		}
		v, err := c.value(valueType(t), 0)
		if err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		f.keys[key] = len(f.KVs)
		f.KVs = append(f.KVs, KV{key, v})
	}
	return nil
}

// readAlignment takes general.alignment, when present, as any integer power of two.
func (f *File) readAlignment() error {
	f.Alignment = defaultAlignment
	v, ok := f.Get("general.alignment")
	if !ok {
		return nil
	}
	a, err := checkAlignment(v)
	if err != nil {
		return err
	}
	f.Alignment = a
	return nil
}

func checkAlignment(v any) (int64, error) {
	a, ok := toUint(v)
	if !ok {
		return 0, fmt.Errorf("general.alignment is %v (%T), want a positive integer", v, v)
	}
	if a == 0 || a&(a-1) != 0 || a > maxAlignment {
		return 0, fmt.Errorf("general.alignment %d is not a power of two in [1, %d]", a, maxAlignment)
	}
	return int64(a), nil
}

func (f *File) readTensorInfos(c *cursor, n int64) error {
	if n > c.left()/minTensorBytes {
		return fmt.Errorf("%d tensor infos need at least %d bytes but only %d bytes are left after the metadata",
			n, n*minTensorBytes, c.left())
	}
	f.Tensors = make([]TensorInfo, 0, min(n, 1<<10))
	f.tensors = make(map[string]int, min(n, 1<<10))
	for i := range n {
		t, err := readTensorInfo(c)
		if err != nil {
			if t.Name != "" {
				return fmt.Errorf("tensor %d of %d (%q): %w", i, n, t.Name, err)
			}
			return fmt.Errorf("tensor %d of %d: %w", i, n, err)
		}
		if j, dup := f.tensors[t.Name]; dup {
			return fmt.Errorf("tensor name %q appears twice (tensors %d and %d)", t.Name, j, i)
		}
		f.tensors[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	return nil
}

// readTensorInfo reads one tensor info; Offset is still relative to the data section.
// On error the returned info holds the name when it was read.
func readTensorInfo(c *cursor) (TensorInfo, error) {
	var t TensorInfo
	var err error
	if t.Name, err = c.str(); err != nil {
		return t, fmt.Errorf("name: %w", err)
	}
	nDims, err := c.u32()
	if err != nil {
		return t, fmt.Errorf("n_dims: %w", err)
	}
	if nDims > maxDims {
		return t, fmt.Errorf("%d dimensions, at most %d allowed", nDims, maxDims)
	}
	t.Dims = make([]int64, nDims)
	for j := range t.Dims {
		d, err := c.u64()
		if err != nil {
			return t, fmt.Errorf("dimension %d: %w", j, err)
		}
		if d > math.MaxInt64 {
			return t, fmt.Errorf("dimension %d is negative (%d)", j, int64(d))
		}
		t.Dims[j] = int64(d)
	}
	typ, err := c.u32()
	if err != nil {
		return t, fmt.Errorf("type: %w", err)
	}
	t.Type = quant.Type(typ)
	off, err := c.u64()
	if err != nil {
		return t, fmt.Errorf("offset: %w", err)
	}
	if off > math.MaxInt64 {
		return t, fmt.Errorf("offset %d is past any file", off)
	}
	t.Offset = int64(off)
	if t.Size, err = tensorSize(t.Type, t.Dims); err != nil {
		return t, err
	}
	return t, nil
}

// tensorSize is the byte size of a tensor of type typ and shape dims (ne[0] first), or an
// error when the type is unknown, the rows are not whole blocks or the size overflows.
func tensorSize(typ quant.Type, dims []int64) (int64, error) {
	if tr, ok := typ.Traits(); !ok || tr.Internal {
		return 0, fmt.Errorf("type %s is not supported (supported: %s)", typ, quant.SupportedNames())
	}
	if len(dims) > maxDims {
		return 0, fmt.Errorf("%d dimensions, at most %d allowed", len(dims), maxDims)
	}
	ne0, rows := int64(1), int64(1)
	for j, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d is negative (%d)", j, d)
		}
		if j == 0 {
			ne0 = d
			continue
		}
		if d != 0 && rows > math.MaxInt64/d {
			return 0, fmt.Errorf("shape %v overflows int64", dims)
		}
		rows *= d
	}
	if ne0 != 0 && rows > math.MaxInt64/ne0 {
		return 0, fmt.Errorf("shape %v has more than 2^63 elements", dims)
	}
	rowBytes, err := quant.RowBytes(typ, ne0)
	if err != nil {
		return 0, fmt.Errorf("shape %v: %w", dims, err)
	}
	if rowBytes != 0 && rows > math.MaxInt64/rowBytes {
		return 0, fmt.Errorf("shape %v of %s overflows int64 bytes", dims, typ)
	}
	return rowBytes * rows, nil
}

// placeTensors turns relative offsets into absolute ones and checks each tensor is aligned
// and lies inside the file.
func (f *File) placeTensors() error {
	for i := range f.Tensors {
		t := &f.Tensors[i]
		rel := t.Offset
		if rel%f.Alignment != 0 {
			return fmt.Errorf("tensor %q: offset %d is not a multiple of the alignment %d", t.Name, rel, f.Alignment)
		}
		if rel > f.size || f.DataOffset > f.size-rel || t.Size > f.size-f.DataOffset-rel {
			return fmt.Errorf("tensor %q: %d bytes at offset %d of the data section (which starts at %d) lie past the end of the file (%d bytes)",
				t.Name, t.Size, rel, f.DataOffset, f.size)
		}
		t.Offset = f.DataOffset + rel
	}
	return nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) &^ (a - 1) }
