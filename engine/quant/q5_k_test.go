package quant

import (
	"encoding/binary"
	"testing"
)

// A hand-packed Q5_K block: Q4_K's hand-made scales plus patterned fifth bits.
func TestDequantizeQ5_KHandMade(t *testing.T) {
	sc := [8]float32{1, 2, 3, 4, 17, 33, 50, 63}
	m := [8]float32{0, 1, 2, 3, 20, 40, 60, 16}
	blk := make([]byte, 176)
	binary.LittleEndian.PutUint16(blk[0:], kqHalf(t, 0.5))
	binary.LittleEndian.PutUint16(blk[2:], kqHalf(t, 0.25))
	copy(blk[4:], []byte{0x41, 0x82, 0xC3, 0xC4, 0x40, 0x81, 0xC2, 0x43, 0x41, 0x81, 0xC2, 0x0F})
	for i := 0; i < 32; i++ {
		blk[16+i] = byte(i*53 + 11)
	}
	for i := 0; i < 128; i++ {
		blk[48+i] = byte(i*7 + 3)
	}
	y := kqDequantize(t, Q5_K, blk, QK_K)
	for e := 0; e < QK_K; e++ {
		j, r := e/64, e%64
		b := blk[48+32*j+r%32]
		q, bit := b&15, 2*j
		if r >= 32 {
			q, bit = b>>4, 2*j+1
		}
		q += 16 * (blk[16+r%32] >> bit & 1)
		want := 0.5*sc[e/32]*float32(q) - 0.25*m[e/32]
		if y[e] != want {
			t.Fatalf("value %d: got %v, want %v", e, y[e], want)
		}
	}
	for e, want := range map[int]float32{0: 9.5, 33: -0.25, 100: 61.25, 200: 260, 255: 216.5} {
		if y[e] != want {
			t.Errorf("value %d: got %v, want %v", e, y[e], want)
		}
	}
}

func TestVecDotQ5_KCrossCheck(t *testing.T) { kqCrossCheck(t, Q5_K, vecDotQ5_KQ8_K, vecDotQ5_KQ8_KRef) }

func TestVecDotQ5_K(t *testing.T) {
	t.Logf("Q5_K·Q8_K: worst error %.2g of Σ|w·a|", kqCheckVecDot(t, Q5_K))
}

func TestQuantizeQ5_KRMS(t *testing.T) {
	rel := kqRoundTrip(t, Q5_K, 64, 5)
	t.Logf("Q5_K round trip: RMS error %.4f of RMS", rel)
	if rel > 0.038 {
		t.Errorf("Q5_K round-trip RMS error %.4f of RMS, want <= 0.038", rel)
	}
}
