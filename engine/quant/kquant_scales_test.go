package quant

import "testing"

// The 32-bit mask unpacking of the vec_dot code and get_scale_min_k4 agree on every
// scales field, and packScaleMinK4 is their inverse.
func TestScaleMinK4(t *testing.T) {
	r := kqRand(11)
	for n := 0; n < 20000; n++ {
		var q [12]byte
		for i := range q {
			q[i] = byte(r.Uint32())
		}
		scales, mins := unpackScaleMinK4(&q)
		for j := 0; j < 8; j++ {
			sc, m := getScaleMinK4(j, q[:])
			if sc != scales[j] || m != mins[j] {
				t.Fatalf("% x, pair %d: get_scale_min_k4 (%d, %d), unpacked (%d, %d)", q, j, sc, m, scales[j], mins[j])
			}
		}
		var want [8][2]uint8
		var p [12]byte
		for j := range want {
			want[j] = [2]uint8{uint8(r.IntN(64)), uint8(r.IntN(64))}
			packScaleMinK4(p[:], j, want[j][0], want[j][1])
		}
		for j := range want {
			if sc, m := getScaleMinK4(j, p[:]); sc != want[j][0] || m != want[j][1] {
				t.Fatalf("packed %v, pair %d read back as (%d, %d)", want, j, sc, m)
			}
		}
	}
}

// unpackScalesQ3K agrees with the per-scale reading of quantize_row_q3_K_ref: low nibble
// from byte j (j < 8) or high nibble of byte j-8, top 2 bits from byte 8+j%4 at 2*(j/4).
func TestUnpackScalesQ3K(t *testing.T) {
	r := kqRand(12)
	for n := 0; n < 20000; n++ {
		var q [12]byte
		for i := range q {
			q[i] = byte(r.Uint32())
		}
		got := unpackScalesQ3K(&q)
		for j := 0; j < 16; j++ {
			lo := q[j%8] & 0xF
			if j >= 8 {
				lo = q[j-8] >> 4
			}
			want := lo | (q[8+j%4]>>(2*(j/4))&3)<<4
			if got[j] != want {
				t.Fatalf("% x, scale %d: %d, want %d", q, j, got[j], want)
			}
		}
	}
}
