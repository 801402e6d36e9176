package quant

import (
	"testing"
)

// Tests common to the float and 32-element block kernels: the fast/reference cross-checks
// and the comparison of every VecDot with exact math.

func TestVecDot32CrossCheck(t *testing.T) {
	for _, k := range b32Kernels {
		t.Run(k.t.String(), func(t *testing.T) { b32CrossCheck(t, k) })
	}
}

func TestVecDot32ExactMath(t *testing.T) {
	for _, k := range b32Kernels {
		t.Run(k.t.String(), func(t *testing.T) {
			worst := b32CheckVecDot(t, k.t)
			t.Logf("%s: largest relative difference to float64 math %.2g", k.t, worst)
		})
	}
}
