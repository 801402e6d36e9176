package main

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The instructions the kernels use. Core opcodes are one byte; SIMD ones are the 0xfd
// prefix followed by a LEB128 number (spec, "Vector Instructions").
const (
	opBlock  = 0x02
	opLoop   = 0x03
	opIf     = 0x04
	opElse   = 0x05
	opEnd    = 0x0b
	opBr     = 0x0c
	opBrIf   = 0x0d
	opCall   = 0x10
	opSelect = 0x1b

	opLocalGet = 0x20
	opLocalSet = 0x21
	opLocalTee = 0x22

	opI32Load    = 0x28
	opF32Load    = 0x2a
	opI32Load8S  = 0x2c
	opI32Load8U  = 0x2d
	opI32Load16S = 0x2e
	opI32Load16U = 0x2f
	opF32Store   = 0x38
	opI32Store   = 0x36
	opI32Store16 = 0x3b

	opI32Const = 0x41
	opF32Const = 0x43

	opI32Eqz = 0x45
	opI32Eq  = 0x46
	opI32Ne  = 0x47
	opI32LtS = 0x48
	opI32LtU = 0x49
	opI32GtS = 0x4a
	opI32GeS = 0x4e
	opI32GeU = 0x4f

	opI32Add  = 0x6a
	opI32Sub  = 0x6b
	opI32Mul  = 0x6c
	opI32DivU = 0x6e
	opI32RemU = 0x70
	opI32And  = 0x71
	opI32Or   = 0x72
	opI32Xor  = 0x73
	opI32Shl  = 0x74
	opI32ShrS = 0x75
	opI32ShrU = 0x76

	opF32Eq  = 0x5b
	opF32Ne  = 0x5c
	opF32Abs = 0x8b

	opF32Neg = 0x8c
	opF32Add = 0x92
	opF32Sub = 0x93
	opF32Mul = 0x94
	opF32Div = 0x95

	opF32ConvertI32S    = 0xb2
	opF32DemoteF64      = 0xb6
	opF64Const          = 0x44
	opF64Add            = 0xa0
	opF64Div            = 0xa3
	opF64Sqrt           = 0x9f
	opF64ConvertI32U    = 0xb8
	opF64PromoteF32     = 0xbb
	opI32ReinterpretF32 = 0xbc
	opF32ReinterpretI32 = 0xbe
)

// SIMD opcodes (after the 0xfd prefix).
const (
	vLoad        = 0x00
	vLoad8x8S    = 0x01
	vLoad8x8U    = 0x02
	vStore       = 0x0b
	vLoad32Splat = 0x09
	vLoad64Splat = 0x0a
	vLoad32Zero  = 0x5c
	vLoad64Zero  = 0x5d
	vConst       = 0x0c
	i8x16Shuffle = 0x0d
	i8x16Splat   = 0x0f
	i16x8Splat   = 0x10
	i32x4Splat   = 0x11
	f32x4Splat   = 0x13

	i32x4ExtractLane = 0x1b
	i32x4ReplaceLane = 0x1c
	f32x4ExtractLane = 0x1f

	i8x16Eq  = 0x23
	i8x16LtS = 0x25
	i8x16Abs = 0x60

	// relaxed SIMD
	i32x4RelaxedDotI8x16I7x16AddS = 0x113
	f32x4RelaxedMadd              = 0x105 // a·b + c, fused or not (V8 on x64: vfmadd231ps where the CPU has FMA3)
	i32x4Eq                       = 0x37

	vAnd       = 0x4e
	vAndNot    = 0x4f
	vOr        = 0x50
	vXor       = 0x51
	vBitselect = 0x52

	i8x16Shl  = 0x6b
	i8x16ShrU = 0x6d
	i8x16Sub  = 0x71

	i32x4ExtaddPairwiseI16x8S = 0x7e
	i16x8ExtendLowI8x16S      = 0x87
	i16x8ExtendHighI8x16S     = 0x88
	i16x8ExtendLowI8x16U      = 0x89
	i16x8ExtendHighI8x16U     = 0x8a
	i16x8Shl                  = 0x8b
	i16x8ShrU                 = 0x8d
	i16x8Add                  = 0x8e
	i16x8Sub                  = 0x91
	i16x8Mul                  = 0x95

	i32x4ExtendLowI16x8S  = 0xa7
	i32x4ExtendHighI16x8S = 0xa8
	i32x4ExtendLowI16x8U  = 0xa9
	i32x4ExtendHighI16x8U = 0xaa
	i32x4Shl              = 0xab
	i32x4ShrS             = 0xac
	i32x4ShrU             = 0xad
	i32x4Add              = 0xae
	i32x4Sub              = 0xb1
	i32x4Mul              = 0xb5
	i32x4DotI16x8S        = 0xba

	f32x4Add = 0xe4
	f32x4Sub = 0xe5
	f32x4Mul = 0xe6

	f32x4ConvertI32x4S = 0xfa

	f32x4Lt              = 0x43
	f32x4Ne              = 0x42
	f32x4Gt              = 0x44
	f32x4Neg             = 0xe1
	f64x2PromoteLowF32x4 = 0x5f
	f64x2Add             = 0xf0
	f64x2ExtractLane     = 0x21
	f32x4Div             = 0xe7
	i32x4LtS             = 0x39
	i32x4GtS             = 0x3b
	i8x16NarrowI16x8S    = 0x65
	f32x4Nearest         = 0x6a
	i16x8NarrowI32x4S    = 0x85
	f32x4Abs             = 0xe0
	f32x4Pmax            = 0xeb
	i32x4TruncSatF32x4S  = 0xf8

	vLoad16x4S = 0x03 // attn_f16.go
	i16x8GeU   = 0x36
	vAnyTrue   = 0x53
	i16x8MaxU  = 0x99

	i16x8NarrowI32x4U = 0x86 // convert.go

	i16x8ExtaddPairwiseI8x16S = 0x7c // quantize.go
	i32x4MinS                 = 0xb6 // quantize_k.go
	f32x4Eq                   = 0x41 // scale.go
)

// Local is a local variable index (parameters first).
type Local uint32

// NewFunc starts a function with the given parameter types and results.
func NewFunc(name string, export bool, params, results []byte) *Func {
	f := &Func{Name: name, Export: export, params: params, results: results}
	f.locals = append(f.locals, params...)
	return f
}

// Param returns the i-th parameter.
func (f *Func) Param(i int) Local { return Local(i) }

// Local declares a new local of type t.
func (f *Func) Local(t byte) Local {
	f.locals = append(f.locals, t)
	return Local(len(f.locals) - 1)
}

// Op appends plain one-byte instructions.
func (f *Func) Op(ops ...byte) { f.code.Write(ops) }

// V appends SIMD instructions without immediates.
func (f *Func) V(ops ...uint32) {
	for _, op := range ops {
		f.code.WriteByte(0xfd)
		f.code.Write(uleb(nil, uint64(op)))
	}
}

func (f *Func) Get(l Local) { f.code.WriteByte(opLocalGet); f.code.Write(uleb(nil, uint64(l))) }
func (f *Func) Set(l Local) { f.code.WriteByte(opLocalSet); f.code.Write(uleb(nil, uint64(l))) }
func (f *Func) Tee(l Local) { f.code.WriteByte(opLocalTee); f.code.Write(uleb(nil, uint64(l))) }

// I32 pushes an i32 constant.
func (f *Func) I32(c int32) { f.code.WriteByte(opI32Const); f.code.Write(sleb(nil, int64(c))) }

// F32 pushes an f32 constant.
func (f *Func) F32(c float32) {
	f.code.WriteByte(opF32Const)
	f.code.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(c)))
}

// F64 pushes an f64 constant.
func (f *Func) F64(c float64) {
	f.code.WriteByte(opF64Const)
	f.code.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(c)))
}

// VConst pushes a v128 constant given as 16 bytes.
func (f *Func) VConst(b [16]byte) { f.V(vConst); f.code.Write(b[:]) }

// VZero pushes a zero v128.
func (f *Func) VZero() { f.VConst([16]byte{}) }

// Mem appends a core load or store with its alignment exponent and offset.
func (f *Func) Mem(op byte, align, offset uint32) {
	f.code.WriteByte(op)
	f.code.Write(uleb(nil, uint64(align)))
	f.code.Write(uleb(nil, uint64(offset)))
}

// VMem appends a SIMD load with alignment 0 (unaligned data) and the offset.
func (f *Func) VMem(op uint32, offset uint32) {
	f.V(op)
	f.code.Write(uleb(nil, 0))
	f.code.Write(uleb(nil, uint64(offset)))
}

// VLoad loads 16 bytes at the address on the stack + offset.
func (f *Func) VLoad(offset uint32) { f.VMem(vLoad, offset) }

// Lane appends a lane instruction with its lane index.
func (f *Func) Lane(op uint32, lane byte) { f.V(op); f.code.WriteByte(lane) }

// Shuffle appends i8x16.shuffle with its 16 lane indices.
func (f *Func) Shuffle(lanes [16]byte) { f.V(i8x16Shuffle); f.code.Write(lanes[:]) }

// Call calls function index i.
func (f *Func) Call(i int) { f.code.WriteByte(opCall); f.code.Write(uleb(nil, uint64(i))) }

func (f *Func) Block() { f.code.Write([]byte{opBlock, 0x40}); f.depth++ }
func (f *Func) Loop()  { f.code.Write([]byte{opLoop, 0x40}); f.depth++ }
func (f *Func) End()   { f.code.WriteByte(opEnd); f.depth-- }
func (f *Func) BrIf(label uint32) {
	f.code.WriteByte(opBrIf)
	f.code.Write(uleb(nil, uint64(label)))
}

// Repeat runs body count times (count > 0 checked first); count is consumed.
func (f *Func) Repeat(count Local, body func()) {
	f.Block()
	f.Get(count)
	f.Op(opI32Eqz)
	f.BrIf(0)
	f.Loop()
	body()
	f.Get(count)
	f.I32(1)
	f.Op(opI32Sub)
	f.Tee(count)
	f.BrIf(0)
	f.End()
	f.End()
}

// Add adds c to local l (i32).
func (f *Func) Add(l Local, c int32) {
	f.Get(l)
	f.I32(c)
	f.Op(opI32Add)
	f.Set(l)
}

// AddLocal adds local m to local l (i32): a pointer moved by a stride.
func (f *Func) AddLocal(l, m Local) {
	f.Get(l)
	f.Get(m)
	f.Op(opI32Add)
	f.Set(l)
}

// ShrU sets local dst (i32) to src >> k, unsigned: a count of elements turned into a count
// of groups (n >> 2: groups of four).
func (f *Func) ShrU(dst, src Local, k int32) {
	f.Get(src)
	f.I32(k)
	f.Op(opI32ShrU)
	f.Set(dst)
}

// ShrUAnd sets local dst (i32) to (src >> k) & mask, unsigned: the groups left over after
// the bigger groups ((n >> 2) & 3: the groups of four after n's groups of sixteen).
func (f *Func) ShrUAnd(dst, src Local, k, mask int32) {
	f.Get(src)
	f.I32(k)
	f.Op(opI32ShrU)
	f.I32(mask)
	f.Op(opI32And)
	f.Set(dst)
}

// check reports unbalanced blocks.
func (f *Func) check() error {
	if f.depth != 0 {
		return fmt.Errorf("%s: %d blocks left open", f.Name, f.depth)
	}
	return nil
}
