package quant

import "math"

// Scale searches of ggml's reference k-quant quantizers (ggml-quants.c: nearest_int,
// make_qx_quants, make_q3_quants, make_qkx2_quants). Every product that feeds a sum is
// wrapped in float32(...): Go may otherwise fuse it into an FMA (arm64, amd64 v3), which
// rounds once where ggml's C rounds twice.

// groupMaxEps is GROUP_MAX_EPS: a group whose largest magnitude is below it is all zero.
const groupMaxEps = 1e-15

// kNearestInt rounds f to the nearest integer, ties to even, as ggml's nearest_int does
// (adding 1.5*2^23 and reading the mantissa). Valid for |f| <= 4194303; other inputs,
// NaN included, give some integer rather than a panic.
func kNearestInt(f float32) int {
	v := f + 12582912
	return int(math.Float32bits(v)&0x007fffff) - 0x00400000
}

// makeQxQuants quantizes x (n values) to symmetric levels L[i] in 0..2*nmax-1 (meaning
// L-nmax) and returns the scale: x[i] ≈ scale * (L[i]-nmax). rmseType 0 takes the max-abs
// scale; otherwise the scale is refit by weighted least squares over 19 candidate inverse
// scales, with weights qw, or x² (rmseType 1), 1 (2), |x| (3), sqrt|x| (4) when qw is nil.
// A negative rmseType returns after the first fit (averaged with the max-abs scale).
func makeQxQuants(n, nmax int, x []float32, L []int8, rmseType int, qw []float32) float32 {
	x, L = x[:n], L[:n]
	var xmax, amax float32
	for _, v := range x {
		if ax := kAbs(v); ax > amax {
			amax, xmax = ax, v
		}
	}
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := -float32(nmax) / xmax
	if rmseType == 0 {
		for i, v := range x {
			l := kNearestInt(float32(iscale * v))
			L[i] = int8(nmax + max(-nmax, min(nmax-1, l)))
		}
		return 1 / iscale
	}
	returnEarly := false
	if rmseType < 0 {
		rmseType, returnEarly = -rmseType, true
	}
	weight := func(i int) float32 {
		switch {
		case qw != nil:
			return qw[i]
		case rmseType == 1:
			return float32(x[i] * x[i])
		case rmseType == 2:
			return 1
		case rmseType == 3:
			return kAbs(x[i])
		}
		return float32(math.Sqrt(float64(kAbs(x[i]))))
	}
	var sumlx, suml2 float32
	for i, v := range x {
		l := kNearestInt(float32(iscale * v))
		l = max(-nmax, min(nmax-1, l))
		L[i] = int8(l + nmax)
		w := weight(i)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	scale := float32(0)
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	if returnEarly {
		if suml2 > 0 {
			return 0.5 * (scale + 1/iscale)
		}
		return 1 / iscale
	}
	best := float32(scale * sumlx)
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + float32(0.1*float32(is))) / xmax
		sumlx, suml2 = 0, 0
		for i, v := range x {
			l := kNearestInt(float32(iscale * v))
			l = max(-nmax, min(nmax-1, l))
			w := weight(i)
			fl := float32(l)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i, v := range x {
				l := kNearestInt(float32(iscale * v))
				L[i] = int8(nmax + max(-nmax, min(nmax-1, l)))
			}
			scale = sumlx / suml2
			best = float32(scale * sumlx)
		}
	}
	return scale
}

// makeQ3Quants is make_q3_quants: symmetric levels L[i] in 0..2*nmax-1 with the max-abs
// scale, then (doRMSE) up to 5 rounds of moving single levels while the x²-weighted
// least-squares fit improves. Returns the scale.
func makeQ3Quants(n, nmax int, x []float32, L []int8, doRMSE bool) float32 {
	x, L = x[:n], L[:n]
	var xmax, amax float32
	for _, v := range x {
		if ax := kAbs(v); ax > amax {
			amax, xmax = ax, v
		}
	}
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := -float32(nmax) / xmax
	if !doRMSE {
		for i, v := range x {
			l := kNearestInt(float32(iscale * v))
			L[i] = int8(max(-nmax, min(nmax-1, l)) + nmax)
		}
		return 1 / iscale
	}
	var sumlx, suml2 float32
	for i, v := range x {
		l := kNearestInt(float32(iscale * v))
		l = max(-nmax, min(nmax-1, l))
		L[i] = int8(l)
		w := float32(v * v)
		fl := float32(l)
		sumlx += float32(float32(w*v) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w := float32(v * v)
			li := float32(L[i])
			slx := sumlx - float32(float32(w*v)*li)
			if slx > 0 {
				sl2 := suml2 - float32(float32(w*li)*li)
				newL := kNearestInt(float32(v*sl2) / slx)
				newL = max(-nmax, min(nmax-1, newL))
				if newL != int(L[i]) {
					fn := float32(newL)
					slx += float32(float32(w*v) * fn)
					sl2 += float32(float32(w*fn) * fn)
					if sl2 > 0 && float32(float32(slx*slx)*suml2) > float32(float32(sumlx*sumlx)*sl2) {
						L[i], sumlx, suml2 = int8(newL), slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range L {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// makeQkx2Quants is make_qkx2_quants: asymmetric levels L[i] in 0..nmax with
// x[i] ≈ scale*L[i] - theMin. It starts from the min/max fit, then tries nstep+1 inverse
// scales (rmin + rdelta*is + nmax)/(max-min), refitting scale and min by weighted least
// squares each time, and keeps the one with the least weighted error (absolute when
// useMAD, else squared). laux is scratch of n bytes. Returns scale and theMin (>= 0).
func makeQkx2Quants(n, nmax int, x, weights []float32, L, laux []uint8, rmin, rdelta float32, nstep int, useMAD bool) (scale, theMin float32) {
	x, weights, L, laux = x[:n], weights[:n], L[:n], laux[:n]
	xmin, xmax := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < n; i++ {
		if x[i] < xmin {
			xmin = x[i]
		}
		if x[i] > xmax {
			xmax = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if xmin > 0 {
		xmin = 0
	}
	if xmax == xmin {
		clear(L)
		return 0, -xmin
	}
	errOf := func(diff float32) float32 {
		if useMAD {
			return kAbs(diff)
		}
		return float32(diff * diff)
	}
	iscale := float32(nmax) / (xmax - xmin)
	scale = 1 / iscale
	var bestError float32
	for i, v := range x {
		l := kNearestInt(float32(iscale * (v - xmin)))
		L[i] = uint8(max(0, min(nmax, l)))
		diff := float32(scale*float32(L[i])) + xmin - v
		bestError += float32(weights[i] * errOf(diff))
	}
	if nstep < 1 {
		return scale, -xmin
	}
	for is := 0; is <= nstep; is++ {
		iscale = (rmin + float32(rdelta*float32(is)) + float32(nmax)) / (xmax - xmin)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := kNearestInt(float32(iscale * (v - xmin)))
			l = max(0, min(nmax, l))
			laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			sumL += float32(w * fl)
			sumL2 += float32(float32(w*fl) * fl)
			sumXL += float32(float32(w*fl) * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i, v := range x {
				diff := float32(thisScale*float32(laux[i])) + thisMin - v
				curError += float32(weights[i] * errOf(diff))
			}
			if curError < bestError {
				copy(L, laux)
				bestError, scale, xmin = curError, thisScale, thisMin
			}
		}
	}
	return scale, -xmin
}

// packScaleMinK4 stores 6-bit scale ls and min lm of sub-block j (0..7) into a Q4_K/Q5_K
// scales field, the inverse of getScaleMinK4. Sub-blocks must be stored in order 0..7
// into a zeroed field (4..7 add their top bits to bytes written for 0..3).
func packScaleMinK4(q []byte, j int, ls, lm uint8) {
	if j < 4 {
		q[j] = ls
		q[j+4] = lm
		return
	}
	q[j+4] = ls&0xF | (lm&0xF)<<4
	q[j-4] |= (ls >> 4) << 6
	q[j] |= (lm >> 4) << 6
}

// kAbs is fabsf.
func kAbs(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }
