// Package gguf reads and writes GGUF files (versions 2 and 3, little-endian), the model
// format of llama.cpp: a header, typed key/value metadata, tensor descriptions, then the
// aligned tensor data.
//
// Open takes an io.ReaderAt and a size, like archive/zip.NewReader, so the same code reads
// a file natively and shards of bytes in the browser. It reads only the header, through a
// small buffer, and never trusts a count: every length is checked against the bytes left in
// the file before anything is allocated, so a hostile file gives an error, not a panic or a
// giant allocation.
//
// Layout of a file (all integers little-endian):
//
//	"GGUF" magic, uint32 version, uint64 tensor count, uint64 key/value count
//	key/value pairs: string key, uint32 value type, value
//	tensor infos: string name, uint32 n_dims, int64 ne[n_dims] (ne[0] = row length),
//	              uint32 ggml type, uint64 offset relative to the data section
//	padding to general.alignment (default 32), then the tensor data
//
// A string is a uint64 byte length and the bytes; an array is a uint32 element type, a
// uint64 count and the elements.
package gguf

import (
	"io"

	"hearth/engine/quant"
)

// File is an opened GGUF file: its metadata and where each tensor's bytes lie.
type File struct {
	Version    uint32
	KVs        []KV         // metadata in file order
	Tensors    []TensorInfo // in file order
	Alignment  int64
	DataOffset int64 // absolute offset of the tensor data section

	r       io.ReaderAt
	size    int64
	keys    map[string]int // key -> index in KVs
	tensors map[string]int // name -> index in Tensors
}

// KV is one metadata entry. Value holds one of the Go types uint8 int8 uint16 int16 uint32
// int32 uint64 int64 float32 float64 bool string; arrays as []uint8 []int8 []uint16 []int16
// []uint32 []int32 []uint64 []int64 []float32 []float64 []bool []string; an array of arrays
// as []any whose elements are again such arrays.
type KV struct {
	Key   string
	Value any
}

// TensorInfo describes one tensor of the file.
type TensorInfo struct {
	Name   string
	Type   quant.Type
	Dims   []int64 // ne[0] (the row length) first
	Offset int64   // absolute file offset of the first byte
	Size   int64   // bytes
}

// Elements is the number of elements of t: the product of its dimensions (1 for none).
func (t *TensorInfo) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Tensor returns the tensor with the given name.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	if f.tensors == nil {
		for i := range f.Tensors {
			if f.Tensors[i].Name == name {
				return &f.Tensors[i], true
			}
		}
		return nil, false
	}
	i, ok := f.tensors[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// Keys lists the metadata keys in file order.
func (f *File) Keys() []string {
	out := make([]string, len(f.KVs))
	for i, kv := range f.KVs {
		out[i] = kv.Key
	}
	return out
}
