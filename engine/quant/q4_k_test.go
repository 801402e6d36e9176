package quant

import (
	"encoding/binary"
	"testing"
)

// A hand-packed Q4_K block: d = 0.5, dmin = 0.25, scales and mins chosen so sub-blocks
// 4..7 use the high bits stored in bytes 0..7.
func TestDequantizeQ4_KHandMade(t *testing.T) {
	sc := [8]float32{1, 2, 3, 4, 17, 33, 50, 63}
	m := [8]float32{0, 1, 2, 3, 20, 40, 60, 16}
	blk := make([]byte, 144)
	binary.LittleEndian.PutUint16(blk[0:], kqHalf(t, 0.5))
	binary.LittleEndian.PutUint16(blk[2:], kqHalf(t, 0.25))
	copy(blk[4:], []byte{0x41, 0x82, 0xC3, 0xC4, 0x40, 0x81, 0xC2, 0x43, 0x41, 0x81, 0xC2, 0x0F})
	for i := 0; i < 128; i++ {
		blk[16+i] = byte(i*7 + 3)
	}
	y := kqDequantize(t, Q4_K, blk, QK_K)
	for e := 0; e < QK_K; e++ {
		b := blk[16+32*(e/64)+e%32]
		q := b & 15
		if e%64 >= 32 {
			q = b >> 4
		}
		want := 0.5*sc[e/32]*float32(q) - 0.25*m[e/32]
		if y[e] != want {
			t.Fatalf("value %d: got %v, want %v", e, y[e], want)
		}
	}
	for e, want := range map[int]float32{0: 1.5, 32: -0.25, 200: 260, 255: 216.5} {
		if y[e] != want {
			t.Errorf("value %d: got %v, want %v", e, y[e], want)
		}
	}
}

func TestVecDotQ4_KCrossCheck(t *testing.T) { kqCrossCheck(t, Q4_K, vecDotQ4_KQ8_K, vecDotQ4_KQ8_KRef) }

func TestVecDotQ4_K(t *testing.T) {
	t.Logf("Q4_K·Q8_K: worst error %.2g of Σ|w·a|", kqCheckVecDot(t, Q4_K))
}

// Round trip of Gaussian data: ggml's reference Q4_K quantizer gives about 0.072 of the
// data's RMS on N(0,1).
func TestQuantizeQ4_KRMS(t *testing.T) {
	rel := kqRoundTrip(t, Q4_K, 64, 1)
	t.Logf("Q4_K round trip: RMS error %.4f of RMS", rel)
	if rel > 0.076 {
		t.Errorf("Q4_K round-trip RMS error %.4f of RMS, want <= 0.076", rel)
	}
}
