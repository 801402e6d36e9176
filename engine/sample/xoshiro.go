package sample

import "math/bits"

// xoshiro256** 1.0 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c):
// 256 bits of state, period 2^256-1, integer operations only, so the same seed gives the
// same stream on every platform. The state is filled from the seed by SplitMix64, as the
// authors recommend; SplitMix64's outputs never make the state all zero.
type xoshiro struct{ s [4]uint64 }

func newXoshiro(seed uint64) xoshiro {
	var x xoshiro
	x.seed(seed)
	return x
}

func (x *xoshiro) seed(seed uint64) {
	for i := range x.s {
		x.s[i] = splitmix64(&seed)
	}
}

// splitmix64 advances *state by the golden-ratio increment and returns its mix.
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// next returns the next 64 output bits.
func (x *xoshiro) next() uint64 {
	s := &x.s
	result := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return result
}

// float64 returns a uniform value in [0, 1): the top 53 bits of one output, times 2^-53.
func (x *xoshiro) float64() float64 {
	return float64(x.next()>>11) * (1.0 / (1 << 53))
}
