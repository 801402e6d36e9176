package sample

import "math"

// expDet returns e^x to within about one ulp, computed only with IEEE-exact operations
// (+, -, *, / each rounded once), so every platform gets the same bits. math.Exp cannot
// promise that: amd64 and arm64 have assembly versions (amd64's picks an FMA path at run
// time), and wasm runs the pure-Go one.
//
// Method (the classic fdlibm one): x = k·ln2 + r with |r| <= ln2/2, e^r from a degree-10
// minimax rational form, then scaled by 2^k. Results below 2^-1021 (x < -708) flush to 0:
// sampling only takes e^(l - max) <= 1, where such weights cannot matter.
func expDet(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01 // ln2 in its top 32 bits...
		ln2Lo = 1.90821492927058770002e-10 // ...and the rest
		log2e = 1.44269504088896338700e+00
		p1    = 1.66666666666666657415e-01
		p2    = -2.77777777770155933842e-03
		p3    = 6.61375632143793436117e-05
		p4    = -1.65339022054652515390e-06
		p5    = 4.13813679705723846039e-08
	)
	switch {
	case x != x:
		return x
	case x > 709.782712893384:
		return math.Inf(1)
	case x < -708:
		return 0
	}
	var k int
	if x < 0 {
		k = int(mul(log2e, x) - 0.5)
	} else {
		k = int(mul(log2e, x) + 0.5)
	}
	hi := x - mul(float64(k), ln2Hi)
	lo := mul(float64(k), ln2Lo)
	r := hi - lo
	t := mul(r, r)
	poly := p4 + mul(t, p5)
	poly = p3 + mul(t, poly)
	poly = p2 + mul(t, poly)
	poly = p1 + mul(t, poly)
	c := r - mul(t, poly)
	y := 1 - ((lo - mul(r, c)/(2-c)) - hi)
	// y·2^k; k is in [-1021, 1024], and 2^1024 does not exist as a float64.
	if k > 1023 {
		return mul(mul(y, pow2(k-1)), 2)
	}
	return mul(y, pow2(k))
}

// mul is a product rounded to float64 before any later use: the explicit conversion
// forbids the compiler from fusing it into a multiply-add (Go spec, "Floating-point
// operators"), which would change the last bit on some platforms only.
func mul(a, b float64) float64 { return float64(a * b) }

// pow2 returns 2^k for k in [-1022, 1023].
func pow2(k int) float64 { return math.Float64frombits(uint64(k+1023) << 52) }
