package quant

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func TestQuantizeActivationsFloat(t *testing.T) {
	x := b32Gaussian(37, 1, b32Rand(1))
	b := QuantizeActivations(F32, x)
	if len(b) != 4*37 {
		t.Fatalf("F32: %d bytes, want %d", len(b), 4*37)
	}
	for i, v := range x {
		if binary.LittleEndian.Uint32(b[4*i:]) != math.Float32bits(v) {
			t.Fatalf("F32 element %d not stored as little-endian float32", i)
		}
	}
	h := QuantizeActivations(F16, x)
	g := QuantizeActivations(BF16, x)
	for i, v := range x {
		if binary.LittleEndian.Uint16(h[2*i:]) != F32ToF16(v) {
			t.Fatalf("F16 element %d: %#x, want %#x", i, binary.LittleEndian.Uint16(h[2*i:]), F32ToF16(v))
		}
		if binary.LittleEndian.Uint16(g[2*i:]) != F32ToBF16(v) {
			t.Fatalf("BF16 element %d: %#x, want %#x", i, binary.LittleEndian.Uint16(g[2*i:]), F32ToBF16(v))
		}
	}
}

func TestQuantizeActivationsInto(t *testing.T) {
	x := b32Gaussian(4096, 1, b32Rand(2))
	for _, at := range []Type{F32, F16, BF16, Q8_0, Q8_1, Q8_K} {
		tr, _ := at.Traits()
		if tr.Quantize == nil {
			t.Logf("%s has no quantizer registered yet: skipped", at)
			continue
		}
		want := QuantizeActivations(at, x)
		if rb, _ := RowBytes(at, 4096); int64(len(want)) != rb {
			t.Fatalf("%s: %d bytes, want RowBytes %d", at, len(want), rb)
		}
		dst := make([]byte, len(want)+3)
		dst[len(want)], dst[len(want)+1], dst[len(want)+2] = 0xAA, 0xBB, 0xCC
		QuantizeActivationsInto(at, x, dst)
		if string(dst[:len(want)]) != string(want) {
			t.Fatalf("%s: QuantizeActivationsInto differs from QuantizeActivations", at)
		}
		if dst[len(want)] != 0xAA || dst[len(want)+1] != 0xBB || dst[len(want)+2] != 0xCC {
			t.Fatalf("%s: QuantizeActivationsInto wrote past the row", at)
		}
		// Every activation type gives back the row to within its quantization step: at
		// most amax/127 of the block for the 8-bit types, 2^-8 relative (BF16) plus an
		// fp16 subnormal step for the float types.
		y := b32Decode(at, want, len(x))
		chunk := max(tr.BlockSize, 32)
		for b := 0; b < len(x); b += chunk {
			amax, _ := absMax32(x[b : b+chunk])
			for i := b; i < b+chunk; i++ {
				lim := float64(amax) / 127
				if tr.BlockSize == 1 {
					lim = math.Abs(float64(x[i]))/256 + 1.0/(1<<25)
				}
				if e := math.Abs(float64(x[i] - y[i])); e > lim {
					t.Fatalf("%s: element %d %v came back as %v", at, i, x[i], y[i])
				}
			}
		}
	}
}

func TestQuantizeActivationsMisuse(t *testing.T) {
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"unknown type", "no quantizer for type type(99)", func() { QuantizeActivations(99, make([]float32, 32)) }},
		{"not in the table", "no quantizer for type IQ2_XXS", func() { QuantizeActivations(16, make([]float32, 256)) }},
		{"partial block", "not a whole number", func() { QuantizeActivations(Q8_0, make([]float32, 33)) }},
		{"short dst", "need 34 bytes, dst has 33", func() { QuantizeActivationsInto(Q8_0, make([]float32, 32), make([]byte, 33)) }},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, c.want) {
					t.Errorf("%s: panic %v, want one saying %q", c.name, r, c.want)
				}
			}()
			c.f()
		}()
	}
}
