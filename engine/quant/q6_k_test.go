package quant

import (
	"encoding/binary"
	"testing"
)

// A hand-packed Q6_K block: d = 0.25, signed scales, patterned ql/qh.
func TestDequantizeQ6_KHandMade(t *testing.T) {
	sc := [16]int8{1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -127}
	blk := make([]byte, 210)
	for i := 0; i < 128; i++ {
		blk[i] = byte(i*13 + 5)
	}
	for i := 0; i < 64; i++ {
		blk[128+i] = byte(i*29 + 1)
	}
	for j, s := range sc {
		blk[192+j] = byte(s)
	}
	binary.LittleEndian.PutUint16(blk[208:], kqHalf(t, 0.25))
	y := kqDequantize(t, Q6_K, blk, QK_K)
	ql, qh := blk[:128], blk[128:192]
	for e := 0; e < QK_K; e++ {
		k, t4, l := e/128, e%128/32, e%32
		lo := [4]byte{ql[64*k+l] & 15, ql[64*k+32+l] & 15, ql[64*k+l] >> 4, ql[64*k+32+l] >> 4}[t4]
		hi := qh[32*k+l] >> (2 * t4) & 3
		want := 0.25 * float32(sc[e/16]) * float32(int(lo|hi<<4)-32)
		if y[e] != want {
			t.Fatalf("value %d: got %v, want %v", e, y[e], want)
		}
	}
	for e, want := range map[int]float32{0: -2.75, 40: 9.75, 77: 32.5, 200: -71.5, 255: 793.75} {
		if y[e] != want {
			t.Errorf("value %d: got %v, want %v", e, y[e], want)
		}
	}
}

func TestVecDotQ6_KCrossCheck(t *testing.T) { kqCrossCheck(t, Q6_K, vecDotQ6_KQ8_K, vecDotQ6_KQ8_KRef) }

func TestVecDotQ6_K(t *testing.T) {
	t.Logf("Q6_K·Q8_K: worst error %.2g of Σ|w·a|", kqCheckVecDot(t, Q6_K))
}

// Round trip of Gaussian data: ggml's reference Q6_K quantizer gives about 0.018 of the
// data's RMS on N(0,1).
func TestQuantizeQ6_KRMS(t *testing.T) {
	rel := kqRoundTrip(t, Q6_K, 64, 2)
	t.Logf("Q6_K round trip: RMS error %.4f of RMS", rel)
	if rel > 0.019 {
		t.Errorf("Q6_K round-trip RMS error %.4f of RMS, want <= 0.019", rel)
	}
}

// An all-zero super-block stays all zero (d = 0), and the next one is still quantized.
func TestQuantizeQ6_KZeroBlock(t *testing.T) {
	x := make([]float32, 2*QK_K)
	copy(x[QK_K:], kqGaussian(QK_K, 1, kqRand(4)))
	b := kqQuantize(t, Q6_K, x)
	for i, v := range b[:210] {
		if v != 0 {
			t.Fatalf("zero block byte %d = %#x", i, v)
		}
	}
	y := kqDequantize(t, Q6_K, b, len(x))
	if e, rms := kqRMS(x[QK_K:], y[QK_K:]); e > 0.03*rms {
		t.Errorf("second block RMS error %v of %v", e, rms)
	}
}
