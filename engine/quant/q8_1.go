package quant

// Q8_1 block (36 bytes): fp16 d, fp16 s = d * sum(q), then 32 int8 quants; x = d * q.
// Only an activation type: the one Q4_1 and Q5_1 weights are multiplied against, whose
// minimum m then costs one multiply per block (m * s) instead of 32.

func init() {
	traits[Q8_1].Dequantize = dequantizeQ8_1
	traits[Q8_1].Quantize = quantizeQ8_1
}

// dequantizeQ8_1: blocks (n/32,) -> x (n,), x = d * q (s is redundant).
func dequantizeQ8_1(src []byte, dst []float32) {
	for i := 0; i+qk32 <= len(dst); i += qk32 {
		b := (*[36]byte)(src[i/qk32*36:])
		d := f16At(b[0], b[1])
		y := (*[qk32]float32)(dst[i:])
		for j := range y {
			y[j] = float32(int8(b[4+j])) * d
		}
	}
}

// quantizeQ8_1 converts x (n,) to Q8_1 blocks (n/32,) as llama.cpp's x86 CPU backend does
// (quantize_row_q8_1 in ggml-cpu/arch/x86/quants.c): the quants as quantizeQ8_0 computes
// them (127/amax, round half to even), d = amax/127 and s = d * sum(q), both stored as
// fp16 (s from the float32 d, not the rounded fp16 one).
func quantizeQ8_1(src []float32, dst []byte) {
	for i := 0; i+qk32 <= len(src); i += qk32 {
		x := (*[qk32]float32)(src[i:])
		b := (*[36]byte)(dst[i/qk32*36:])
		amax, _ := absMax32(x[:])
		d := amax / 127
		putF16(b[0:2], d)
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		var sum int32
		for j, v := range x {
			// The sum is taken over the int32 conversions, before the packs saturate.
			q := cvtRoundEven(v * id)
			sum += q
			b[4+j] = byte(int8(satInt8(q)))
		}
		putF16(b[2:4], d*float32(sum))
	}
}
