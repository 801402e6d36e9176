package chat

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"hearth/engine/chat/jinja"
)

// Python 3 repr() of each value (json.dumps prints floats with repr).
var pyReprCases = []struct {
	f    float64
	want string
}{
	{0.1, "0.1"},
	{0.3, "0.3"},
	{0.3333333333333333, "0.3333333333333333"},
	{0.0001, "0.0001"},
	{9.999e-05, "9.999e-05"},
	{1e-05, "1e-05"},
	{123.456, "123.456"},
	{1e+16, "1e+16"},
	{9999999999999998.0, "9999999999999998.0"},
	{1e+17, "1e+17"},
	{5e-324, "5e-324"},
	{1.7976931348623157e+308, "1.7976931348623157e+308"},
	{9007199254740992, "9007199254740992.0"},
	{9.223372036854776e+18, "9.223372036854776e+18"},
	{-1.5e-07, "-1.5e-07"},
	{100.0, "100.0"},
	{1e+22, "1e+22"},
	{0.5, "0.5"},
	{1.2345678901234567e+19, "1.2345678901234567e+19"},
	{-0.0, "-0.0"},
	{0, "0.0"},
	{1e-10, "1e-10"},
	{0.30000000000000004, "0.30000000000000004"},
	{1234567.0, "1234567.0"},
	{1000000000000000.2, "1000000000000000.2"},
}

func TestPyFloatRepr(t *testing.T) {
	for _, c := range pyReprCases {
		f := c.f
		if c.want == "-0.0" {
			f = math.Copysign(0, -1)
		}
		if got := pyFloatJSON(f); got != c.want {
			t.Errorf("%v: got %s, want %s", c.f, got, c.want)
		}
	}
	for f, want := range map[float64]string{math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity"} {
		if got := pyFloatJSON(f); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

// TestPyFloatReprRoundTrip checks on random bit patterns that the repr parses back to the same
// float, and that integral values below 1e16 print positionally with ".0", as Python's do.
func TestPyFloatReprRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := pyFloatRepr(f)
		if back, err := strconv.ParseFloat(s, 64); err != nil || back != f {
			t.Fatalf("%x: repr %s parses back as %v, %v", math.Float64bits(f), s, back, err)
		}
		n := float64(r.Int64N(1e16))
		if got, want := pyFloatRepr(n), strconv.FormatInt(int64(n), 10)+".0"; got != want {
			t.Fatalf("%v: got %s, want %s", n, got, want)
		}
	}
}

func TestTojsonErrors(t *testing.T) {
	d := jinja.NewDict()
	for _, c := range []struct {
		args   []jinja.Value
		kwargs map[string]jinja.Value
	}{
		{nil, nil},
		{[]jinja.Value{d}, map[string]jinja.Value{"indent": jinja.NewList(nil)}},
		{[]jinja.Value{d}, map[string]jinja.Value{"separators": jinja.NewString(",")}},
		{[]jinja.Value{d}, map[string]jinja.Value{"bogus": jinja.NewInt(1)}},
		{[]jinja.Value{d, jinja.NewBool(false), jinja.None(), jinja.None(), jinja.NewBool(false), jinja.NewInt(1)}, nil},
		{[]jinja.Value{d, jinja.NewBool(false)}, map[string]jinja.Value{"ensure_ascii": jinja.NewBool(true)}},
		{[]jinja.Value{jinja.NewCallable("f", nil)}, nil},
	} {
		if _, err := jinja.NewBudgetCallable("tojson", tojsonCall).AsCallable().Fn(c.args, c.kwargs); err == nil {
			t.Errorf("tojson(%v, %v): no error", c.args, c.kwargs)
		}
	}
}
