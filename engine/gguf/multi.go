package gguf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// Part is one piece of a file split into shards: a reader and its size in bytes.
type Part struct {
	R    io.ReaderAt
	Size int64
}

// Multi sees several parts, one after the other, as one file: the model shards the browser
// downloads, each in its own buffer, read by Open without joining them.
type Multi struct {
	parts  []Part
	starts []int64 // starts[i] is the offset of parts[i] in the whole
	size   int64
	err    error // a part with a negative size or a nil reader, or sizes overflowing int64
}

// NewMulti joins parts in order. A part with a nil reader or a negative size, or sizes
// adding up past int64, make the Multi unusable: Size reports 0 and ReadAt returns the
// error.
func NewMulti(parts ...Part) *Multi {
	m := &Multi{parts: append([]Part(nil), parts...), starts: make([]int64, len(parts))}
	for i, p := range m.parts {
		switch {
		case p.Size < 0:
			m.err = fmt.Errorf("gguf: part %d has negative size %d", i, p.Size)
		case p.R == nil:
			m.err = fmt.Errorf("gguf: part %d has a nil reader", i)
		case p.Size > math.MaxInt64-m.size:
			m.err = fmt.Errorf("gguf: parts add up to more than 2^63 bytes at part %d", i)
		}
		if m.err != nil {
			m.size = 0
			return m
		}
		m.starts[i] = m.size
		m.size += p.Size
	}
	return m
}

// Size is the total size of the parts.
func (m *Multi) Size() int64 { return m.size }

// part returns the index of the part holding byte off (0 <= off < size).
func (m *Multi) part(off int64) int {
	return sort.Search(len(m.parts), func(i int) bool { return m.starts[i]+m.parts[i].Size > off })
}

// ReadAt reads len(p) bytes at off, crossing part boundaries as needed, as io.ReaderAt.
func (m *Multi) ReadAt(p []byte, off int64) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if off < 0 {
		return 0, fmt.Errorf("gguf: negative offset %d", off)
	}
	if off >= m.size {
		if len(p) == 0 && off == m.size {
			return 0, nil
		}
		return 0, io.EOF
	}
	done := 0
	for i := m.part(off); done < len(p) && i < len(m.parts); i++ {
		pt := m.parts[i]
		local := off + int64(done) - m.starts[i]
		want := int(min(int64(len(p)-done), pt.Size-local))
		n, err := pt.R.ReadAt(p[done:done+want], local)
		done += n
		if n < want {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return done, fmt.Errorf("gguf: part %d (%d bytes) at offset %d: %w", i, pt.Size, local+int64(n), err)
		}
	}
	if done < len(p) {
		return done, io.EOF
	}
	return done, nil
}

// Slice returns the n bytes at off without copying when they lie inside one part whose
// reader is a Slicer.
func (m *Multi) Slice(off, n int64) ([]byte, bool) {
	if m.err != nil || off < 0 || n < 0 || off > m.size || n > m.size-off {
		return nil, false
	}
	if n == 0 {
		return []byte{}, true
	}
	i := m.part(off)
	pt := m.parts[i]
	local := off - m.starts[i]
	if n > pt.Size-local {
		return nil, false
	}
	s, ok := pt.R.(Slicer)
	if !ok {
		return nil, false
	}
	return s.Slice(local, n)
}
