package ops

import "math"

// RoPEStyle says which elements of a head are rotated together.
type RoPEStyle int

const (
	// RoPENormal rotates adjacent pairs (x[2i], x[2i+1]) — llama.
	RoPENormal RoPEStyle = iota
	// RoPENeoX rotates halves (x[i], x[i+nDims/2]) — qwen2, qwen3.
	RoPENeoX
)

// RoPE holds the per-pair inverse frequencies of a rotary embedding.
type RoPE struct {
	Style RoPEStyle
	NDims int // rotated dimensions per head (≤ head size); the rest pass through
	// thetaScale = base^(-2/nDims); pair i's angle at position p is p*thetaScale^i / freqFactor[i].
	thetaScale  float32
	freqFactors []float32 // nil or NDims/2 divisors (rope_freqs.weight of Llama 3.x)
	// FreqScale multiplies every angle (linear rope scaling: 1/rope.scaling.factor, as
	// rope_yarn's freq_scale with ext_factor 0); NewRoPE sets 1.
	FreqScale float32
}

// ThetaScale is base^(-2/NDims), the factor between the angles of neighbouring pairs.
func (r *RoPE) ThetaScale() float32 { return r.thetaScale }

// FreqFactors are the per-pair frequency divisors, or nil.
func (r *RoPE) FreqFactors() []float32 { return r.freqFactors }

// NewRoPE prepares a rotary embedding of nDims dimensions with frequency base `base` and
// optional per-pair frequency divisors.
func NewRoPE(style RoPEStyle, nDims int, base float32, freqFactors []float32) *RoPE {
	return &RoPE{
		Style:       style,
		NDims:       nDims,
		thetaScale:  float32(math.Pow(float64(base), float64(float32(-2)/float32(nDims)))), // powf(base, -2.0f/n_dims)
		freqFactors: freqFactors,
		FreqScale:   1,
	}
}

// Angles fills cos and sin (NDims/2 each) for position pos. Like ggml_rope_cache_init the
// angle is built by repeated float32 multiplication, so long positions round as llama.cpp's do.
func (r *RoPE) Angles(pos int, cos, sin []float32) {
	theta := float32(pos)
	for i := 0; i < r.NDims/2; i++ {
		t := theta
		if r.freqFactors != nil {
			t /= r.freqFactors[i]
		}
		if r.FreqScale != 1 {
			t *= r.FreqScale
		}
		cos[i] = float32(math.Cos(float64(t)))
		sin[i] = float32(math.Sin(float64(t)))
		theta *= r.thetaScale
	}
}

// Apply rotates every head of x in place: x (nHeads*headSize,) at the position whose
// angles are cos, sin (NDims/2,).
func (r *RoPE) Apply(x []float32, nHeads, headSize int, cos, sin []float32) {
	if RopeHook != nil && RopeHook(r, x, nHeads, headSize, cos, sin) {
		return
	}
	defer GoCode()()
	half := r.NDims / 2
	for h := 0; h < nHeads; h++ {
		v := x[h*headSize : h*headSize+r.NDims]
		if r.Style == RoPENeoX {
			for i := 0; i < half; i++ {
				x0, x1 := v[i], v[i+half]
				v[i] = x0*cos[i] - x1*sin[i]
				v[i+half] = x0*sin[i] + x1*cos[i]
			}
			continue
		}
		for i := 0; i < half; i++ {
			x0, x1 := v[2*i], v[2*i+1]
			v[2*i] = x0*cos[i] - x1*sin[i]
			v[2*i+1] = x0*sin[i] + x1*cos[i]
		}
	}
}

// RopeHook is a fast Apply with the same results bit for bit (the browser build's SIMD
// kernel); it returns false, having written nothing, when it cannot take the rotation.
var RopeHook func(r *RoPE, x []float32, nHeads, headSize int, cos, sin []float32) bool

// ApplyTokens is Apply for tokens tokens at once: token t's heads at x[t·stride:], its
// angles at cos, sin [t·NDims/2:] (RopeTokensHook in one call where there is one).
// x (tokens, stride ≥ nHeads·headSize), cos, sin (tokens, NDims/2) -> x
func (r *RoPE) ApplyTokens(x []float32, tokens, stride, nHeads, headSize int, cos, sin []float32) {
	if RopeTokensHook != nil && RopeTokensHook(r, x, tokens, stride, nHeads, headSize, cos, sin) {
		return
	}
	half := r.NDims / 2
	for t := 0; t < tokens; t++ {
		r.Apply(x[t*stride:], nHeads, headSize, cos[t*half:(t+1)*half], sin[t*half:(t+1)*half])
	}
}

// RopeTokensHook is a fast ApplyTokens with the same results bit for bit (the browser
// build's SIMD kernel); it returns false, having written nothing, when it cannot take the
// rotation.
var RopeTokensHook func(r *RoPE, x []float32, tokens, stride, nHeads, headSize int, cos, sin []float32) bool
