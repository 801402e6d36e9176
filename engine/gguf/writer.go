package gguf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"hearth/engine/quant"
)

// Writer builds a GGUF v3 file: metadata, then tensors, written out by WriteTo. The data is
// aligned to 32 bytes, or to general.alignment when that key is set.
type Writer struct {
	kvs     []KV
	keys    map[string]int
	tensors []wtensor
	names   map[string]bool
}

type wtensor struct {
	info TensorInfo // Offset unused until WriteTo
	data []byte
}

// NewWriter returns an empty GGUF v3 writer.
func NewWriter() *Writer {
	return &Writer{keys: map[string]int{}, names: map[string]bool{}}
}

// Set adds a metadata key, or replaces its value in place when the key is already set. The
// Go type of value decides the GGUF type (see KV); any other type, int included, makes
// WriteTo fail. Slices are kept, not copied, until WriteTo. general.alignment sets the data
// alignment (llama.cpp reads it only as a uint32).
func (w *Writer) Set(key string, value any) {
	if i, ok := w.keys[key]; ok {
		w.kvs[i].Value = value
		return
	}
	w.keys[key] = len(w.kvs)
	w.kvs = append(w.kvs, KV{key, value})
}

// AddTensor appends a tensor of type typ and shape dims (ne[0], the row length, first).
// data must hold exactly the bytes that shape takes in typ; it is kept, not copied, until
// WriteTo.
func (w *Writer) AddTensor(name string, typ quant.Type, dims []int64, data []byte) error {
	if w.names[name] {
		return fmt.Errorf("gguf: tensor %q added twice", name)
	}
	size, err := tensorSize(typ, dims)
	if err != nil {
		return fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	if int64(len(data)) != size {
		return fmt.Errorf("gguf: tensor %q: %d bytes of data, but %s %v takes %d", name, len(data), typ, dims, size)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, wtensor{
		info: TensorInfo{Name: name, Type: typ, Dims: append([]int64(nil), dims...), Size: size},
		data: data,
	})
	return nil
}

// WriteTo writes the file: header, key/value pairs, tensor infos, padding, then each
// tensor's data padded to the alignment. Nothing is written when a value cannot be encoded.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	align := int64(defaultAlignment)
	if v, ok := w.getKV("general.alignment"); ok {
		a, err := checkAlignment(v)
		if err != nil {
			return 0, fmt.Errorf("gguf: %w", err)
		}
		align = a
	}
	var h bytes.Buffer
	e := encoder{&h}
	h.WriteString(magic)
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.kvs)))
	for _, kv := range w.kvs {
		e.str(kv.Key)
		if err := e.value(kv.Value, 0); err != nil {
			return 0, fmt.Errorf("gguf: key %q: %w", kv.Key, err)
		}
	}
	var off int64
	for _, t := range w.tensors {
		e.str(t.info.Name)
		e.u32(uint32(len(t.info.Dims)))
		for _, d := range t.info.Dims {
			e.u64(uint64(d))
		}
		e.u32(uint32(t.info.Type))
		e.u64(uint64(off))
		if t.info.Size > math.MaxInt64-align-off {
			return 0, fmt.Errorf("gguf: tensor data adds up to more than 2^63 bytes")
		}
		off += alignUp(t.info.Size, align)
	}
	cw := &countWriter{w: out}
	if _, err := cw.Write(h.Bytes()); err != nil {
		return cw.n, err
	}
	if len(w.tensors) == 0 { // no data section to align
		return cw.n, nil
	}
	if err := cw.zeros(alignUp(cw.n, align) - cw.n); err != nil {
		return cw.n, err
	}
	for _, t := range w.tensors {
		if _, err := cw.Write(t.data); err != nil {
			return cw.n, err
		}
		if err := cw.zeros(alignUp(t.info.Size, align) - t.info.Size); err != nil {
			return cw.n, err
		}
	}
	return cw.n, nil
}

func (w *Writer) getKV(key string) (any, bool) {
	i, ok := w.keys[key]
	if !ok {
		return nil, false
	}
	return w.kvs[i].Value, true
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

var zeroBlock [4096]byte

// zeros writes n zero bytes of padding.
func (c *countWriter) zeros(n int64) error {
	for n > 0 {
		k := min(n, int64(len(zeroBlock)))
		if _, err := c.Write(zeroBlock[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// encoder appends little-endian GGUF encodings to a buffer.
type encoder struct{ b *bytes.Buffer }

func (e encoder) u32(v uint32) { e.b.Write(binary.LittleEndian.AppendUint32(nil, v)) }
func (e encoder) u64(v uint64) { e.b.Write(binary.LittleEndian.AppendUint64(nil, v)) }

func (e encoder) str(s string) {
	e.u64(uint64(len(s)))
	e.b.WriteString(s)
}

// value writes the type and body of v; depth counts the arrays around it.
func (e encoder) value(v any, depth int) error {
	t, ok := typeOf(v)
	if !ok {
		return fmt.Errorf("value of Go type %T has no GGUF type", v)
	}
	e.u32(uint32(t))
	return e.body(v, depth)
}

// typeOf maps a Go value to its GGUF type (typeArray for every supported slice).
func typeOf(v any) (valueType, bool) {
	switch v.(type) {
	case uint8:
		return typeUint8, true
	case int8:
		return typeInt8, true
	case uint16:
		return typeUint16, true
	case int16:
		return typeInt16, true
	case uint32:
		return typeUint32, true
	case int32:
		return typeInt32, true
	case float32:
		return typeFloat32, true
	case bool:
		return typeBool, true
	case string:
		return typeString, true
	case uint64:
		return typeUint64, true
	case int64:
		return typeInt64, true
	case float64:
		return typeFloat64, true
	case []uint8, []int8, []uint16, []int16, []uint32, []int32, []float32, []bool, []string,
		[]uint64, []int64, []float64, []any:
		return typeArray, true
	}
	return 0, false
}

// body writes v without its type.
func (e encoder) body(v any, depth int) error {
	le := binary.LittleEndian
	b := e.b
	switch x := v.(type) {
	case uint8:
		b.WriteByte(x)
	case int8:
		b.WriteByte(uint8(x))
	case uint16:
		b.Write(le.AppendUint16(nil, x))
	case int16:
		b.Write(le.AppendUint16(nil, uint16(x)))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case bool:
		if x {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
	case string:
		e.str(x)
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	default:
		return e.array(v, depth+1)
	}
	return nil
}

// array writes element type, count and elements of a supported slice.
func (e encoder) array(v any, depth int) error {
	if depth > maxArrayDepth {
		return fmt.Errorf("arrays nested more than %d deep", maxArrayDepth)
	}
	switch x := v.(type) {
	case []uint8:
		e.arrayHead(typeUint8, len(x))
		e.b.Write(x)
	case []int8:
		return arrayOf(e, typeInt8, x, depth)
	case []uint16:
		return arrayOf(e, typeUint16, x, depth)
	case []int16:
		return arrayOf(e, typeInt16, x, depth)
	case []uint32:
		return arrayOf(e, typeUint32, x, depth)
	case []int32:
		return arrayOf(e, typeInt32, x, depth)
	case []float32:
		return arrayOf(e, typeFloat32, x, depth)
	case []bool:
		return arrayOf(e, typeBool, x, depth)
	case []string:
		return arrayOf(e, typeString, x, depth)
	case []uint64:
		return arrayOf(e, typeUint64, x, depth)
	case []int64:
		return arrayOf(e, typeInt64, x, depth)
	case []float64:
		return arrayOf(e, typeFloat64, x, depth)
	case []any:
		e.arrayHead(typeArray, len(x))
		for i, el := range x {
			if t, ok := typeOf(el); !ok || t != typeArray {
				return fmt.Errorf("element %d of an array of arrays is a %T, not an array", i, el)
			}
			if err := e.array(el, depth+1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	default:
		return fmt.Errorf("value of Go type %T has no GGUF type", v)
	}
	return nil
}

func (e encoder) arrayHead(t valueType, n int) {
	e.u32(uint32(t))
	e.u64(uint64(n))
}

func arrayOf[T any](e encoder, t valueType, x []T, depth int) error {
	e.arrayHead(t, len(x))
	for _, el := range x {
		if err := e.body(el, depth); err != nil {
			return err
		}
	}
	return nil
}
