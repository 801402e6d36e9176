package gguf

import (
	"errors"
	"fmt"
	"io"
)

// Slicer is a reader that can hand out its bytes without copying. Slice returns the n
// bytes at off, aliasing the reader's memory, or false when it cannot (out of range, or the
// range is not in one piece of memory).
type Slicer interface {
	Slice(off, n int64) ([]byte, bool)
}

// Bytes is a file held in memory: an io.ReaderAt and a Slicer.
type Bytes []byte

// ReadAt copies len(p) bytes at off, as io.ReaderAt.
func (b Bytes) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("gguf: negative offset %d", off)
	}
	if off >= int64(len(b)) {
		if len(p) == 0 && off == int64(len(b)) {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Slice returns b[off:off+n] (capacity capped, so appending to it cannot overwrite b).
func (b Bytes) Slice(off, n int64) ([]byte, bool) {
	if off < 0 || n < 0 || off > int64(len(b)) || n > int64(len(b))-off {
		return nil, false
	}
	return b[off : off+n : off+n], true
}

// ReadTensor returns the bytes of t. When the file's reader is a Slicer (Bytes, or a Multi
// whose part holding t is one) the result aliases the reader's memory and must not be
// modified; otherwise it is a new slice filled with one ReadAt.
func (f *File) ReadTensor(t *TensorInfo) ([]byte, error) {
	if t == nil {
		return nil, errors.New("gguf: ReadTensor of a nil tensor")
	}
	if f.r == nil {
		return nil, errors.New("gguf: ReadTensor on a File not made by Open")
	}
	if t.Offset < 0 || t.Size < 0 || t.Offset > f.size || t.Size > f.size-t.Offset {
		return nil, fmt.Errorf("gguf: tensor %q: %d bytes at offset %d are outside the file (%d bytes)",
			t.Name, t.Size, t.Offset, f.size)
	}
	if s, ok := f.r.(Slicer); ok {
		if b, ok := s.Slice(t.Offset, t.Size); ok {
			return b, nil
		}
	}
	buf := make([]byte, t.Size)
	n, err := f.r.ReadAt(buf, t.Offset)
	if n < len(buf) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("gguf: tensor %q: reading %d bytes at offset %d: %w", t.Name, t.Size, t.Offset, err)
	}
	return buf, nil
}
