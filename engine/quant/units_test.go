package quant

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestScalesFirst checks Q8_0x2 and Q4_0x2: the unit layout on a hand-made pair of blocks,
// that repacking loses nothing, that rows dequantize and multiply bit for bit as the base
// rows they came from, and that rows which cannot take the layout (not whole units, an
// Inf or NaN scale) are refused untouched.
func TestScalesFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range []struct {
		base, to Type
	}{{Q8_0, Q8_0x2}, {Q4_0, Q4_0x2}} {
		l := unitLayouts[c.to]
		w := l.w
		// layout: d0 d1, then the quants of block 0 and of block 1
		hand := make([]byte, 2*w)
		for i := range hand {
			hand[i] = byte(i)
		}
		unit := bytes.Clone(hand)
		if err := Relayout(c.base, c.to, unit, 64); err != nil {
			t.Fatal(err)
		}
		want := append(append(append(append([]byte{}, hand[0:2]...), hand[w:w+2]...), hand[2:w]...), hand[w+2:]...)
		if !bytes.Equal(unit, want) {
			t.Fatalf("%s: unit %x, want %x", c.to, unit, want)
		}
		tr, _ := c.base.Traits()
		to, _ := c.to.Traits()
		for _, cols := range []int{64, 576, 1536} {
			const rows = 3
			x := make([]float32, rows*cols)
			for i := range x {
				x[i] = rng.Float32()*2 - 1
			}
			orig := make([]byte, rows*cols/32*w)
			tr.Quantize(x, orig)
			packed := bytes.Clone(orig)
			if err := Relayout(c.base, c.to, packed, cols); err != nil {
				t.Fatal(err)
			}
			blocks := make([]byte, 2*w)
			for u := 0; u < len(packed)/(2*w); u++ {
				l.unpack(packed[2*w*u:], blocks)
				if !bytes.Equal(blocks, orig[2*w*u:2*w*(u+1)]) {
					t.Fatalf("%s cols %d unit %d: unpacked %x, was %x", c.to, cols, u, blocks, orig[2*w*u:2*w*(u+1)])
				}
			}
			a := make([]byte, cols/32*34)
			quantizeQ8_0(x[:cols], a)
			rb := cols / 32 * w
			for r := 0; r < rows; r++ {
				o, p := orig[r*rb:(r+1)*rb], packed[r*rb:(r+1)*rb]
				if got, want := to.VecDot(cols, p, a), tr.VecDot(cols, o, a); got != want {
					t.Fatalf("%s cols %d row %d: dot %v, %s %v", c.to, cols, r, got, c.base, want)
				}
				g, wnt := make([]float32, cols), make([]float32, cols)
				to.Dequantize(p, g)
				tr.Dequantize(o, wnt)
				for i := range g {
					if g[i] != wnt[i] {
						t.Fatalf("%s cols %d row %d element %d: %v, want %v", c.to, cols, r, i, g[i], wnt[i])
					}
				}
			}
			for _, h := range []uint16{0x7c00, 0xfe00} {
				bad := bytes.Clone(orig)
				bad[len(bad)-w], bad[len(bad)-w+1] = byte(h), byte(h>>8)
				keep := bytes.Clone(bad)
				if err := Relayout(c.base, c.to, bad, cols); err == nil || !strings.Contains(err.Error(), "finite") || !bytes.Equal(bad, keep) {
					t.Errorf("%s scale %#04x: %v", c.to, h, err)
				}
			}
		}
		if err := Relayout(c.base, c.to, make([]byte, 3*w), 96); err == nil {
			t.Errorf("%s: 96 columns converted", c.to)
		}
		if !to.Internal {
			t.Errorf("%s is not marked internal", c.to)
		}
	}
}
