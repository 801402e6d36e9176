package quant

// Helpers shared by the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1,
// IQ4_NL). Every one of them starts with an fp16 scale d; their quants cover the block in
// two halves: byte j of a 16-byte nibble array holds element j (low nibble) and element
// j+16 (high nibble).
//
// The float arithmetic follows GGML's order of operations, and every product that an
// addition follows is wrapped in float32(…), which forbids Go to fuse the two into one
// multiply-add (it may on arm64, ppc64, s390x, riscv64): every platform computes the
// same bits.

// qk32 is the block size of the 32-element block types (GGML's QK4_0, QK8_0, …).
const qk32 = 32

// f16At reads the little-endian fp16 value at b[0:2] as float32.
func f16At(b0, b1 byte) float32 { return F16ToF32(uint16(b0) | uint16(b1)<<8) }

// putF16 stores f as a little-endian fp16 value (round to nearest even) at b[0:2].
func putF16(b []byte, f float32) {
	h := F32ToF16(f)
	b[0], b[1] = byte(h), byte(h>>8)
}

// absMax32 is the largest |v| of a block and the signed value that has it (the first one
// when several do): the pair GGML's symmetric quantizers start from. NaNs are skipped, as
// GGML's `amax < fabsf(v)` comparison skips them.
func absMax32(x []float32) (amax, max float32) {
	for _, v := range x {
		a := v
		if a < 0 {
			a = -a
		}
		if amax < a {
			amax, max = a, v
		}
	}
	return amax, max
}

// minMax32 is the smallest and largest value of a block, as GGML's Q4_1/Q5_1 quantizers
// compute them (starting from ±FLT_MAX; NaNs are skipped).
func minMax32(x []float32) (min, max float32) {
	min, max = maxFloat32, -maxFloat32
	for _, v := range x {
		if v < min {
			min = v
		}
		if v > max {
			max = v
		}
	}
	return min, max
}

const maxFloat32 = 3.40282346638528859811704183484516925440e+38

// truncInt is C's float-to-int conversion (toward zero) for the values GGML's reference
// quantizers convert, saturating instead of leaving NaN or huge values undefined.
func truncInt(f float32) int32 {
	switch {
	case f != f:
		return 0
	case f >= 2147483647:
		return 2147483647
	case f <= -2147483648:
		return -2147483648
	}
	return int32(f)
}
