// Package quant holds GGML's tensor types: one table with each type's block layout, its
// dequantizer, the activation type it is multiplied against (llama.cpp's vec_dot_type) and
// the dot product of one weight row with one activation row of that type.
package quant

import "fmt"

// Type is a GGML tensor type, numbered as in ggml.h (and in GGUF files).
type Type uint32

const (
	F32    Type = 0
	F16    Type = 1
	Q4_0   Type = 2
	Q4_1   Type = 3
	Q5_0   Type = 6
	Q5_1   Type = 7
	Q8_0   Type = 8
	Q8_1   Type = 9
	Q2_K   Type = 10
	Q3_K   Type = 11
	Q4_K   Type = 12
	Q5_K   Type = 13
	Q6_K   Type = 14
	Q8_K   Type = 15
	IQ4_NL Type = 20
	BF16   Type = 30

	// Q5_0x2 is Hearth's SIMD layout of Q5_0 (q5_0x2.go), made at load: outside GGML's
	// numbering, and refused in files (Traits.Internal).
	Q5_0x2 Type = 1<<16 | Q5_0
	// Q8_0x2 and Q4_0x2: Q8_0 and Q4_0 two blocks to a unit, scales first (units.go).
	Q8_0x2 Type = 1<<16 | Q8_0
	Q4_0x2 Type = 1<<16 | Q4_0
)

// QK_K is the super-block size of the k-quants.
const QK_K = 256

// Traits describes one tensor type. A row of n elements (n a multiple of BlockSize) takes
// n/BlockSize*BlockBytes bytes.
type Traits struct {
	Name       string
	BlockSize  int // elements per block
	BlockBytes int // bytes per block
	// VecDotType is the type activations are converted to before the dot product
	// (llama.cpp's CPU type_traits vec_dot_type).
	VecDotType Type
	// Dequantize converts len(dst) elements (a multiple of BlockSize) from src.
	Dequantize func(src []byte, dst []float32)
	// Quantize converts len(src) elements (a multiple of BlockSize) into dst; nil when the
	// type can only be read. Activation types (Q8_0, Q8_1, Q8_K, F16, BF16, F32) have one.
	Quantize func(src []float32, dst []byte)
	// VecDot returns the dot product of n elements: a weight row w of this type and an
	// activation row a of type VecDotType. Nil for types that are only activation types.
	VecDot func(n int, w, a []byte) float32
	// Internal marks a layout Hearth makes from a file's type at load (Q5_0x2), never one
	// a file may declare.
	Internal bool
}

// traits is the single type table: the block layout of every type Hearth knows, and the
// activation type llama.cpp pairs it with. The kernel files fill in Dequantize, Quantize
// and VecDot in their init functions.
var traits = map[Type]*Traits{
	F32:  {Name: "F32", BlockSize: 1, BlockBytes: 4, VecDotType: F32},
	F16:  {Name: "F16", BlockSize: 1, BlockBytes: 2, VecDotType: F16},
	BF16: {Name: "BF16", BlockSize: 1, BlockBytes: 2, VecDotType: BF16},
	// Q4_0: fp16 d, 16 bytes of 4-bit quants; x = d * (q - 8). 4.5 bits per weight.
	Q4_0: {Name: "Q4_0", BlockSize: 32, BlockBytes: 2 + 16, VecDotType: Q8_0},
	// Q4_1: fp16 d, fp16 m, 16 bytes of 4-bit quants; x = d*q + m. 5 bits per weight.
	Q4_1: {Name: "Q4_1", BlockSize: 32, BlockBytes: 2 + 2 + 16, VecDotType: Q8_1},
	// Q5_0: fp16 d, 4 bytes of high bits, 16 bytes of low nibbles; x = d * (q - 16).
	Q5_0: {Name: "Q5_0", BlockSize: 32, BlockBytes: 2 + 4 + 16, VecDotType: Q8_0},
	// Q5_1: fp16 d, fp16 m, 4 bytes of high bits, 16 bytes of low nibbles; x = d*q + m.
	Q5_1: {Name: "Q5_1", BlockSize: 32, BlockBytes: 2 + 2 + 4 + 16, VecDotType: Q8_1},
	// Q8_0: fp16 d, 32 int8 quants; x = d * q. 8.5 bits per weight.
	Q8_0: {Name: "Q8_0", BlockSize: 32, BlockBytes: 2 + 32, VecDotType: Q8_0},
	// Q8_1: fp16 d, fp16 s = d * sum(q), 32 int8 quants (activation type of Q4_1/Q5_1).
	Q8_1: {Name: "Q8_1", BlockSize: 32, BlockBytes: 2 + 2 + 32, VecDotType: Q8_1},
	// Q2_K: 16 bytes of 4-bit scale/min pairs, 64 bytes of 2-bit quants, fp16 d, fp16 dmin.
	Q2_K: {Name: "Q2_K", BlockSize: QK_K, BlockBytes: 16 + 64 + 2 + 2, VecDotType: Q8_K},
	// Q3_K: 32 bytes high-bit mask, 64 bytes of 2-bit quants, 12 bytes of 6-bit scales, fp16 d.
	Q3_K: {Name: "Q3_K", BlockSize: QK_K, BlockBytes: 32 + 64 + 12 + 2, VecDotType: Q8_K},
	// Q4_K: fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins (8 sub-blocks of 32), 128 bytes of nibbles.
	Q4_K: {Name: "Q4_K", BlockSize: QK_K, BlockBytes: 2 + 2 + 12 + 128, VecDotType: Q8_K},
	// Q5_K: as Q4_K plus 32 bytes of fifth bits.
	Q5_K: {Name: "Q5_K", BlockSize: QK_K, BlockBytes: 2 + 2 + 12 + 32 + 128, VecDotType: Q8_K},
	// Q6_K: 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, fp16 d.
	Q6_K: {Name: "Q6_K", BlockSize: QK_K, BlockBytes: 128 + 64 + 16 + 2, VecDotType: Q8_K},
	// Q8_K: float32 d, 256 int8 quants, 16 int16 block sums (activation type of the k-quants).
	Q8_K: {Name: "Q8_K", BlockSize: QK_K, BlockBytes: 4 + 256 + 16*2, VecDotType: Q8_K},
	// IQ4_NL: fp16 d, 16 bytes of 4-bit indices into a fixed non-linear table.
	IQ4_NL: {Name: "IQ4_NL", BlockSize: 32, BlockBytes: 2 + 16, VecDotType: Q8_0},
	// Q5_0x2: two Q5_0 blocks, scales first, their fifth bits interleaved for SIMD (q5_0x2.go).
	Q5_0x2: {Name: "Q5_0x2", BlockSize: 64, BlockBytes: 2 * (2 + 4 + 16), VecDotType: Q8_0, Internal: true},
	// Q8_0x2, Q4_0x2: two blocks with both scales first (units.go).
	Q8_0x2: {Name: "Q8_0x2", BlockSize: 64, BlockBytes: 2 * (2 + 32), VecDotType: Q8_0, Internal: true},
	Q4_0x2: {Name: "Q4_0x2", BlockSize: 64, BlockBytes: 2 * (2 + 16), VecDotType: Q8_0, Internal: true},
}

// Traits returns the traits of t, or false when the type is unknown to Hearth.
func (t Type) Traits() (*Traits, bool) {
	tr, ok := traits[t]
	return tr, ok
}

var names = map[Type]string{
	F32: "F32", F16: "F16", Q4_0: "Q4_0", Q4_1: "Q4_1", Q5_0: "Q5_0", Q5_1: "Q5_1",
	Q8_0: "Q8_0", Q8_1: "Q8_1", Q2_K: "Q2_K", Q3_K: "Q3_K", Q4_K: "Q4_K", Q5_K: "Q5_K",
	Q6_K: "Q6_K", Q8_K: "Q8_K", IQ4_NL: "IQ4_NL", BF16: "BF16", Q5_0x2: "Q5_0x2",
	Q8_0x2: "Q8_0x2", Q4_0x2: "Q4_0x2",
	// Known to GGML but not supported by Hearth (named so errors can say what a file holds).
	16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 21: "IQ3_S", 22: "IQ2_S",
	23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M",
	34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
}

func (t Type) String() string {
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ParseType maps a name such as "Q4_K" back to its Type.
func ParseType(name string) (Type, bool) {
	for t, n := range names {
		if n == name {
			return t, true
		}
	}
	return 0, false
}

// RowBytes is the size in bytes of n elements of type t, or an error when t is unknown or
// n is not a whole number of blocks.
func RowBytes(t Type, n int64) (int64, error) {
	tr, ok := t.Traits()
	if !ok {
		return 0, fmt.Errorf("unsupported tensor type %s (supported: %s)", t, SupportedNames())
	}
	if n < 0 || n%int64(tr.BlockSize) != 0 {
		return 0, fmt.Errorf("%d elements of %s is not a whole number of %d-element blocks", n, t, tr.BlockSize)
	}
	return n / int64(tr.BlockSize) * int64(tr.BlockBytes), nil
}

// Supported lists the weight types Hearth can compute with, in table order.
func Supported() []Type {
	var out []Type
	for _, t := range []Type{F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL} {
		if tr, ok := t.Traits(); ok && tr.VecDot != nil {
			out = append(out, t)
		}
	}
	return out
}

// SupportedNames is Supported as a comma-separated list, for error messages.
func SupportedNames() string {
	s := ""
	for i, t := range Supported() {
		if i > 0 {
			s += ", "
		}
		s += t.String()
	}
	return s
}
