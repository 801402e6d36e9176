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
}

// traits is the single type table. Each kernel file registers its entry in init.
var traits = map[Type]*Traits{}

func register(t Type, tr *Traits) { traits[t] = tr }

// Lookup returns the traits of t, or false when the type is unknown to Hearth.
func (t Type) Traits() (*Traits, bool) {
	tr, ok := traits[t]
	return tr, ok
}

var names = map[Type]string{
	F32: "F32", F16: "F16", Q4_0: "Q4_0", Q4_1: "Q4_1", Q5_0: "Q5_0", Q5_1: "Q5_1",
	Q8_0: "Q8_0", Q8_1: "Q8_1", Q2_K: "Q2_K", Q3_K: "Q3_K", Q4_K: "Q4_K", Q5_K: "Q5_K",
	Q6_K: "Q6_K", Q8_K: "Q8_K", IQ4_NL: "IQ4_NL", BF16: "BF16",
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
