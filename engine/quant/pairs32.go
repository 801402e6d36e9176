package quant

import "fmt"

// Q8_0x2 and Q4_0x2 are Q8_0 and Q4_0 relaid two blocks at a time with their scales
// first: a unit of 2·w bytes (w the block's size: 34, 18) holds fp16 d of block 0, of
// block 1, then block 0's quants, block 1's. Hearth's own layouts (Traits.Internal), made
// in place at load where the kernels prefer them (ops.PreferredLayouts), as Q5_0x2: rows
// of a multiple of 64 elements, every scale finite (so the kernels gather a unit's two
// scales in one 32-bit load and convert four with the fp16 conversion's finite path); the
// same numbers and products bit for bit.
type pairs32 struct {
	base Type
	w    int // bytes of one base block
}

var (
	q8_0x2 = pairs32{Q8_0, 34}
	q4_0x2 = pairs32{Q4_0, 18}
)

func init() {
	for t, p := range map[Type]pairs32{Q8_0x2: q8_0x2, Q4_0x2: q4_0x2} {
		traits[t].Dequantize = p.dequantize
		traits[t].VecDot = p.vecDot
	}
}

// repack converts whole rows of cols base-type elements into units in place, or changes
// nothing and says why the rows cannot take the layout.
func (p pairs32) repack(data []byte, cols int, name string) error {
	if cols <= 0 || cols%64 != 0 || len(data)%(cols/32*p.w) != 0 {
		return fmt.Errorf("%s needs whole rows of a multiple of 64 elements (%d bytes of %d-element rows)", name, len(data), cols)
	}
	if b := nonFiniteScale(data, p.w, 0); b >= 0 {
		return fmt.Errorf("%s needs finite scales; block %d's is Inf or NaN", name, b)
	}
	src := make([]byte, 2*p.w)
	for u := 0; u+2*p.w <= len(data); u += 2 * p.w {
		dst := data[u : u+2*p.w]
		copy(src, dst)
		copy(dst[0:2], src[0:2])
		copy(dst[2:4], src[p.w:p.w+2])
		copy(dst[4:], src[2:p.w])
		copy(dst[2+p.w:], src[p.w+2:])
	}
	return nil
}

// unpack writes one unit's two base blocks into blocks (2·w bytes).
func (p pairs32) unpack(unit, blocks []byte) {
	copy(blocks[0:2], unit[0:2])
	copy(blocks[2:p.w], unit[4:2+p.w])
	copy(blocks[p.w:p.w+2], unit[2:4])
	copy(blocks[p.w+2:2*p.w], unit[2+p.w:2*p.w])
}

func (p pairs32) dequantize(src []byte, dst []float32) {
	tr, _ := p.base.Traits()
	blocks := make([]byte, 2*p.w)
	for i := 0; i+64 <= len(dst); i += 64 {
		p.unpack(src[i/64*2*p.w:], blocks)
		tr.Dequantize(blocks, dst[i:i+64])
	}
}

// vecDot is the base type's dot product of the unpacked row: bit for bit the base row's.
func (p pairs32) vecDot(n int, w, a []byte) float32 {
	tr, _ := p.base.Traits()
	row := make([]byte, n/32*p.w)
	for u := 0; u < n/64; u++ {
		p.unpack(w[u*2*p.w:], row[u*2*p.w:])
	}
	return tr.VecDot(n, row, a)
}

// nonFiniteScale is the index of the first block of w bytes in data whose fp16 scale at
// byte off is Inf or NaN, or -1.
func nonFiniteScale(data []byte, w, off int) int {
	for b := 0; b+w <= len(data); b += w {
		if data[b+off+1]&0x7c == 0x7c {
			return b / w
		}
	}
	return -1
}
