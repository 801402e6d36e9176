package main

// swiglu(g, u, out, n): the FFN gate, out[i] = g[i] / (1 + e^-g[i]) * u[i], for n a
// multiple of 4, four lanes at a time:
//
//	g (n,), u (n,) -> out (n,)   (out may alias g or u)
//
// e^x is expf4: ops.Expf's operations in ops.Expf's order (f32 only, no FMA), so every
// lane equals the Go SwiGLU bit for bit.
func swiGLU() *Func {
	f := NewFunc("swiglu", true, []byte{i32, i32, i32, i32}, nil)
	g, u, out, n := f.Param(0), f.Param(1), f.Param(2), f.Param(3)
	x, e := f.Local(v128), f.Local(v128)
	s := newExpScratch(f)
	f.ShrU(n, n, 2)
	f.Repeat(n, func() {
		f.Get(g)
		f.VLoad(0)
		f.Tee(x)
		f.V(f32x4Neg)
		f.expf4(s)
		f.Set(e)
		f.Get(out) // store address
		f.Get(x)
		f.splatF32(1)
		f.Get(e)
		f.V(f32x4Add, f32x4Div)
		f.Get(u)
		f.VLoad(0)
		f.V(f32x4Mul)
		f.VMem(vStore, 0)
		f.Add(g, 16)
		f.Add(u, 16)
		f.Add(out, 16)
	})
	return f
}

// expScratch holds expf4's locals.
type expScratch struct{ x, n, b, u, k, bexp Local }

func newExpScratch(f *Func) *expScratch {
	return &expScratch{f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)}
}

// expf4 replaces the f32x4 on the stack by e^x lane by lane, as ops.Expf computes it:
// n = round(x/ln2) by the 1.5·2^23 shift, b = (x - n·ln2hi) - n·ln2lo, ggml's degree-5
// polynomial j(b), then j·2^k with k = n split as 2^a·2^bexp (bexp -126 for a subnormal
// result, 1 above 2^127, else 0: multiplying by 2^0 = 1 is exact); +Inf above 88.72284, 0
// below -103.97208, NaN kept.
func (f *Func) expf4(s *expScratch) {
	const shift = 0x1.8p23
	f.Tee(s.x)
	f.splatF32(0x1.715476p+0)
	f.V(f32x4Mul)
	f.splatF32(shift)
	f.V(f32x4Add)
	f.splatF32(shift)
	f.V(f32x4Sub)
	f.Set(s.n)
	// b = (x - n*ln2hi) - n*ln2lo
	f.Get(s.x)
	f.Get(s.n)
	f.splatF32(0x1.62e4p-1)
	f.V(f32x4Mul, f32x4Sub)
	f.Get(s.n)
	f.splatF32(0x1.7f7d1cp-20)
	f.V(f32x4Mul, f32x4Sub)
	f.Tee(s.b)
	f.Get(s.b)
	f.V(f32x4Mul)
	f.Set(s.u)
	// j = ((c5*b + c4)*u + (c3*b + c2))*u + (c1*b + 1)
	f.splatF32(0x1.0e4020p-7)
	f.Get(s.b)
	f.V(f32x4Mul)
	f.splatF32(0x1.573e2ep-5)
	f.V(f32x4Add)
	f.Get(s.u)
	f.V(f32x4Mul)
	f.splatF32(0x1.555e66p-3)
	f.Get(s.b)
	f.V(f32x4Mul)
	f.splatF32(0x1.fffdb6p-2)
	f.V(f32x4Add, f32x4Add)
	f.Get(s.u)
	f.V(f32x4Mul)
	f.splatF32(0x1.ffffecp-1)
	f.Get(s.b)
	f.V(f32x4Mul)
	f.splatF32(1)
	f.V(f32x4Add, f32x4Add)
	// k = int(n); bexp = k < -126 ? -126 : k > 127 ? 1 : 0
	f.Get(s.n)
	f.V(i32x4TruncSatF32x4S)
	f.Tee(s.k)
	f.splat32(uint32(0xffffff82)) // -126
	f.V(i32x4LtS)
	f.splat32(uint32(0xffffff82))
	f.V(vAnd)
	f.Get(s.k)
	f.splat32(127)
	f.V(i32x4GtS)
	f.splat32(1)
	f.V(vAnd, vOr)
	f.Set(s.bexp)
	// j * 2^(k - bexp) * 2^bexp
	f.Get(s.k)
	f.Get(s.bexp)
	f.V(i32x4Sub)
	f.splat32(127)
	f.V(i32x4Add)
	f.I32(23)
	f.V(i32x4Shl, f32x4Mul)
	f.Get(s.bexp)
	f.splat32(127)
	f.V(i32x4Add)
	f.I32(23)
	f.V(i32x4Shl, f32x4Mul)
	// specials: x > 88.72284 -> +Inf, x < -103.97208 -> 0, NaN -> x
	// (v128.bitselect(v1, v2, mask) takes v1 where mask is set)
	f.Set(s.b)
	f.splat32(0x7f800000)
	f.Get(s.b)
	f.Get(s.x)
	f.splatF32(88.72284)
	f.V(f32x4Gt, vBitselect)
	f.Set(s.b)
	f.VZero()
	f.Get(s.b)
	f.Get(s.x)
	f.splatF32(-103.97208)
	f.V(f32x4Lt, vBitselect)
	f.Set(s.b)
	f.Get(s.x)
	f.Get(s.b)
	f.Get(s.x)
	f.Get(s.x)
	f.V(f32x4Ne, vBitselect)
}
