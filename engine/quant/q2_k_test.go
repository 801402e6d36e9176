package quant

import (
	"encoding/binary"
	"testing"
)

// A hand-packed Q2_K block: d = 0.5, dmin = 0.25, every scale and min nibble distinct.
func TestDequantizeQ2_KHandMade(t *testing.T) {
	sc := []byte{0x21, 0x56, 0x8B, 0xB0, 0xE5, 0x1A, 0x4F, 0x74, 0xA9, 0xDE, 0x03, 0x38, 0x6D, 0x92, 0xC7, 0xFC}
	blk := make([]byte, 84)
	copy(blk, sc)
	for i := 0; i < 64; i++ {
		blk[16+i] = byte(i*23 + 9)
	}
	binary.LittleEndian.PutUint16(blk[80:], kqHalf(t, 0.5))
	binary.LittleEndian.PutUint16(blk[82:], kqHalf(t, 0.25))
	y := kqDequantize(t, Q2_K, blk, QK_K)
	for e := 0; e < QK_K; e++ {
		k, j, l := e/128, e%128/32, e%32
		q := blk[16+32*k+l] >> (2 * j) & 3
		want := 0.5*float32(sc[e/16]&15)*float32(q) - 0.25*float32(sc[e/16]>>4)
		if y[e] != want {
			t.Fatalf("value %d: got %v, want %v", e, y[e], want)
		}
	}
	for e, want := range map[int]float32{0: 0, 17: -1.25, 100: 6.5, 129: -2.5, 255: 8.25} {
		if y[e] != want {
			t.Errorf("value %d: got %v, want %v", e, y[e], want)
		}
	}
}

func TestVecDotQ2_KCrossCheck(t *testing.T) { kqCrossCheck(t, Q2_K, vecDotQ2_KQ8_K, vecDotQ2_KQ8_KRef) }

func TestVecDotQ2_K(t *testing.T) {
	t.Logf("Q2_K·Q8_K: worst error %.2g of Σ|w·a|", kqCheckVecDot(t, Q2_K))
}

func TestQuantizeQ2_KRMS(t *testing.T) {
	rel := kqRoundTrip(t, Q2_K, 64, 7)
	t.Logf("Q2_K round trip: RMS error %.4f of RMS", rel)
	if rel > 0.31 {
		t.Errorf("Q2_K round-trip RMS error %.4f of RMS, want <= 0.31", rel)
	}
}
