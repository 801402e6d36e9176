package main

// matmulKernel builds the several-token form of the matvec kernel at function index
// matvec (named for the same weight type):
//
//	name(w, row_bytes, a, a_row_bytes, ntok, n, y, y_rows, row_lo, row_hi)
//	W (rows, n) @ A (ntok, n) -> Y (ntok, y_rows): Y[t][r] for r in [row_lo, row_hi)
//
// Token t's activations are at a + t*a_row_bytes and its outputs at y + 4*t*y_rows.
// The rows go a tile at a time (about 256 KiB of weights, at least 8 rows), every token
// over one tile before the next, so each tile is read from memory once and from cache
// for the other tokens. One call covers a whole prefill product, so a thread split of
// [row_lo, row_hi) synchronises once per product instead of once per tile and token.
func matmulKernel(name string, matvec int) *Func {
	const tileBytes = 256 << 10
	f := NewFunc(name, true, []byte{i32, i32, i32, i32, i32, i32, i32, i32, i32, i32}, nil)
	w, rowBytes, a, aRowBytes, ntok, n, y, yRows, lo, hi :=
		f.Param(0), f.Param(1), f.Param(2), f.Param(3), f.Param(4), f.Param(5), f.Param(6), f.Param(7), f.Param(8), f.Param(9)
	tile, t0, t1, tok, ap, yp := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)

	// tile = max(8, tileBytes / row_bytes)
	f.I32(tileBytes)
	f.Get(rowBytes)
	f.Op(opI32DivU)
	f.Tee(tile)
	f.I32(8)
	f.Get(tile)
	f.I32(8)
	f.Op(opI32GeU, opSelect)
	f.Set(tile)

	f.Get(lo)
	f.Set(t0)
	f.Block()
	f.Get(t0)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		// t1 = min(hi, t0 + tile)
		f.Get(t0)
		f.Get(tile)
		f.Op(opI32Add)
		f.Tee(t1)
		f.Get(hi)
		f.Get(t1)
		f.Get(hi)
		f.Op(opI32LtS, opSelect)
		f.Set(t1)

		f.Get(a)
		f.Set(ap)
		f.Get(y)
		f.Set(yp)
		f.Get(ntok)
		f.Set(tok)
		f.Repeat(tok, func() {
			f.Get(w)
			f.Get(rowBytes)
			f.Get(ap)
			f.Get(n)
			f.Get(yp)
			f.Get(t0)
			f.Get(t1)
			f.Call(matvec)
			f.AddLocal(ap, aRowBytes)
			f.Get(yp)
			f.Get(yRows)
			f.I32(2)
			f.Op(opI32Shl, opI32Add)
			f.Set(yp)
		})

		f.Get(t1)
		f.Set(t0)
		f.Get(t0)
		f.Get(hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	return f
}
