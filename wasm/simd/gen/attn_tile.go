package main

// A prompt's attention in tiles: attn_heads_f16 widens every key and value again for each
// query token (three heads at most share a widening) and keeps a query's scores in a row
// of their own, so on a long prompt attention ran at a fifth of the products' rate (22% of
// a 512-token prefill of SmolLM2-135M Q4_0, 4% of a 64-token one). Two kernels instead,
// for a prompt's batch of tokens:
//
//	attn_widen_f16(params, scratch, stride, lo, hi)
//	    K, V rows [r0+lo, r0+hi) (kv_dim halves each) F16 -> K', V' rows [lo, hi) F32
//	attn_tile_f32(params, scratch, stride, lo, hi)
//	    q (B, n_head·hd) F32, K', V' F32 -> out (B, n_head·hd) F32
//
// attn_widen_f16 converts the rows the batch sees once, exactly (f16x4: every half,
// subnormal or not), and sets flags[row] to 1 where a half is ±Inf or NaN (the worker's
// check: queued, the pass runs again without the queue; called directly, the Go wrapper
// takes attn_heads_f16 instead, which gives those pairs to the Go loop). It lays them out
// for the tile kernel's walks: K' head by head, each head's rows of hd floats one after
// the other ((n_head_kv, rows, hd)); V' in groups of eight columns, each group's rows of
// eight floats one after the other ((kv_dim/8, rows, 8)), so that P·V streams a group's
// 32-byte rows in order (Qwen3-0.6B's shape, 16 heads over 8 × 128, 64 tokens after 448:
// 11.2 → 8.4 ms against rows of all kv_dim columns).
//
// attn_tile_f32 takes four (token, head) pairs of one K/V head at a time, one pair per
// f32 lane: item it = j·tiles + t is K/V head j's pairs e = 4t..4t+3 in the order e = b·group
// + g (token b, head j·group + g; a short last tile repeats its last pair, which writes the
// same output twice). The four see rows [first(b_0), n(b_3)): the union of their causal
// (and sliding-window) ranges, a token or two more than each.
//
//   - Scores, two rows × four pairs at a time: eight f32x4 accumulators over the head
//     dimension (16 at a time: hd % 16 == 0), each row's four sums folded into one vector
//     (lane p: pair p) times scale, -Inf where the row is outside the pair's range (e^-Inf
//     = 0: it weighs nothing), stored at scratch + 16·row: S (rows, 4); their max.
//   - Softmax down the rows, the four pairs in the lanes: e^(s-max) by expf4 in place, the
//     sums in f64 lanes, inv = f32(1/sum) — engine/ops's Softmax, per pair, except that
//     the probabilities are not formed: inv multiplies P·V's sums instead.
//   - P·V, four pairs × eight columns at a time: out_p[c] = inv_p · Σ_r e[r][p]·V'[r][c],
//     one running sum per column, rows in order (ops.WeightedRowsF16's order). Node:
//     unrolling the rows by two or four made it slower.
//
// With fma (the relaxed-SIMD module) every product and its sum is one f32x4.relaxed_madd.
//
// widen params (i32 each): 0 work (bytes read, for the worker's split decision), 1 k, 2 v
// (the layer's cache at row r0), 3 kv_dim (halves per row), 4 k', 5 v' (F32), 6 hd, 7
// rows (of k' and v'), 14 flags.
// tile params: 0 work, 1 q, 2 q_stride (bytes per token, also out's), 3 k', 4 v', 5 rows,
// 6 hd, 7 n_head, 8 group (n_head/n_head_kv), 9 pos0, 10 window, 11 scale (f32 bits), 12
// out, 13 B, 14 flags: 0 (nothing to check), 15 r0 (the cache row of k' and v”s
// row 0). scratch: S, 16 bytes a visible row.
const (
	widenWork = 0
	widenK    = 1
	widenV    = 2
	widenDim  = 3
	widenKOut = 4
	widenVOut = 5
	widenHD   = 6
	widenRows = 7
	widenFlag = 14

	tileWork    = 0
	tileQ       = 1
	tileQStride = 2
	tileK       = 3
	tileV       = 4
	tileRows    = 5
	tileHD      = 6
	tileNHead   = 7
	tileGroup   = 8
	tilePos0    = 9
	tileWindow  = 10
	tileScale   = 11
	tileOut     = 12
	tileB       = 13
	tileR0      = 15
)

// More SIMD opcodes (attn_tile.go).
const (
	f32x4DemoteF64x2Zero = 0x5e
	f64x2Splat           = 0x14
	f64x2Div             = 0xf3
)

// loadParams reads n i32 params at params into fresh locals.
func loadParams(f *Func, params Local, n int) []Local {
	p := make([]Local, n)
	for i := range p {
		p[i] = f.Local(i32)
		f.Get(params)
		f.Mem(opI32Load, 2, uint32(4*i))
		f.Set(p[i])
	}
	return p
}

func attnWidenF16() *Func {
	f := NewFunc("attn_widen_f16", true, []byte{i32, i32, i32, i32, i32}, nil)
	params, lo, hi := f.Param(0), f.Param(3), f.Param(4)
	p := loadParams(f, params, 16)
	row, sp, dp, dj, cnt, heads, hdB, step := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	x, mx, hv, tv := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	f.Get(p[widenHD])
	f.I32(2)
	f.Op(opI32Shl)
	f.Set(hdB)
	// eight halves at sp -> eight floats at dp; sp += 16
	group := func() {
		f.Get(sp)
		f.VLoad(0)
		f.Set(x)
		f.watch(mx, sp, 0, false)
		for i, ext := range []uint32{i32x4ExtendLowI16x8U, i32x4ExtendHighI16x8U} {
			f.Get(dp)
			f.Get(x)
			f.V(ext)
			f.f16x4(hv, tv)
			f.VMem(vStore, uint32(16*i))
		}
		f.Add(sp, 16)
	}
	// sp = src + row·kv_dim·2
	srcRow := func(src int) {
		f.Get(p[src])
		f.Get(row)
		f.Get(p[widenDim])
		f.Op(opI32Mul)
		f.I32(1)
		f.Op(opI32Shl, opI32Add)
		f.Set(sp)
	}
	f.Get(lo)
	f.Set(row)
	f.Block()
	f.Get(row)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		f.VZero()
		f.Set(mx)
		// K': head j's row at k' + (j·rows + row)·hd·4
		srcRow(widenK)
		f.Get(p[widenKOut])
		f.Get(row)
		f.Get(hdB)
		f.Op(opI32Mul, opI32Add)
		f.Set(dj)
		f.Get(p[widenRows])
		f.Get(hdB)
		f.Op(opI32Mul)
		f.Set(step)
		f.Get(p[widenDim])
		f.Get(p[widenHD])
		f.Op(opI32DivU)
		f.Set(heads)
		f.Repeat(heads, func() {
			f.Get(dj)
			f.Set(dp)
			f.ShrU(cnt, p[widenHD], 3)
			f.Repeat(cnt, func() {
				group()
				f.Add(dp, 32)
			})
			f.AddLocal(dj, step)
		})
		// V': column group g's row at v' + (g·rows + row)·32
		srcRow(widenV)
		f.Get(p[widenVOut])
		f.Get(row)
		f.I32(5)
		f.Op(opI32Shl, opI32Add)
		f.Set(dp)
		f.Get(p[widenRows])
		f.I32(5)
		f.Op(opI32Shl)
		f.Set(step)
		f.ShrU(cnt, p[widenDim], 3)
		f.Repeat(cnt, func() {
			group()
			f.AddLocal(dp, step)
		})
		// flags[row] = some half had exponent 31
		f.Get(p[widenFlag])
		f.Get(row)
		f.I32(2)
		f.Op(opI32Shl, opI32Add)
		f.sawInfNaN(mx)
		f.Mem(opI32Store, 2, 0)
		f.Add(row, 1)
		f.Get(row)
		f.Get(hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	return f
}

// fold4 pushes the vector of the four accumulators' lane sums: lane p = Σ acc[p].
func (f *Func) fold4(acc [4]Local, u Local) {
	for h := 0; h < 2; h++ {
		a, b := acc[2*h], acc[2*h+1]
		f.Get(a)
		f.Get(b)
		f.Shuffle(lanes32(0, 1, 4, 5))
		f.Get(a)
		f.Get(b)
		f.Shuffle(lanes32(2, 3, 6, 7))
		f.V(f32x4Add)
		if h == 0 {
			f.Set(u)
		}
	}
	// stack: v (pairs 2, 3); u (pairs 0, 1)
	f.Set(acc[0]) // reused: v
	f.Get(u)
	f.Get(acc[0])
	f.Shuffle(lanes32(0, 2, 4, 6))
	f.Get(u)
	f.Get(acc[0])
	f.Shuffle(lanes32(1, 3, 5, 7))
	f.V(f32x4Add)
}

func attnTileF32(fma bool) *Func {
	f := NewFunc("attn_tile_f32", true, []byte{i32, i32, i32, i32, i32}, nil)
	params, scratch, lo, hi := f.Param(0), f.Param(1), f.Param(3), f.Param(4)
	p := loadParams(f, params, 16)
	it, j, tiles, last, e, b := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	rs, rows, cnt, cnt2, sp, kr0, kr1, kb, hdB := f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	var qp, op, ap, nAbs, fAbs [4]Local
	for i := range qp {
		qp[i], op[i], ap[i], nAbs[i], fAbs[i] = f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32), f.Local(i32)
	}
	var acc [2][4]Local
	for r := range acc {
		for i := range acc[r] {
			acc[r][i] = f.Local(v128)
		}
	}
	k0, k1, qv, scale, u := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	nv, fv, rv, mx, s := f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128), f.Local(v128)
	sum01, sum23 := f.Local(v128), f.Local(v128)
	xs := newExpScratch(f)

	f.Get(p[tileScale])
	f.V(i32x4Splat)
	f.Set(scale)
	// tiles = ceil(B·group / 4)
	f.Get(p[tileB])
	f.Get(p[tileGroup])
	f.Op(opI32Mul)
	f.Tee(last) // B·group for now
	f.I32(3)
	f.Op(opI32Add)
	f.I32(2)
	f.Op(opI32ShrU)
	f.Set(tiles)
	f.Get(last)
	f.I32(1)
	f.Op(opI32Sub)
	f.Set(last) // the last pair of all: B·group - 1
	// hdB = hd·4
	f.Get(p[tileHD])
	f.I32(2)
	f.Op(opI32Shl)
	f.Set(hdB)

	f.Get(lo)
	f.Set(it)
	f.Block()
	f.Get(it)
	f.Get(hi)
	f.Op(opI32GeS)
	f.BrIf(0)
	f.Loop()
	{
		// j = it / tiles; pair e_i = min(4·(it % tiles) + i, last)
		f.Get(it)
		f.Get(tiles)
		f.Op(opI32DivU)
		f.Set(j)
		for i := 0; i < 4; i++ {
			f.Get(it)
			f.Get(j)
			f.Get(tiles)
			f.Op(opI32Mul, opI32Sub)
			f.I32(2)
			f.Op(opI32Shl)
			f.I32(int32(i))
			f.Op(opI32Add)
			f.Tee(e)
			f.Get(last)
			f.Get(e)
			f.Get(last)
			f.Op(opI32LtS, opSelect)
			f.Tee(e)
			// b = e / group; head = j·group + e - b·group
			f.Get(p[tileGroup])
			f.Op(opI32DivU)
			f.Set(b)
			// offset = b·q_stride + (j·group + e - b·group)·hd·4
			f.Get(b)
			f.Get(p[tileQStride])
			f.Op(opI32Mul)
			f.Get(j)
			f.Get(b)
			f.Op(opI32Sub)
			f.Get(p[tileGroup])
			f.Op(opI32Mul)
			f.Get(e)
			f.Op(opI32Add)
			f.Get(hdB)
			f.Op(opI32Mul, opI32Add)
			f.Tee(e) // reused: the offset
			f.Get(p[tileQ])
			f.Op(opI32Add)
			f.Set(qp[i])
			f.Get(e)
			f.Get(p[tileOut])
			f.Op(opI32Add)
			f.Set(op[i])
			// n = pos0 + b + 1 - r0 (k' rows); first = window > 0 && n_abs > window ? n_abs - window - r0 : 0 - r0
			f.Get(p[tilePos0])
			f.Get(b)
			f.Op(opI32Add)
			f.I32(1)
			f.Op(opI32Add)
			f.Set(e) // n_abs
			f.windowFirst(e, p[tileWindow])
			f.Get(p[tileR0])
			f.Op(opI32Sub)
			f.Set(fAbs[i])
			f.Get(e)
			f.Get(p[tileR0])
			f.Op(opI32Sub)
			f.Set(nAbs[i])
		}
		// rows [rs, re) of k', v': rs = first of pair 0, re = n of pair 3
		f.Get(fAbs[0])
		f.Set(rs)
		f.Get(nAbs[3])
		f.Get(rs)
		f.Op(opI32Sub)
		f.Set(rows)
		// nv, fv: each pair's range relative to rs
		for _, pr := range []struct {
			v   Local
			abs [4]Local
		}{{nv, nAbs}, {fv, fAbs}} {
			f.Get(pr.abs[0])
			f.Get(rs)
			f.Op(opI32Sub)
			f.V(i32x4Splat)
			for i := byte(1); i < 4; i++ {
				f.Get(pr.abs[i])
				f.Get(rs)
				f.Op(opI32Sub)
				f.Lane(i32x4ReplaceLane, i)
			}
			f.Set(pr.v)
		}

		// scores: S[r] (lane i: pair i) = scale · K'[rs + r] · q_i, or -Inf where row rs + r
		// is outside pair i's range; mx = their max
		// kb = k' + (j·rows + rs)·hd·4 (head j's rows, hd floats each)
		f.Get(p[tileK])
		f.Get(j)
		f.Get(p[tileRows])
		f.Op(opI32Mul)
		f.Get(rs)
		f.Op(opI32Add)
		f.Get(hdB)
		f.Op(opI32Mul, opI32Add)
		f.Set(kb)
		f.Get(scratch)
		f.Set(sp)
		f.splat32(0xff800000)
		f.Set(mx)
		f.VZero()
		f.Set(rv)
		scoreRows := func(nr int) {
			for r := 0; r < nr; r++ {
				for i := range acc[r] {
					f.VZero()
					f.Set(acc[r][i])
				}
			}
			f.Get(kb)
			f.Set(kr0)
			if nr == 2 {
				f.Get(kb)
				f.Get(hdB)
				f.Op(opI32Add)
				f.Set(kr1)
			}
			for i := range ap {
				f.Get(qp[i])
				f.Set(ap[i])
			}
			f.ShrU(cnt, p[tileHD], 4)
			f.Repeat(cnt, func() {
				for w := uint32(0); w < 4; w++ {
					f.Get(kr0)
					f.VLoad(16 * w)
					f.Set(k0)
					if nr == 2 {
						f.Get(kr1)
						f.VLoad(16 * w)
						f.Set(k1)
					}
					for i := range ap {
						f.Get(k0)
						f.Get(ap[i])
						f.VLoad(16 * w)
						if nr == 2 {
							f.Tee(qv)
						}
						f.mulAdd(acc[0][i], fma)
						f.Set(acc[0][i])
						if nr == 2 {
							f.Get(k1)
							f.Get(qv)
							f.mulAdd(acc[1][i], fma)
							f.Set(acc[1][i])
						}
					}
				}
				f.Add(kr0, 64)
				if nr == 2 {
					f.Add(kr1, 64)
				}
				for i := range ap {
					f.Add(ap[i], 64)
				}
			})
			for r := 0; r < nr; r++ {
				// s = rv in [first, n) ? scale·Σ : -Inf
				f.Get(sp)
				f.fold4(acc[r], u)
				f.Get(scale)
				f.V(f32x4Mul)
				f.splat32(0xff800000)
				f.Get(rv)
				f.Get(nv)
				f.V(i32x4LtS)
				f.Get(rv)
				f.Get(fv)
				f.V(i32x4LtS, vAndNot, vBitselect)
				f.Tee(s)
				f.VMem(vStore, uint32(16*r))
				f.Get(mx)
				f.Get(s)
				f.V(f32x4Pmax)
				f.Set(mx)
				f.Get(rv)
				f.splat32(1)
				f.V(i32x4Add)
				f.Set(rv)
			}
			f.Add(sp, int32(16*nr))
			f.Get(kb)
			f.Get(hdB)
			if nr == 2 {
				f.I32(1)
				f.Op(opI32Shl)
			}
			f.Op(opI32Add)
			f.Set(kb)
		}
		f.ShrU(cnt2, rows, 1)
		f.Repeat(cnt2, func() { scoreRows(2) })
		f.Get(rows)
		f.I32(1)
		f.Op(opI32And)
		f.Op(opIf, 0x40)
		scoreRows(1)
		f.Op(opEnd)

		// softmax down the rows, per lane: e = e^(s - max) in place, the sums in f64
		f.VZero()
		f.Set(sum01)
		f.VZero()
		f.Set(sum23)
		f.Get(scratch)
		f.Set(sp)
		f.Get(rows)
		f.Set(cnt)
		f.Repeat(cnt, func() {
			f.expSum(sp, mx, s, xs, sum01, sum23)
			f.Add(sp, 16)
		})
		// mx = f32(1 / sum) per lane, applied to the sums of P·V (Σ e·v, then times 1/Σe)
		for _, sum := range []Local{sum01, sum23} {
			f.F64(1)
			f.V(f64x2Splat)
			f.Get(sum)
			f.V(f64x2Div, f32x4DemoteF64x2Zero)
		}
		f.Shuffle(lanes32(0, 1, 4, 5))
		f.Set(mx)

		// P·V: out_i[c..c+8) = inv_i · Σ_r e[r][i]·V'[rs + r][j·hd + c ..], eight columns at
		// a time; V' column group g = j·hd/8 + c/8 holds rows of eight floats:
		// kb = v' + (g·rows + rs)·32, kr0 walks its rows
		f.Get(p[tileV])
		f.Get(j)
		f.Get(p[tileHD])
		f.I32(3)
		f.Op(opI32ShrU, opI32Mul)
		f.Get(p[tileRows])
		f.Op(opI32Mul)
		f.Get(rs)
		f.Op(opI32Add)
		f.I32(5)
		f.Op(opI32Shl, opI32Add)
		f.Set(kb)
		f.ShrU(cnt2, p[tileHD], 3)
		f.Repeat(cnt2, func() {
			for c := range 2 {
				for i := range 4 {
					f.VZero()
					f.Set(acc[c][i])
				}
			}
			f.Get(kb)
			f.Set(kr0)
			f.Get(scratch)
			f.Set(sp)
			// n rows (consecutive rows of a group are 32 bytes apart, their e 16)
			pvRows := func(n int) {
				for r := uint32(0); r < uint32(n); r++ {
					f.Get(kr0)
					f.VLoad(32 * r)
					f.Set(k0)
					f.Get(kr0)
					f.VLoad(32*r + 16)
					f.Set(k1)
					for i := range uint32(4) {
						f.Get(sp)
						f.VMem(vLoad32Splat, 16*r+4*i)
						f.Tee(qv)
						f.Get(k0)
						f.mulAdd(acc[0][i], fma)
						f.Set(acc[0][i])
						f.Get(qv)
						f.Get(k1)
						f.mulAdd(acc[1][i], fma)
						f.Set(acc[1][i])
					}
				}
				f.Add(kr0, int32(32*n))
				f.Add(sp, int32(16*n))
			}
			f.Get(rows)
			f.Set(cnt)
			f.Repeat(cnt, func() { pvRows(1) })
			for i := range 4 {
				f.Get(mx)
				f.Get(mx)
				f.Shuffle(lanes32(byte(i), byte(i), byte(i), byte(i)))
				f.Set(qv)
				for c := range 2 {
					f.Get(op[i])
					f.Get(acc[c][i])
					f.Get(qv)
					f.V(f32x4Mul)
					f.VMem(vStore, uint32(16*c))
				}
				f.Add(op[i], 32)
			}
			// the next column group
			f.Get(kb)
			f.Get(p[tileRows])
			f.I32(5)
			f.Op(opI32Shl, opI32Add)
			f.Set(kb)
		})

		f.Add(it, 1)
		f.Get(it)
		f.Get(hi)
		f.Op(opI32LtS)
		f.BrIf(0)
	}
	f.End()
	f.End()
	return f
}
