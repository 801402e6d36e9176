package ops

// AttentionF16 describes one layer's causal grouped-query attention over an F16 KV cache
// for a batch of B tokens at positions Pos0..Pos0+B-1:
//
//	Q (B, NHead·HeadDim) F32, K, V (Pos0+B, NHeadKV·HeadDim) F16 -> Out (B, NHead·HeadDim)
//
// Query head h reads KV head h/(NHead/NHeadKV); token b sees the cached positions
// first..Pos0+b, first = max(0, Pos0+b+1-Window) when Window > 0 (a sliding-window layer),
// else 0. Per (token, head): scores K·q times Scale, softmax, then P·V.
type AttentionF16 struct {
	Q, Out                     []float32
	K, V                       []uint16
	B, NHead, NHeadKV, HeadDim int
	Pos0, Window               int
	Scale                      float32
}

// AttentionF16Hook computes a whole AttentionF16 in one call (the browser build: a kernel
// the worker splits across its threads by (token, head)). It returns false, having
// written nothing that matters, when it cannot take it, and the Go loop runs instead.
// Its results agree with the Go loop's to float rounding (the softmax sums in another
// order).
var AttentionF16Hook func(a *AttentionF16) bool
