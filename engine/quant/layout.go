package quant

// Block layouts for code outside this package that decodes blocks itself (engine/ggmlx86,
// the emulation of llama.cpp's x86 kernels): byte offsets of the fields inside one block
// of each k-quant type, and the decoders of their packed scales. The formats are ggml's
// (ggml-common.h); the unexported names are the ones this package's kernels use.
const (
	OffQ2_KQs, OffQ2_KD, OffQ2_KDmin   = offQ2_KQs, offQ2_KD, offQ2_KDmin
	OffQ3_KQs, OffQ3_KScales, OffQ3_KD = offQ3_KQs, offQ3_KScales, offQ3_KD
	OffQ4_KScales, OffQ4_KQs           = offQ4_KScales, offQ4_KQs
	OffQ5_KQh, OffQ5_KQs               = offQ5_KQh, offQ5_KQs
	OffQ6_KQh, OffQ6_KScales, OffQ6_KD = offQ6_KQh, offQ6_KScales, offQ6_KD
	BlockQ8_K, OffQ8_KQs, OffQ8_KBsums = blockQ8_K, offQ8_KQs, offQ8_KBsums
)

// ScaleMinK4 is the 6-bit scale and minimum of sub-block j of a Q4_K/Q5_K block, from its
// 12 packed scale bytes q.
func ScaleMinK4(j int, q []byte) (sc, m uint8) { return getScaleMinK4(j, q) }

// ScalesQ3K unpacks the sixteen 6-bit scales of a Q3_K block (still offset by 32).
func ScalesQ3K(q *[12]byte) [16]uint8 { return unpackScalesQ3K(q) }

// IQ4NLValues is IQ4_NL's non-linear code book: nibble i stands for IQ4NLValues[i].
var IQ4NLValues = kvaluesIQ4NL
