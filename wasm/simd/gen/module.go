package main

import "bytes"

// A minimal WebAssembly binary encoder: just the sections the kernel module needs (type,
// import of one memory, function, export, code), with LEB128 integers. The layout follows
// the core spec, "Binary Format" (https://webassembly.github.io/spec/core/binary/).

// Value types.
const (
	i32  byte = 0x7f
	i64  byte = 0x7e
	f32  byte = 0x7d
	f64  byte = 0x7c
	v128 byte = 0x7b
)

// Section ids.
const (
	secType     = 1
	secImport   = 2
	secFunction = 3
	secExport   = 7
	secCode     = 10
)

// uleb appends v as unsigned LEB128.
func uleb(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// sleb appends v as signed LEB128.
func sleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func name(b []byte, s string) []byte { return append(uleb(b, uint64(len(s))), s...) }

// Memory is the imported linear memory (env.memory): Go's own exported memory. A shared
// memory must declare a maximum; 65536 pages is wasm32's 4 GiB, so any Go memory fits.
type Memory struct {
	Shared bool
}

// Module is a list of functions over one imported memory. Function i has index i (there
// are no imported functions).
type Module struct {
	Memory Memory
	Funcs  []*Func
}

// Encode returns the binary module.
func (m *Module) Encode() []byte {
	out := []byte{0x00, 'a', 's', 'm', 1, 0, 0, 0}

	// Types: one per function, in function order (duplicates are allowed).
	var s []byte
	s = uleb(s, uint64(len(m.Funcs)))
	for _, f := range m.Funcs {
		s = append(s, 0x60)
		s = uleb(s, uint64(len(f.params)))
		s = append(s, f.params...)
		s = uleb(s, uint64(len(f.results)))
		s = append(s, f.results...)
	}
	out = section(out, secType, s)

	s = uleb(nil, 1)
	s = name(s, "env")
	s = name(s, "memory")
	s = append(s, 0x02) // memory import
	if m.Memory.Shared {
		s = append(s, 0x03)
		s = uleb(s, 0)
		s = uleb(s, 65536)
	} else {
		s = append(s, 0x00)
		s = uleb(s, 0)
	}
	out = section(out, secImport, s)

	s = uleb(nil, uint64(len(m.Funcs)))
	for i := range m.Funcs {
		s = uleb(s, uint64(i))
	}
	out = section(out, secFunction, s)

	var exports []int
	for i, f := range m.Funcs {
		if f.Export {
			exports = append(exports, i)
		}
	}
	s = uleb(nil, uint64(len(exports)))
	for _, i := range exports {
		s = name(s, m.Funcs[i].Name)
		s = append(s, 0x00) // function export
		s = uleb(s, uint64(i))
	}
	out = section(out, secExport, s)

	s = uleb(nil, uint64(len(m.Funcs)))
	for _, f := range m.Funcs {
		body := f.encodeBody()
		s = uleb(s, uint64(len(body)))
		s = append(s, body...)
	}
	return section(out, secCode, s)
}

func section(out []byte, id byte, content []byte) []byte {
	out = append(out, id)
	out = uleb(out, uint64(len(content)))
	return append(out, content...)
}

// encodeBody is a code-section entry without its size: locals (run-length by type), then
// the instructions and the final end.
func (f *Func) encodeBody() []byte {
	var b []byte
	var groups [][2]uint64 // count, type
	for _, t := range f.locals[len(f.params):] {
		if n := len(groups); n > 0 && groups[n-1][1] == uint64(t) {
			groups[n-1][0]++
			continue
		}
		groups = append(groups, [2]uint64{1, uint64(t)})
	}
	b = uleb(b, uint64(len(groups)))
	for _, g := range groups {
		b = uleb(b, g[0])
		b = append(b, byte(g[1]))
	}
	b = append(b, f.code.Bytes()...)
	return append(b, 0x0b)
}

// Func is one function being assembled: its signature, its locals and its code.
type Func struct {
	Name    string
	Export  bool
	Index   int
	params  []byte
	results []byte
	locals  []byte // params first
	code    bytes.Buffer
	depth   int // open blocks, checked at the end
}
