// Package ops holds the numeric building blocks of the forward pass: RMSNorm, RoPE (normal
// and NeoX), softmax, SwiGLU, and matrix–vector / matrix–matrix products over quantized
// weights. Each follows the arithmetic of llama.cpp's CPU backend (ggml-cpu) closely enough
// to reproduce its logits: activations are converted to the weight type's vec_dot_type
// before the dot products, sums of squares are kept in float64 as ggml does.
package ops
