package quant

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomQ5_0 is rows×cols elements of Q5_0 with random bits and scales in ±[2^-10, 2^-6].
func randomQ5_0(rng *rand.Rand, rows, cols int) []byte {
	b := make([]byte, rows*cols/32*22)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	for blk := 0; blk < len(b)/22; blk++ {
		d := float32(math.Exp2(-10 + 4*rng.Float64()))
		if rng.IntN(2) == 0 {
			d = -d
		}
		binary.LittleEndian.PutUint16(b[22*blk:], F32ToF16(d))
	}
	return b
}

// TestQ5_0x2Layout pins the layout with one hand-made pair of blocks: a single fifth bit
// set in each, and the bytes Relayout must write.
func TestQ5_0x2Layout(t *testing.T) {
	var b [44]byte
	b[0], b[1] = 0x11, 0x22 // block 0's d
	b[22], b[23] = 0x33, 0x44
	binary.LittleEndian.PutUint32(b[2:], 1<<21) // block 0, element 21: half 1, L = 5
	binary.LittleEndian.PutUint32(b[24:], 1<<6) // block 1, element 6: half 0, L = 6
	for j := 0; j < 16; j++ {
		b[6+j], b[28+j] = byte(j), byte(0xf0|j)
	}
	data := b
	if err := Relayout(Q5_0, Q5_0x2, data[:], 64); err != nil {
		t.Fatal(err)
	}
	var hb [8]byte
	hb[5/2] |= 1 << (4*1 + 2*0 + 1) // L = 5 is odd: high nibble; t = 2k+h = 1
	hb[6/2] |= 1 << (4*0 + 2*1 + 0) // L = 6 even: low nibble; t = 2
	want := append([]byte{0x11, 0x22, 0x33, 0x44}, hb[:]...)
	want = append(want, b[6:22]...)
	want = append(want, b[28:44]...)
	if !bytes.Equal(data[:], want) {
		t.Fatalf("repacked\n%x\nwant\n%x", data, want)
	}
}

// TestQ5_0x2 checks that repacking loses nothing (unpacking gives the blocks back) and
// that the Q5_0x2 row dequantizes and multiplies bit for bit as the Q5_0 row it came from.
func TestQ5_0x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 3))
	for _, cols := range []int{64, 128, 576, 1536} {
		const rows = 3
		orig := randomQ5_0(rng, rows, cols)
		packed := bytes.Clone(orig)
		if err := Relayout(Q5_0, Q5_0x2, packed, cols); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(packed, orig) {
			t.Fatal("repacking changed nothing")
		}
		var blocks [44]byte
		for u := 0; u < len(packed)/44; u++ {
			unpackQ5_0x2(packed[44*u:], blocks[:])
			if !bytes.Equal(blocks[:], orig[44*u:44*u+44]) {
				t.Fatalf("cols %d unit %d: unpacked %x, was %x", cols, u, blocks, orig[44*u:44*u+44])
			}
		}
		x := make([]float32, cols)
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		a := make([]byte, cols/32*34)
		quantizeQ8_0(x, a)
		rb := cols / 32 * 22
		for r := 0; r < rows; r++ {
			o, p := orig[r*rb:(r+1)*rb], packed[r*rb:(r+1)*rb]
			tr, _ := Q5_0x2.Traits()
			if got, want := tr.VecDot(cols, p, a), vecDotQ5_0Q8_0(cols, o, a); got != want {
				t.Fatalf("cols %d row %d: Q5_0x2 dot %v, Q5_0 %v", cols, r, got, want)
			}
			want, got := make([]float32, cols), make([]float32, cols)
			dequantizeQ5_0(o, want)
			tr.Dequantize(p, got)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("cols %d row %d element %d: %v, want %v", cols, r, i, got[i], want[i])
				}
			}
		}
	}
}

func TestQ5_0x2Refuses(t *testing.T) {
	for _, c := range []struct {
		cols, bytes int
	}{{32, 22}, {96, 66}, {64, 22}, {0, 0}} {
		err := Relayout(Q5_0, Q5_0x2, make([]byte, c.bytes), c.cols)
		if err == nil || !strings.Contains(err.Error(), "multiple of 64") {
			t.Errorf("cols %d, %d bytes: %v", c.cols, c.bytes, err)
		}
	}
	// an Inf or NaN scale anywhere: the rows stay Q5_0, untouched
	for _, h := range []uint16{0x7c00, 0xfc00, 0x7e00} {
		data := randomQ5_0(rand.New(rand.NewPCG(1, uint64(h))), 2, 128)
		binary.LittleEndian.PutUint16(data[5*22:], h)
		orig := bytes.Clone(data)
		err := Relayout(Q5_0, Q5_0x2, data, 128)
		if err == nil || !strings.Contains(err.Error(), "finite") || !bytes.Equal(data, orig) {
			t.Errorf("scale %#04x: %v (bytes changed: %v)", h, err, !bytes.Equal(data, orig))
		}
	}
	if err := Relayout(Q4_0, Q5_0x2, make([]byte, 36), 64); err == nil {
		t.Error("Q4_0 -> Q5_0x2 converted")
	}
	if tr, _ := Q5_0x2.Traits(); !tr.Internal {
		t.Error("Q5_0x2 is not marked internal")
	}
	for _, s := range Supported() {
		if s == Q5_0x2 {
			t.Error("Q5_0x2 listed as a file type")
		}
	}
}
