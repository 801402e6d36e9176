package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// valueType is a GGUF metadata value type, numbered as in gguf.h.
type valueType uint32

const (
	typeUint8   valueType = 0
	typeInt8    valueType = 1
	typeUint16  valueType = 2
	typeInt16   valueType = 3
	typeUint32  valueType = 4
	typeInt32   valueType = 5
	typeFloat32 valueType = 6
	typeBool    valueType = 7
	typeString  valueType = 8
	typeArray   valueType = 9
	typeUint64  valueType = 10
	typeInt64   valueType = 11
	typeFloat64 valueType = 12
)

var typeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64"}

func (t valueType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// minBytes is the least a value of type t takes in a file: its width for numbers, the
// length word of a string, the element type and count of an array.
func (t valueType) minBytes() int64 {
	switch t {
	case typeUint8, typeInt8, typeBool:
		return 1
	case typeUint16, typeInt16:
		return 2
	case typeUint32, typeInt32, typeFloat32:
		return 4
	case typeUint64, typeInt64, typeFloat64, typeString:
		return 8
	case typeArray:
		return 4 + 8
	}
	return 0
}

// maxArrayDepth bounds arrays of arrays (llama.cpp itself reads none).
const maxArrayDepth = 8

// value reads one value of type t; depth counts the arrays around it.
func (c *cursor) value(t valueType, depth int) (any, error) {
	switch t {
	case typeString:
		return c.str()
	case typeArray:
		return c.array(depth + 1)
	}
	if t.minBytes() == 0 {
		return nil, fmt.Errorf("invalid value type %d", uint32(t))
	}
	b, err := c.next(int(t.minBytes()))
	if err != nil {
		return nil, err
	}
	return scalar(t, b)
}

// scalar decodes a fixed-width value from its little-endian bytes.
func scalar(t valueType, b []byte) (any, error) {
	le := binary.LittleEndian
	switch t {
	case typeUint8:
		return b[0], nil
	case typeInt8:
		return int8(b[0]), nil
	case typeUint16:
		return le.Uint16(b), nil
	case typeInt16:
		return int16(le.Uint16(b)), nil
	case typeUint32:
		return le.Uint32(b), nil
	case typeInt32:
		return int32(le.Uint32(b)), nil
	case typeFloat32:
		return math.Float32frombits(le.Uint32(b)), nil
	case typeUint64:
		return le.Uint64(b), nil
	case typeInt64:
		return int64(le.Uint64(b)), nil
	case typeFloat64:
		return math.Float64frombits(le.Uint64(b)), nil
	case typeBool:
		if b[0] > 1 {
			return nil, fmt.Errorf("bool byte is %d, not 0 or 1", b[0])
		}
		return b[0] == 1, nil
	}
	return nil, fmt.Errorf("invalid value type %d", uint32(t))
}

// array reads an array: element type, count, elements.
func (c *cursor) array(depth int) (any, error) {
	if depth > maxArrayDepth {
		return nil, fmt.Errorf("arrays nested more than %d deep", maxArrayDepth)
	}
	et, err := c.u32()
	if err != nil {
		return nil, err
	}
	t := valueType(et)
	if t.minBytes() == 0 {
		return nil, fmt.Errorf("array of invalid value type %d", et)
	}
	n, err := c.count("array of "+t.String()+": element", t.minBytes())
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	switch t {
	case typeUint8:
		return c.bytes(n)
	case typeInt8:
		return elems(c, n, 1, func(b []byte) int8 { return int8(b[0]) })
	case typeUint16:
		return elems(c, n, 2, le.Uint16)
	case typeInt16:
		return elems(c, n, 2, func(b []byte) int16 { return int16(le.Uint16(b)) })
	case typeUint32:
		return elems(c, n, 4, le.Uint32)
	case typeInt32:
		return elems(c, n, 4, func(b []byte) int32 { return int32(le.Uint32(b)) })
	case typeFloat32:
		return elems(c, n, 4, func(b []byte) float32 { return math.Float32frombits(le.Uint32(b)) })
	case typeUint64:
		return elems(c, n, 8, le.Uint64)
	case typeInt64:
		return elems(c, n, 8, func(b []byte) int64 { return int64(le.Uint64(b)) })
	case typeFloat64:
		return elems(c, n, 8, func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) })
	case typeBool:
		raw, err := c.bytes(n)
		if err != nil {
			return nil, err
		}
		out := make([]bool, n)
		for i, b := range raw {
			if b > 1 {
				return nil, fmt.Errorf("bool %d of %d is %d, not 0 or 1", i, n, b)
			}
			out[i] = b == 1
		}
		return out, nil
	case typeString:
		out := make([]string, 0, min(n, 1<<10))
		for i := int64(0); i < n; i++ {
			s, err := c.str()
			if err != nil {
				return nil, fmt.Errorf("string %d of %d: %w", i, n, err)
			}
			out = append(out, s)
		}
		return out, nil
	default: // typeArray
		out := make([]any, 0, min(n, 1<<10))
		for i := int64(0); i < n; i++ {
			v, err := c.array(depth + 1)
			if err != nil {
				return nil, fmt.Errorf("array %d of %d: %w", i, n, err)
			}
			out = append(out, v)
		}
		return out, nil
	}
}

// elems reads n elements of w bytes each. The capacity grows with what was read, so even a
// reader whose size lies allocates only in proportion to real bytes.
func elems[T any](c *cursor, n int64, w int, dec func([]byte) T) ([]T, error) {
	out := make([]T, 0, min(n, 1<<16))
	for range n {
		b, err := c.next(w)
		if err != nil {
			return nil, err
		}
		out = append(out, dec(b))
	}
	return out, nil
}
