package quant

import (
	"slices"
	"testing"
)

// TestTable32 checks the type table for the float and 32-element block types: the layouts
// spelled out from their fields, the activation pairing of llama.cpp's type_traits_cpu,
// and that the kernels are registered.
func TestTable32(t *testing.T) {
	const half = 2 // bytes of an fp16 field
	cases := []struct {
		t          Type
		blockBytes int  // from the block's fields
		act        Type // llama.cpp's vec_dot_type
		weight     bool // has a VecDot
		quantize   bool
	}{
		{F32, 4, F32, true, true},
		{F16, half, F16, true, true},
		{BF16, half, BF16, true, true},
		{Q4_0, half + 32*4/8, Q8_0, true, true},
		{Q4_1, 2*half + 32*4/8, Q8_1, true, true},
		{Q5_0, half + 32/8 + 32*4/8, Q8_0, true, true},
		{Q5_1, 2*half + 32/8 + 32*4/8, Q8_1, true, true},
		{Q8_0, half + 32, Q8_0, true, true},
		{Q8_1, 2*half + 32, Q8_1, false, true},
		{IQ4_NL, half + 32*4/8, Q8_0, true, true},
	}
	for _, c := range cases {
		tr, ok := c.t.Traits()
		if !ok {
			t.Fatalf("%s missing from the table", c.t)
		}
		wantSize := 32
		if c.t == F32 || c.t == F16 || c.t == BF16 {
			wantSize = 1
		}
		if tr.BlockSize != wantSize || tr.BlockBytes != c.blockBytes {
			t.Errorf("%s: %d elements in %d bytes, want %d in %d", c.t, tr.BlockSize, tr.BlockBytes, wantSize, c.blockBytes)
		}
		if tr.VecDotType != c.act {
			t.Errorf("%s: activation type %s, want %s", c.t, tr.VecDotType, c.act)
		}
		if tr.Dequantize == nil {
			t.Errorf("%s has no Dequantize", c.t)
		}
		if (tr.VecDot != nil) != c.weight {
			t.Errorf("%s: VecDot registered %v, want %v", c.t, tr.VecDot != nil, c.weight)
		}
		if (tr.Quantize != nil) != c.quantize {
			t.Errorf("%s: Quantize registered %v, want %v", c.t, tr.Quantize != nil, c.quantize)
		}
		if c.weight {
			at, ok := tr.VecDotType.Traits()
			if !ok || at.Quantize == nil || at.Dequantize == nil {
				t.Errorf("%s: activation type %s cannot be quantized and dequantized", c.t, tr.VecDotType)
			} else if at.BlockSize != tr.BlockSize {
				t.Errorf("%s: activation blocks of %d, weight blocks of %d", c.t, at.BlockSize, tr.BlockSize)
			}
			if !slices.Contains(Supported(), c.t) {
				t.Errorf("%s not in Supported() = %v", c.t, Supported())
			}
		}
		// A 4096-element row: 4096/BlockSize blocks.
		rb, err := RowBytes(c.t, 4096)
		if err != nil || rb != int64(4096/wantSize*c.blockBytes) {
			t.Errorf("RowBytes(%s, 4096) = %d, %v; want %d", c.t, rb, err, 4096/wantSize*c.blockBytes)
		}
	}
	// Bits per weight as GGML states them.
	for _, c := range []struct {
		t   Type
		bpw float64
	}{{Q4_0, 4.5}, {Q4_1, 5}, {Q5_0, 5.5}, {Q5_1, 6}, {Q8_0, 8.5}, {IQ4_NL, 4.5}, {F16, 16}} {
		tr, _ := c.t.Traits()
		if got := float64(tr.BlockBytes*8) / float64(tr.BlockSize); got != c.bpw {
			t.Errorf("%s: %v bits per weight, want %v", c.t, got, c.bpw)
		}
	}
	if _, err := RowBytes(Q4_0, 33); err == nil {
		t.Error("RowBytes(Q4_0, 33) accepted a partial block")
	}
}
