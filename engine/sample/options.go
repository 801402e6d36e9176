package sample

import (
	"errors"
	"fmt"
	"math"
)

// MaxPenaltyWindow bounds Options.PenaltyWindow; the window is a ring of int32 allocated
// up front, so this caps it at 4 MiB.
const MaxPenaltyWindow = 1 << 20

// Options configure a Sampler. Start from DefaultOptions: the zero value is not valid
// (its TopP of 0 would keep nothing).
type Options struct {
	Temperature float32 // <= 0: greedy (argmax); otherwise logits are divided by it
	TopK        int     // keep the K most likely tokens; 0 = off
	TopP        float32 // nucleus: keep the shortest prefix with probability >= TopP; in (0,1], 1 = off
	MinP        float32 // keep tokens with p >= MinP * p_max; in [0,1], 0 = off

	RepeatPenalty    float32 // > 0; divides positive / multiplies negative logits of seen tokens; 1 = off
	PresencePenalty  float32 // subtracted once from each seen token's logit; 0 = off
	FrequencyPenalty float32 // subtracted count times from each seen token's logit; 0 = off
	PenaltyWindow    int     // how many of the last accepted tokens count as seen; 0 = off

	Seed uint64 // seeds the generator; every value, 0 included, is an ordinary seed
}

// DefaultOptions are llama.cpp's chat defaults: temperature 0.8, top-k 40, top-p 0.95,
// min-p 0.05, penalties off over a window of 64 tokens, seed 0.
func DefaultOptions() Options {
	return Options{
		Temperature:   0.8,
		TopK:          40,
		TopP:          0.95,
		MinP:          0.05,
		RepeatPenalty: 1,
		PenaltyWindow: 64,
	}
}

// Validate reports every field outside its range, joined into one error.
func (o Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("sample: "+format, args...)) }
	if !finite(o.Temperature) {
		bad("temperature %v is not a finite number (use <= 0 for greedy)", o.Temperature)
	}
	if o.TopK < 0 {
		bad("top-k %d is negative (use 0 to turn it off)", o.TopK)
	}
	if !finite(o.TopP) || o.TopP <= 0 || o.TopP > 1 {
		bad("top-p %v is outside (0, 1] (use 1 to turn it off)", o.TopP)
	}
	if !finite(o.MinP) || o.MinP < 0 || o.MinP > 1 {
		bad("min-p %v is outside [0, 1] (use 0 to turn it off)", o.MinP)
	}
	if !finite(o.RepeatPenalty) || o.RepeatPenalty <= 0 {
		bad("repeat penalty %v is not a positive finite number (use 1 to turn it off)", o.RepeatPenalty)
	}
	if !finite(o.PresencePenalty) {
		bad("presence penalty %v is not a finite number", o.PresencePenalty)
	}
	if !finite(o.FrequencyPenalty) {
		bad("frequency penalty %v is not a finite number", o.FrequencyPenalty)
	}
	if o.PenaltyWindow < 0 || o.PenaltyWindow > MaxPenaltyWindow {
		bad("penalty window %d is outside [0, %d] (use 0 to turn penalties off)", o.PenaltyWindow, MaxPenaltyWindow)
	}
	return errors.Join(errs...)
}

// sanitized returns o with every field that fails Validate replaced by the value that
// turns its stage off (a non-finite temperature becomes greedy, an oversized window is
// capped), so that New never fails and never panics.
func (o Options) sanitized() Options {
	if !finite(o.Temperature) {
		o.Temperature = 0
	}
	if o.TopK < 0 {
		o.TopK = 0
	}
	if !finite(o.TopP) || o.TopP <= 0 || o.TopP > 1 {
		o.TopP = 1
	}
	if !finite(o.MinP) || o.MinP < 0 || o.MinP > 1 {
		o.MinP = 0
	}
	if !finite(o.RepeatPenalty) || o.RepeatPenalty <= 0 {
		o.RepeatPenalty = 1
	}
	if !finite(o.PresencePenalty) {
		o.PresencePenalty = 0
	}
	if !finite(o.FrequencyPenalty) {
		o.FrequencyPenalty = 0
	}
	if o.PenaltyWindow < 0 {
		o.PenaltyWindow = 0
	}
	if o.PenaltyWindow > MaxPenaltyWindow {
		o.PenaltyWindow = MaxPenaltyWindow
	}
	return o
}

func finite(f float32) bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}
