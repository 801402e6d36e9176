package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// windowSize is how much of the file the header cursor buffers at a time.
const windowSize = 64 << 10

// cursor reads the header sequentially through a small window over an io.ReaderAt. It never
// reads past size and never allocates more than the bytes it has actually read (plus one
// window), whatever the file claims.
type cursor struct {
	r      io.ReaderAt
	size   int64  // file size
	pos    int64  // absolute offset of the next byte
	win    []byte // file bytes [winPos, winPos+len(win))
	winPos int64
	store  []byte // backing array of win
}

func newCursor(r io.ReaderAt, size int64) *cursor {
	return &cursor{r: r, size: size, store: make([]byte, min(size, windowSize))}
}

// left is the number of bytes between the cursor and the end of the file.
func (c *cursor) left() int64 { return c.size - c.pos }

// errTruncated reports a read of n bytes that would run past the end of the file.
func (c *cursor) errTruncated(n int64) error {
	return fmt.Errorf("need %d bytes at offset %d but the file ends at %d: %w", n, c.pos, c.size, io.ErrUnexpectedEOF)
}

// next returns the next n bytes (n <= windowSize), valid until the following call.
func (c *cursor) next(n int) ([]byte, error) {
	if int64(n) > c.left() {
		return nil, c.errTruncated(int64(n))
	}
	if c.pos < c.winPos || c.pos+int64(n) > c.winPos+int64(len(c.win)) {
		if err := c.refill(); err != nil {
			return nil, err
		}
	}
	off := c.pos - c.winPos
	c.pos += int64(n)
	return c.win[off : off+int64(n)], nil
}

// refill loads the window starting at pos.
func (c *cursor) refill() error {
	want := min(int64(len(c.store)), c.left())
	got, err := c.r.ReadAt(c.store[:want], c.pos)
	if int64(got) < want {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("reading %d bytes at offset %d (file size %d): %w", want, c.pos, c.size, err)
	}
	c.win, c.winPos = c.store[:want], c.pos
	return nil
}

func (c *cursor) u8() (uint8, error) {
	b, err := c.next(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (c *cursor) u32() (uint32, error) {
	b, err := c.next(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (c *cursor) u64() (uint64, error) {
	b, err := c.next(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// count reads a uint64 count of items that each take at least minBytes in the file and
// checks that that many fit in what is left, so a caller may allocate for them.
func (c *cursor) count(what string, minBytes int64) (int64, error) {
	at := c.pos
	n, err := c.u64()
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64 || int64(n) > c.left()/minBytes {
		return 0, fmt.Errorf("%s count %d at offset %d needs at least %d bytes each but only %d bytes are left in the file",
			what, n, at, minBytes, c.left())
	}
	return int64(n), nil
}

// bytes reads a string body of n bytes (n already checked against what is left).
func (c *cursor) bytes(n int64) ([]byte, error) {
	if n > c.left() {
		return nil, c.errTruncated(n)
	}
	out := make([]byte, 0, min(n, windowSize))
	for int64(len(out)) < n {
		k := min(n-int64(len(out)), windowSize)
		b, err := c.next(int(k))
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// str reads a GGUF string: a uint64 length and that many bytes.
func (c *cursor) str() (string, error) {
	at := c.pos
	n, err := c.u64()
	if err != nil {
		return "", err
	}
	if n > math.MaxInt64 || int64(n) > c.left() {
		return "", fmt.Errorf("string at offset %d claims %d bytes but only %d bytes are left in the file", at, n, c.left())
	}
	if n <= windowSize { // the usual case: one allocation, straight from the window
		b, err := c.next(int(n))
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	b, err := c.bytes(int64(n))
	if err != nil {
		return "", err
	}
	return string(b), nil
}
