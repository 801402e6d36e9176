package main

import "math"

// Shared pieces of the kernels: the row loop every exported kernel has, fp16 → f32
// conversion (scalar and four lanes at a time), horizontal sums, splatted constants.

// rowsKernel is an exported kernel
//
//	name(w, row_bytes, a, n, y, row_lo, row_hi)
//
// computing y[r] = dot(W[r], a) for r in [row_lo, row_hi): W is the weight matrix at w,
// row r at w + r*row_bytes, a one activation row of n elements in the weight type's
// vec_dot type, y float32s (y[r] at y + 4r). All pointers are byte addresses in the
// imported memory. dot pushes the f32 dot product of the row at wp with the activations at
// ap (both locals it may advance) and n elements.
func rowsKernel(name string, dot func(f *Func, wp, ap, n Local)) *Func {
	f := NewFunc(name, true, []byte{i32, i32, i32, i32, i32, i32, i32}, nil)
	w, rowBytes, a, n, y, lo, hi := f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6)
	r, wp, ap := f.Local(i32), f.Local(i32), f.Local(i32)
	f.Get(lo)
	f.Set(r)
	f.Block()
	f.Get(r)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		f.Get(w)
		f.Get(r)
		f.Get(rowBytes)
		f.Op(opI32Mul, opI32Add)
		f.Set(wp)
		f.Get(a)
		f.Set(ap)
		f.Get(y) // store address y + 4r
		f.Get(r)
		f.I32(2)
		f.Op(opI32Shl, opI32Add)
		dot(f, wp, ap, n)
		f.Mem(opF32Store, 0, 0)
		f.Add(r, 1)
		f.Get(r)
		f.Get(hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	return f
}

// f16 converts the fp16 bits (an i32 on the stack) to f32, exactly: the exponent and
// mantissa shifted into f32 position and scaled by 2^112 rebias normal and subnormal
// values alike; exponent 31 (Inf/NaN) maps to f32's 255. Uses two scratch locals.
func (f *Func) f16(h, em Local) {
	f.Tee(h)
	f.I32(0x7fff)
	f.Op(opI32And)
	f.I32(13)
	f.Op(opI32Shl)
	f.Tee(em)
	f.I32(0x7f800000)
	f.Op(opI32Or) // Inf/NaN
	f.Get(em)
	f.Op(opF32ReinterpretI32)
	f.F32(0x1p112)
	f.Op(opF32Mul, opI32ReinterpretF32) // finite
	f.Get(em)
	f.I32(0x7c00 << 13)
	f.Op(opI32GeU, opSelect)
	f.Get(h)
	f.I32(0x8000)
	f.Op(opI32And)
	f.I32(16)
	f.Op(opI32Shl, opI32Or, opF32ReinterpretI32)
}

// f16At pushes the fp16 at addr+off as f32.
func (f *Func) f16At(addr Local, off uint32, h, em Local) {
	f.Get(addr)
	f.Mem(opI32Load16U, 0, off)
	f.f16(h, em)
}

// f16x4 converts four fp16 values, zero-extended in the i32 lanes of the v128 on the
// stack, to four f32 (the vector form of f16). Scratch: h, t (v128).
//
// x = h << 16 >> 3 (arithmetic) keeps the sign at bit 31 and puts exponent and mantissa
// at bits 27..13; masked to those, x is the f32 whose bits are the sign and (h&0x7fff)<<13,
// which times 2^112 is the value of every finite fp16, subnormals included (the product's
// sign is x's); an Inf or NaN (exponent 31) is x with the f32 exponent all ones.
func (f *Func) f16x4(h, t Local) {
	f.Tee(h)
	f.I32(16)
	f.V(i32x4Shl)
	f.I32(3)
	f.V(i32x4ShrS)
	f.splat32(0x8fffe000)
	f.V(vAnd)
	f.Tee(t)
	f.splat32(0x7f800000)
	f.V(vOr) // Inf/NaN
	f.Get(t)
	f.splatF32(0x1p112)
	f.V(f32x4Mul) // finite
	f.Get(h)
	f.splat32(0x7c00)
	f.V(vAnd)
	f.splat32(0x7c00)
	f.V(i32x4Eq, vBitselect)
}

// hsum pushes the sum of the four f32 lanes of v: (v0+v1) + (v2+v3).
func (f *Func) hsum(v Local) {
	for l := byte(0); l < 4; l++ {
		f.Get(v)
		f.Lane(f32x4ExtractLane, l)
		if l%2 == 1 {
			f.Op(opF32Add)
		}
	}
	f.Op(opF32Add)
}

// sum4 pushes (v[0] add v[1]) add (v[2] add v[3]), add a lane-wise binary op (f32x4Add,
// i32x4Add): four accumulators folded in a tree, the order the kernels' sums are defined in.
func (f *Func) sum4(v [4]Local, add uint32) {
	f.Get(v[0])
	f.Get(v[1])
	f.V(add)
	f.Get(v[2])
	f.Get(v[3])
	f.V(add, add)
}

// splat8 pushes c in all sixteen i8 lanes.
func (f *Func) splat8(c byte) {
	var b [16]byte
	for i := range b {
		b[i] = c
	}
	f.VConst(b)
}

// splat32 pushes c in all four i32 lanes.
func (f *Func) splat32(c uint32) {
	var b [16]byte
	for i := 0; i < 16; i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
	}
	f.VConst(b)
}

func (f *Func) splatF32(c float32) { f.splat32(math.Float32bits(c)) }

// splat16 pushes c in all eight i16 lanes.
func (f *Func) splat16(c uint16) {
	var b [16]byte
	for i := 0; i < 16; i += 2 {
		b[i], b[i+1] = byte(c), byte(c>>8)
	}
	f.VConst(b)
}

// load8 pushes the 8 bytes at p+off sign- (s) or zero-extended to i16x8
// (v128.load8x8_s/u: one instruction that loads and widens).
func (f *Func) load8(p Local, off uint32, signed bool) {
	f.Get(p)
	if signed {
		f.VMem(vLoad8x8S, off)
	} else {
		f.VMem(vLoad8x8U, off)
	}
}

// accScaled does acc += convert(the i32x4 on the stack) * splat(scale), or acc -= … when
// sub; scale pushes an f32.
func (f *Func) accScaled(acc Local, sub bool, scale func()) {
	f.V(f32x4ConvertI32x4S)
	scale()
	if sub {
		f.Op(opF32Neg)
	}
	f.V(f32x4Splat, f32x4Mul)
	f.Get(acc)
	f.V(f32x4Add)
	f.Set(acc)
}
