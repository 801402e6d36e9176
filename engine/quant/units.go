package quant

import "fmt"

// Hearth's unit layouts (Traits.Internal): a 32-element block type relaid two blocks to a
// unit of the same bytes, both fp16 scales first, made in place at load where the kernels
// prefer it (ops.PreferredLayouts) and the rows can take it: a multiple of 64 elements,
// every scale finite (so the kernels gather a unit's two scales in one 32-bit load and
// convert four with the fp16 conversion's finite path). The same numbers and products bit
// for bit; the Go dequantizer and dot product unpack to the file type's blocks and call
// its own (fallbacks: the kernels take every product).
//
//	Q8_0x2, Q4_0x2: d0, d1, block 0's quants, block 1's (scalesFirst).
//	Q5_0x2: d0, d1, the two blocks' fifth bits interleaved, the nibbles (q5_0x2.go).
type unitLayout struct {
	name   string
	base   Type
	w      int                       // bytes of one base block (a unit is 2w)
	pack   func(unit []byte)         // two base blocks -> one unit, in place (2w bytes)
	unpack func(unit, blocks []byte) // one unit -> two base blocks
}

var unitLayouts = map[Type]unitLayout{
	Q8_0x2: scalesFirst("Q8_0x2", Q8_0, 34),
	Q4_0x2: scalesFirst("Q4_0x2", Q4_0, 18),
	Q5_0x2: {"Q5_0x2", Q5_0, 22, func(unit []byte) {
		var blocks [44]byte
		copy(blocks[:], unit)
		packQ5_0x2(blocks[:], unit)
	}, unpackQ5_0x2},
}

func init() {
	for t, l := range unitLayouts {
		traits[t].Dequantize = l.dequantize
		traits[t].VecDot = l.vecDot
	}
}

// Relayout converts whole rows of cols elements of type from, in place, into type to, a
// unit layout Hearth makes at load (Q5_0 → Q5_0x2, Q8_0 → Q8_0x2, Q4_0 → Q4_0x2), or
// changes nothing and says why the rows cannot take it.
func Relayout(from, to Type, data []byte, cols int) error {
	l, ok := unitLayouts[to]
	if !ok || l.base != from {
		return fmt.Errorf("no conversion from %s to %s", from, to)
	}
	return l.repack(data, cols)
}

// scalesFirst is the unit layout of two blocks of w bytes (fp16 d, then the quants): d0,
// d1, block 0's quants, block 1's.
func scalesFirst(name string, base Type, w int) unitLayout {
	return unitLayout{name, base, w,
		// in place only bytes 2 to w+2 move: block 0's quants two bytes on, d1 before
		// them; d0 and block 1's quants stay where they are
		func(unit []byte) {
			d1lo, d1hi := unit[w], unit[w+1]
			copy(unit[4:w+2], unit[2:w])
			unit[2], unit[3] = d1lo, d1hi
		},
		func(unit, blocks []byte) {
			copy(blocks[0:2], unit[0:2])
			copy(blocks[2:w], unit[4:2+w])
			copy(blocks[w:w+2], unit[2:4])
			copy(blocks[w+2:2*w], unit[2+w:2*w])
		}}
}

// repack converts whole rows of cols base-type elements into units in place, or changes
// nothing and says why the rows cannot take the layout.
func (l unitLayout) repack(data []byte, cols int) error {
	if cols <= 0 || cols%64 != 0 || len(data)%(cols/32*l.w) != 0 {
		return fmt.Errorf("%s needs whole rows of a multiple of 64 elements (%d bytes of %d-element rows)", l.name, len(data), cols)
	}
	for b := 0; b+l.w <= len(data); b += l.w {
		if data[b+1]&0x7c == 0x7c {
			return fmt.Errorf("%s needs finite scales; block %d's is Inf or NaN", l.name, b/l.w)
		}
	}
	for u := 0; u+2*l.w <= len(data); u += 2 * l.w {
		l.pack(data[u : u+2*l.w])
	}
	return nil
}

// dequantize is the base type's of the unpacked blocks: units (n/64,) -> x (n,).
func (l unitLayout) dequantize(src []byte, dst []float32) {
	tr, _ := l.base.Traits()
	blocks := make([]byte, 2*l.w)
	for i := 0; i+64 <= len(dst); i += 64 {
		l.unpack(src[i/64*2*l.w:], blocks)
		tr.Dequantize(blocks, dst[i:i+64])
	}
}

// vecDot is the base type's dot product of the unpacked row: bit for bit the base row's.
func (l unitLayout) vecDot(n int, w, a []byte) float32 {
	tr, _ := l.base.Traits()
	row := make([]byte, n/32*l.w)
	for u := 0; u < n/64; u++ {
		l.unpack(w[u*2*l.w:], row[u*2*l.w:])
	}
	return tr.VecDot(n, row, a)
}
