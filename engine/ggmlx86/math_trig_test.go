package ggmlx86

import (
	"hearth/engine/ops"
	"math"
	"testing"
)

// Reference values for the ggml emulations below were produced on a Zen 4 machine (AVX-512,
// AVX512_BF16) with glibc 2.36 and GCC 12 (-O3 -march=native): glibc's sinf/cosf, a
// rotate_pairs loop written as ggml's, and _mm512_dpbf16_ps.

func bitsF32(u uint32) float32 { return math.Float32frombits(u) }

// TestSinCosfGlibc checks sinCosfGlibc against glibc's sinf/cosf bit for bit, including
// angles where glibc is not correctly rounded (2.9, 34, 0.48, 96, ...) and the large-argument
// reduction (|x| ≥ 120).
func TestSinCosfGlibc(t *testing.T) {
	cases := [][3]uint32{
		{0x4039999a, 0x3e74fdc1, 0xbf7890b7},
		{0x42080000, 0x3f0771f6, 0xbf593be7},
		{0x3ef5c290, 0x3eec6e52, 0x3f631219},
		{0x3f07ae15, 0x3f016aa2, 0x3f5ce0ec},
		{0x3f170a3e, 0x3f0e6dad, 0x3f54b887},
		{0x3f2e147b, 0x3f20f895, 0x3f470f01},
		{0x3f59999a, 0x3f4053ea, 0x3f28f4a8},
		{0x3dc28f5c, 0x3dc2447a, 0x3f7ed87e},
		{0x42c00000, 0x3f7bcc68, 0xbe38c2c3},
		{0xc039999a, 0xbe74fdc1, 0xbf7890b7},
		{0xc2c00000, 0xbf7bcc68, 0xbe38c2c3},
		{0x3727c5ac, 0x3727c5ac, 0x3f800000},
		{0x3f490fdb, 0x3f3504f3, 0x3f3504f3},
		{0x42effae1, 0x3f128b58, 0x3f51e814},
		{0x42f10000, 0x3f665e1a, 0x3edf4f36},
		{0x447a1000, 0x3f70b812, 0x3eae3eca},
		{0x457ff000, 0xbf7f7136, 0xbd871e6c},
		{0x47f1205a, 0xbf7fd9b9, 0xbd0bf8c5},
		{0xc59c4100, 0x3f760271, 0x3e8da33f},
		{0x40490fdb, 0xb3bbbd2e, 0xbf800000},
	}
	for _, c := range cases {
		x := bitsF32(c[0])
		s, co := sinCosfGlibc(x)
		if math.Float32bits(s) != c[1] || math.Float32bits(co) != c[2] {
			t.Errorf("sincosf(%v) = %v, %v; glibc %v, %v", x, s, co, bitsF32(c[1]), bitsF32(c[2]))
		}
	}
	// and within one ulp of the correctly rounded values over a sweep
	for i := -20000; i <= 20000; i++ {
		x := float32(i) * 0.0137
		s, c := sinCosfGlibc(x)
		ws, wc := float32(math.Sin(float64(x))), float32(math.Cos(float64(x)))
		if ulpDiff(s, ws) > 1 || ulpDiff(c, wc) > 1 {
			t.Fatalf("sincosf(%v) = %v, %v; want about %v, %v", x, s, c, ws, wc)
		}
	}
}

func ulpDiff(a, b float32) int64 {
	d := int64(int32(math.Float32bits(a))) - int64(int32(math.Float32bits(b)))
	if d < 0 {
		d = -d
	}
	return d
}

// TestRoPEApplyGGML checks RoPEApply against GCC's compilation of ggml's rotate_pairs on one
// head: normal rope over 10 dims (four fused pairs, one in the scalar epilogue), over 32, and
// NeoX over 16.
func TestRoPEApplyGGML(t *testing.T) {
	cases := []struct {
		neox              bool
		dims              int
		x, cos, sin, want []uint32
	}{
		{neox: false, dims: 10,
			x:    []uint32{0xbf1c9ce0, 0x3ee65514, 0x3f5a41c2, 0xbe236c4c, 0xbf4a267c, 0xbceec320, 0xbf0c6f62, 0xbf7974cb, 0x3f4aed2c, 0xbccee760},
			cos:  []uint32{0xbeae66e6, 0xbf5a0de1, 0xbf777f78, 0x3f0cd2d6, 0x3f79ca8d},
			sin:  []uint32{0xbf70b0cf, 0xbf061ee6, 0xbe82daf5, 0x3f55c960, 0xbe6027c7},
			want: []uint32{0x3f21a035, 0x3ed80945, 0xbf4f4f6f, 0xbe9f17fc, 0x3f41879c, 0x3e6b8387, 0x3f0311d5, 0xbf7e8076, 0x3f4496ea, 0xbe4aeb66},
		},
		{neox: false, dims: 32,
			x:    []uint32{0x3eb0a688, 0xbf75832c, 0x3f70ad26, 0xbf443b04, 0x3f7a270a, 0xbebc0a36, 0x3f0e638a, 0xbf2f261e, 0xbf731fa2, 0x3f0498f8, 0x3f57b1d8, 0x3f22f4fc, 0xbe3673a0, 0xbe9f1ac2, 0xbf1edf4a, 0xbeb98cce, 0xbf178c15, 0xbf46d457, 0x3f3a5ec4, 0xbf550418, 0xbf3090da, 0x3ed9d4d4, 0x3f0cb69a, 0x3e4bdd68, 0xbd0a64d0, 0xbf637ebd, 0x3f110de8, 0xbd258030, 0xbf69023c, 0xbe495dd8, 0x3e7862c8, 0x3f322a4e},
			cos:  []uint32{0xbec0e62b, 0xbf61c956, 0xbf440d58, 0xbf024b19, 0xbf31bdec, 0x3e426809, 0x3e91894e, 0xbf337432, 0x3f7e8674, 0xbf3652cb, 0xbe10730a, 0xbf0a9ab9, 0x3f5d6527, 0xbed9789e, 0x3e18cd11, 0x3f337470},
			sin:  []uint32{0x3f6d22d1, 0x3ef14ce6, 0xbf249e95, 0x3f5c5cce, 0x3f383d0e, 0x3f7b581b, 0x3f7570a4, 0xbf369244, 0x3ddb83d6, 0x3f33b4af, 0x3f7d70ac, 0x3f573b66, 0x3f0087ea, 0xbf67c27e, 0x3f7d2243, 0x3f369208},
			want: []uint32{0x3f4224e6, 0x3f2e50a8, 0xbeef946d, 0x3f8f3fed, 0xbf7c0871, 0xbeb1b651, 0x3e9c97de, 0x3f53b5e5, 0x3e92bf57, 0xbf85846d, 0xbeee1659, 0x3f72b593, 0x3e7d388d, 0xbe84b037, 0x3e34d0b8, 0x3f32565a, 0xbf015cd3, 0xbf55ed78, 0x3d86647c, 0x3f8d44cd, 0xbea5d6cc, 0xbf3e2a11, 0xbeee1215, 0x3eb56bbb, 0x3ed57a56, 0xbf49160b, 0xbe8df3af, 0xbefdda06, 0x3d7022e0, 0xbf6de975, 0xbea71064, 0x3f292d98},
		},
		{neox: true, dims: 16,
			x:    []uint32{0xbd8fbeb8, 0x3f792d40, 0x3eb7336c, 0xbea5d528, 0xbcf32860, 0xbf052f26, 0xbe15313c, 0x3f17c66e, 0xbe506d44, 0xbf5f647e, 0xbf69fb71, 0xbe8aa232, 0xbf1b8d48, 0xbf5c25f9, 0xbd40e550, 0xbeb8f7ac},
			cos:  []uint32{0x3f70e6a9, 0x3e8574a5, 0xbf3a5466, 0x3f517ac8, 0xbf596b56, 0x3f737587, 0x3f7fcf4e, 0xbf66d992},
			sin:  []uint32{0xbead3c7a, 0x3f77268b, 0x3f2f8c65, 0x3f13276b, 0xbf0725c4, 0x3e9e4966, 0x3d1ddefd, 0x3edd4ee8},
			want: []uint32{0xbe0a27b2, 0x3f8c4f4f, 0x3ebb8ea6, 0xbde0084d, 0xbe9754b4, 0xbe6a667b, 0xbe133908, 0xbec1c720, 0xbe2bd0c6, 0x3f3655ad, 0x3f691e24, 0xbed0c3d7, 0x3f081eeb, 0xbf7a89c1, 0xbd57c0e8, 0x3f150066},
		},
	}
	for _, c := range cases {
		style := ops.RoPENormal
		if c.neox {
			style = ops.RoPENeoX
		}
		r := ops.NewRoPE(style, c.dims, 10000, nil)
		x := make([]float32, c.dims)
		cs, sn := make([]float32, c.dims/2), make([]float32, c.dims/2)
		for i := range x {
			x[i] = bitsF32(c.x[i])
		}
		for i := range cs {
			cs[i], sn[i] = bitsF32(c.cos[i]), bitsF32(c.sin[i])
		}
		plain := append([]float32(nil), x...)
		r.Apply(plain, 1, c.dims, cs, sn)
		RoPEApply(r, x, 1, c.dims, cs, sn)
		same := true
		for i := range x {
			if math.Float32bits(x[i]) != c.want[i] {
				t.Errorf("neox=%v dims %d: element %d = %v, GCC %v", c.neox, c.dims, i, x[i], bitsF32(c.want[i]))
			}
			same = same && plain[i] == x[i]
		}
		if same {
			t.Logf("neox=%v dims %d: the plain rotation happens to round the same", c.neox, c.dims)
		}
	}
}

// TestDPBF16 checks the VDPBF16PS lane order (odd element first) on cases where the other
// order rounds differently: {w0, w1, a0, a1, acc, result}.
func TestDPBF16(t *testing.T) {
	cases := [][6]uint32{
		{0xc03a, 0xbfd9, 0xc02b, 0x4038, 0xc0779acb, 0xbf7a4b30},
		{0xc00b, 0xbf9e, 0x3fd7, 0x3f6d, 0xbf1f668b, 0xc0ad3b52},
		{0x3ffa, 0xbf3c, 0xbf95, 0xc002, 0xc00e3b41, 0xc0404541},
		{0x4020, 0xc001, 0xc01e, 0xc017, 0xc006eab2, 0xc0618eb2},
	}
	for _, c := range cases {
		w := []byte{byte(c[0]), byte(c[0] >> 8), byte(c[1]), byte(c[1] >> 8)}
		a := []byte{byte(c[2]), byte(c[2] >> 8), byte(c[3]), byte(c[3] >> 8)}
		if got := dpbf16(bitsF32(c[4]), w, a); math.Float32bits(got) != c[5] {
			t.Errorf("dpbf16 %x: got %v, want %v", c, got, bitsF32(c[5]))
		}
	}
}
