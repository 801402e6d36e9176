package quant

import (
	"encoding/binary"
	"testing"
)

// A hand-packed Q3_K block: d = 0.5, sixteen 6-bit scales covering 0, 31..33 and 63.
func TestDequantizeQ3_KHandMade(t *testing.T) {
	s := [16]int{0, 1, 31, 32, 33, 63, 10, 20, 40, 50, 5, 15, 25, 35, 45, 55}
	blk := make([]byte, 110)
	for i := 0; i < 32; i++ {
		blk[i] = byte(i*37 + 3)
	}
	for i := 0; i < 64; i++ {
		blk[32+i] = byte(i*11 + 7)
	}
	copy(blk[96:], []byte{0x80, 0x21, 0x5F, 0xF0, 0x91, 0x3F, 0xDA, 0x74, 0x68, 0xBC, 0x81, 0xC6})
	binary.LittleEndian.PutUint16(blk[108:], kqHalf(t, 0.5))
	y := kqDequantize(t, Q3_K, blk, QK_K)
	for e := 0; e < QK_K; e++ {
		k, j, l := e/128, e%128/32, e%32
		v := int(blk[32+32*k+l] >> (2 * j) & 3)
		if blk[l]>>(4*k+j)&1 == 0 {
			v -= 4
		}
		want := 0.5 * float32(s[e/16]-32) * float32(v)
		if y[e] != want {
			t.Fatalf("value %d: got %v, want %v", e, y[e], want)
		}
	}
	for e, want := range map[int]float32{0: -48, 17: 31, 100: 44, 129: -8, 255: -23} {
		if y[e] != want {
			t.Errorf("value %d: got %v, want %v", e, y[e], want)
		}
	}
}

func TestVecDotQ3_KCrossCheck(t *testing.T) { kqCrossCheck(t, Q3_K, vecDotQ3_KQ8_K, vecDotQ3_KQ8_KRef) }

func TestVecDotQ3_K(t *testing.T) {
	t.Logf("Q3_K·Q8_K: worst error %.2g of Σ|w·a|", kqCheckVecDot(t, Q3_K))
}

func TestQuantizeQ3_KRMS(t *testing.T) {
	rel := kqRoundTrip(t, Q3_K, 64, 6)
	t.Logf("Q3_K round trip: RMS error %.4f of RMS", rel)
	if rel > 0.16 {
		t.Errorf("Q3_K round-trip RMS error %.4f of RMS, want <= 0.16", rel)
	}
}
