package sample

import (
	"math"
	"strings"
	"testing"
)

func TestDefaultOptions(t *testing.T) {
	o := DefaultOptions()
	if err := o.Validate(); err != nil {
		t.Fatalf("DefaultOptions do not validate: %v", err)
	}
	want := Options{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1, PenaltyWindow: 64}
	if o != want {
		t.Fatalf("DefaultOptions = %+v, want %+v", o, want)
	}
}

func TestValidate(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	ok := []func(*Options){
		func(o *Options) { o.Temperature = 0 },
		func(o *Options) { o.Temperature = -1 }, // greedy
		func(o *Options) { o.TopK = 0 },
		func(o *Options) { o.TopP = 1 },
		func(o *Options) { o.TopP = 1e-6 },
		func(o *Options) { o.MinP = 0 },
		func(o *Options) { o.MinP = 1 },
		func(o *Options) { o.RepeatPenalty = 0.5 },
		func(o *Options) { o.PresencePenalty, o.FrequencyPenalty = -2, -2 },
		func(o *Options) { o.PenaltyWindow = 0 },
		func(o *Options) { o.PenaltyWindow = MaxPenaltyWindow },
		func(o *Options) { o.Seed = math.MaxUint64 },
	}
	for i, f := range ok {
		o := DefaultOptions()
		f(&o)
		if err := o.Validate(); err != nil {
			t.Errorf("case %d (%+v): unexpected error %v", i, o, err)
		}
	}
	bad := []struct {
		f    func(*Options)
		want string
	}{
		{func(o *Options) { o.Temperature = nan }, "temperature NaN"},
		{func(o *Options) { o.Temperature = inf }, "temperature +Inf"},
		{func(o *Options) { o.TopK = -1 }, "top-k -1"},
		{func(o *Options) { o.TopP = 0 }, "top-p 0 is outside (0, 1]"},
		{func(o *Options) { o.TopP = 1.5 }, "top-p 1.5"},
		{func(o *Options) { o.TopP = nan }, "top-p NaN"},
		{func(o *Options) { o.MinP = -0.1 }, "min-p -0.1"},
		{func(o *Options) { o.MinP = 2 }, "min-p 2"},
		{func(o *Options) { o.RepeatPenalty = 0 }, "repeat penalty 0"},
		{func(o *Options) { o.RepeatPenalty = nan }, "repeat penalty NaN"},
		{func(o *Options) { o.PresencePenalty = inf }, "presence penalty +Inf"},
		{func(o *Options) { o.FrequencyPenalty = nan }, "frequency penalty NaN"},
		{func(o *Options) { o.PenaltyWindow = -1 }, "penalty window -1"},
		{func(o *Options) { o.PenaltyWindow = MaxPenaltyWindow + 1 }, "penalty window 1048577"},
	}
	for _, b := range bad {
		o := DefaultOptions()
		b.f(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", o, err, b.want)
		}
	}
	// The zero value is invalid (top-p 0), and every bad field is reported at once.
	err := Options{TopK: -3, MinP: 9}.Validate()
	for _, w := range []string{"top-k -3", "top-p 0", "min-p 9", "repeat penalty 0"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("zero-ish options: error %v, want it to mention %q", err, w)
		}
	}
}

// New replaces invalid fields by the values that turn their stage off.
func TestNewSanitizes(t *testing.T) {
	nan := float32(math.NaN())
	s := New(Options{Temperature: nan, TopK: -5, TopP: 0, MinP: nan, RepeatPenalty: -1,
		PresencePenalty: nan, FrequencyPenalty: float32(math.Inf(-1)), PenaltyWindow: -7, Seed: 9})
	want := Options{Temperature: 0, TopK: 0, TopP: 1, MinP: 0, RepeatPenalty: 1, PenaltyWindow: 0, Seed: 9}
	if got := s.Options(); got != want {
		t.Fatalf("sanitized = %+v, want %+v", got, want)
	}
	if err := s.Options().Validate(); err != nil {
		t.Fatalf("sanitized options do not validate: %v", err)
	}
	if got := s.Sample([]float32{1, 3, 2}); got != 1 {
		t.Fatalf("NaN temperature sampled %d, want greedy 1", got)
	}
	big := New(Options{TopP: 1, RepeatPenalty: 1, PenaltyWindow: 1 << 30})
	if big.Options().PenaltyWindow != MaxPenaltyWindow {
		t.Fatalf("window not capped: %d", big.Options().PenaltyWindow)
	}
	if valid := DefaultOptions(); New(valid).Options() != valid {
		t.Fatal("New changed valid options")
	}
}
