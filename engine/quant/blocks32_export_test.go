package quant

// Unexported kernels the external tests (package quant_test) need.

// QuantizeQ8_0Ref is the Q8_0 weight quantizer (GGML's quantize_row_q8_0_ref).
var QuantizeQ8_0Ref = quantizeQ8_0Ref
