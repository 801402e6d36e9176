// Package speedbench measures how fast this device multiplies by a quantization type's
// weights: the matrix–vector products of decoding (one token) and the several-token
// products of reading a prompt, on model-shaped random weights, through the same ops
// calls, kernels and threads the engine uses. The browser's engine worker runs it for the
// model picker's speed estimate (wasm/estimate.go, web/app/estimate.js), which turns
// elements per second into tokens per second from a model's parameter count.
//
// The weights are layers of SmolLM2-135M's shape (n_embd 576, 1536 FFN units, 192 K/V
// columns: the smallest catalog model, and the widths whose per-element speed is the
// lowest), with llama-quantize's fallbacks where a row is not a whole number of
// 256-element super-blocks (Q4_K→Q5_0, Q6_K→Q8_0, as in SmolLM2's Q4_K_M file), copied
// until they take more memory than a CPU cache holds, so each pass streams them from
// memory as a decode step streams a model. Chromium, one thread: Q4_0 at 768/2048 widths
// ran at ~0.6x its speed at 576/1536 (which made a SmolLM2 Q4_0 estimate half the
// measured decode); other widths were not measured, so a larger model's estimate assumes
// its rows go as fast as SmolLM2's.
package speedbench

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"hearth/engine/ops"
	"hearth/engine/quant"
)

// Layer shape of the benchmark.
const (
	nEmbd = 576
	nKV   = 192
	nFF   = 1536
	// workingSet is how many bytes of weights the decode pass cycles through at least: a
	// SmolLM2-135M file is 92-145 MB.
	workingSet = 96 << 20
	// prefillTokens is the tokens multiplied at once in the prefill pass.
	prefillTokens = 64
	// sampleRows is how many distinct random rows of each width are quantized; the
	// matrices repeat them (the kernels' speed does not depend on the values).
	sampleRows = 32
)

// mix is the weight types of a file type: most matrices, and V and FFN-down in the layers
// llama-quantize gives more bits (every other layer here).
type mix struct{ main, more quant.Type }

var mixes = map[string]mix{
	"F32":    {quant.F32, quant.F32},
	"F16":    {quant.F16, quant.F16},
	"Q8_0":   {quant.Q8_0, quant.Q8_0},
	"Q4_0":   {quant.Q4_0, quant.Q4_0},
	"Q4_1":   {quant.Q4_1, quant.Q4_1},
	"Q5_0":   {quant.Q5_0, quant.Q5_0},
	"Q5_1":   {quant.Q5_1, quant.Q5_1},
	"Q6_K":   {quant.Q6_K, quant.Q6_K},
	"Q4_K_S": {quant.Q4_K, quant.Q4_K},
	"Q4_K_M": {quant.Q4_K, quant.Q6_K},
	"Q5_K_S": {quant.Q5_K, quant.Q5_K},
	"Q5_K_M": {quant.Q5_K, quant.Q6_K},
}

// FileTypes lists the file types Run measures.
func FileTypes() []string {
	var out []string
	for k := range mixes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Result is one measurement. Rates are weight elements (parameters) multiplied per second:
// a model of P parameters in matrices decodes about DecodeRate/P tokens per second.
type Result struct {
	FileType       string  `json:"file_type"`
	DecodeRate     float64 `json:"decode_elements_per_second"`
	PrefillRate    float64 `json:"prefill_elements_per_second"` // elements × tokens
	BytesPerParam  float64 `json:"bytes_per_parameter"`
	WorkingSet     int     `json:"working_set_bytes"`
	DecodeSeconds  float64 `json:"decode_seconds"`
	PrefillSeconds float64 `json:"prefill_seconds"`
}

// layer is one transformer layer's matrices.
type layer struct{ q, k, v, o, gate, up, down *ops.Matrix }

func (l *layer) elements() int { return 2*nEmbd*nEmbd + 2*nEmbd*nKV + 3*nEmbd*nFF }

func (l *layer) bytes() int {
	n := 0
	for _, m := range []*ops.Matrix{l.q, l.k, l.v, l.o, l.gate, l.up, l.down} {
		n += len(m.Data)
	}
	return n
}

// Run measures fileType (a key of FileTypes) for about d: after a warm-up, half of it
// decoding and half reading a prompt. yield, when not nil, is called between layers (the worker lets its
// event loop run there).
func Run(fileType string, d time.Duration, yield func()) (Result, error) {
	mx, ok := mixes[strings.ToUpper(fileType)]
	if !ok {
		return Result{}, fmt.Errorf("no speed measurement for file type %q (known: %s)", fileType, strings.Join(FileTypes(), ", "))
	}
	if yield == nil {
		yield = func() {}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rows := map[string][]byte{} // type/width -> sampleRows quantized rows
	matrix := func(name string, t quant.Type, r, c int) (*ops.Matrix, error) {
		t = fallback(t, c)
		key := fmt.Sprintf("%s/%d", t, c)
		sample, ok := rows[key]
		if !ok {
			var err error
			if sample, err = randomRows(rng, t, sampleRows, c); err != nil {
				return nil, err
			}
			rows[key] = sample
		}
		data := make([]byte, len(sample)/sampleRows*r)
		for at := 0; at < len(data); at += copy(data[at:], sample) {
		}
		m, err := ops.NewMatrix(name, t, r, c, data)
		if err == nil {
			// the layout a model's rows take at load (the browser's Q8_0x2, Q4_0x2, Q5_0x2):
			// without it the measurement ran the file types' own kernels, and SmolLM2
			// Q4_K_M (mostly Q5_0 rows) was estimated at 0.64 of its measured decode
			m.UsePreferredLayout()
		}
		return m, err
	}
	var layers []*layer
	total := 0
	for i := 0; total < workingSet || len(layers) < 4; i++ {
		vt := mx.main
		if i%2 == 1 {
			vt = mx.more
		}
		l := &layer{}
		var err error
		for _, m := range []struct {
			dst        **ops.Matrix
			t          quant.Type
			rows, cols int
		}{{&l.q, mx.main, nEmbd, nEmbd}, {&l.k, mx.main, nKV, nEmbd}, {&l.v, vt, nKV, nEmbd}, {&l.o, mx.main, nEmbd, nEmbd},
			{&l.gate, mx.main, nFF, nEmbd}, {&l.up, mx.main, nFF, nEmbd}, {&l.down, vt, nEmbd, nFF}} {
			if *m.dst, err = matrix(fileType, m.t, m.rows, m.cols); err != nil {
				return Result{}, err
			}
		}
		layers = append(layers, l)
		total += l.bytes()
	}
	elems := layers[0].elements()
	res := Result{FileType: strings.ToUpper(fileType), WorkingSet: total, BytesPerParam: float64(total) / float64(elems*len(layers))}

	x := randomFloats(rng, nFF*prefillTokens)
	yq, yk, yv := make([]float32, nEmbd*prefillTokens), make([]float32, nKV*prefillTokens), make([]float32, nKV*prefillTokens)
	yg, yu, yo := make([]float32, nFF*prefillTokens), make([]float32, nFF*prefillTokens), make([]float32, nEmbd*prefillTokens)
	var bq, bk, bv, bg, bu, bo, bd ops.Acts

	// decode: one token through the layers, as llama.go multiplies them (Q/K/V and
	// gate/up as batches). Each pass is warmed up first for a tenth of d: a browser runs a
	// kernel's first calls in its baseline compiler until the optimized code is ready (in
	// Chromium the first 0.2 s of Q4_0 ran at a fifth of the speed), and a model's speed
	// is what it reaches after that.
	warm := d / 10
	half := (d - 2*warm) / 2
	decodeLayer := func(l *layer) {
		ops.Batch(func() {
			l.q.MulVec(x[:nEmbd], yq, &bq)
			l.k.MulVec(x[:nEmbd], yk, &bk)
			l.v.MulVec(x[:nEmbd], yv, &bv)
		})
		l.o.MulVec(x[:nEmbd], yo, &bo)
		ops.Batch(func() {
			l.gate.MulVec(x[:nEmbd], yg, &bg)
			l.up.MulVec(x[:nEmbd], yu, &bu)
		})
		l.down.MulVec(x[:nFF], yo, &bd)
	}
	next := 0
	for t0 := time.Now(); next == 0 || time.Since(t0) < warm; next++ {
		decodeLayer(layers[next%len(layers)])
		yield()
	}
	res.DecodeRate, res.DecodeSeconds = measure(half, func() int {
		decodeLayer(layers[next%len(layers)])
		next++
		yield()
		return elems
	})

	// prefill: prefillTokens tokens at a time, each input converted once (as mulSame does)
	acts := func(t quant.Type, cols int, buf *ops.Acts) *ops.Acts {
		a, err := ops.QuantizeActs(t, x[:cols*prefillTokens], prefillTokens, cols, buf)
		if err != nil {
			panic(err) // NewMatrix checked the activation type
		}
		return a
	}
	prefillLayer := func(l *layer) {
		a := acts(l.q.ActType(), nEmbd, &bq)
		av := a
		if l.v.ActType() != a.Type {
			av = acts(l.v.ActType(), nEmbd, &bv)
		}
		ops.Batch(func() {
			l.q.MulActs(a, yq)
			l.k.MulActs(a, yk)
			l.v.MulActs(av, yv)
		})
		l.o.MulActs(acts(l.o.ActType(), nEmbd, &bo), yo)
		a = acts(l.gate.ActType(), nEmbd, &bg)
		ops.Batch(func() {
			l.gate.MulActs(a, yg)
			l.up.MulActs(a, yu)
		})
		l.down.MulActs(acts(l.down.ActType(), nFF, &bd), yo)
	}
	for t0, i := time.Now(), 0; i == 0 || time.Since(t0) < warm; i++ {
		prefillLayer(layers[(next+i)%len(layers)])
		yield()
	}
	res.PrefillRate, res.PrefillSeconds = measure(half, func() int {
		prefillLayer(layers[next%len(layers)])
		next++
		yield()
		return elems * prefillTokens
	})
	return res, nil
}

// segments is how many parts a measurement is cut into; its rate is the fastest one's.
const segments = 6

// measure calls step (which returns the elements it multiplied) for about d and returns
// the rate of its fastest segment, in elements per second, and the seconds it took.
//
// The fastest, not the median: a segment's speed can only be lowered, by another program
// taking the CPU or by a kernel still running the browser's baseline code (V8 compiles a
// wasm function's optimized code in the background once it is hot, and on a loaded device
// that can come late in the measurement: an estimate at a sixth of the measured speed was
// seen in the test suite), never raised, so the fastest segment is the closest to the
// speed a model reaches.
func measure(d time.Duration, step func() int) (rate, seconds float64) {
	return measureWith(d, step, time.Now)
}

// measureWith is measure on the clock now.
func measureWith(d time.Duration, step func() int, now func() time.Time) (rate, seconds float64) {
	start := now()
	for i := 0; i < segments; i++ {
		n, t0 := 0, now()
		for n == 0 || now().Sub(t0) < d/segments {
			n += step()
		}
		rate = max(rate, float64(n)/now().Sub(t0).Seconds())
	}
	return rate, now().Sub(start).Seconds()
}

// fallback is the type llama-quantize stores a k-quant row of cols elements in when cols
// is not a whole number of super-blocks.
func fallback(t quant.Type, cols int) quant.Type {
	if cols%quant.QK_K == 0 {
		return t
	}
	switch t {
	case quant.Q4_K, quant.Q5_K:
		return quant.Q5_0
	case quant.Q6_K:
		return quant.Q8_0
	}
	return t
}

func randomFloats(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

// randomRows quantizes rows×cols values ~N(0, 0.1) to t.
func randomRows(rng *rand.Rand, t quant.Type, rows, cols int) ([]byte, error) {
	tr, ok := t.Traits()
	if !ok || tr.Quantize == nil {
		return nil, fmt.Errorf("no quantizer for %s", t)
	}
	rb, err := quant.RowBytes(t, int64(cols))
	if err != nil {
		return nil, err
	}
	out := make([]byte, int(rb)*rows)
	for r := 0; r < rows; r++ {
		row := randomFloats(rng, cols)
		for i := range row {
			row[i] *= 0.1
		}
		tr.Quantize(row, out[r*int(rb):(r+1)*int(rb)])
	}
	return out, nil
}
