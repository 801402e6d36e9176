package limits

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"hearth/engine/sample"
)

// set applies v to the sample option named name; false for options outside sampling.
func set(o *sample.Options, name string, v float64) bool {
	switch name {
	case "temperature":
		o.Temperature = float32(v)
	case "topP":
		o.TopP = float32(v)
	case "topK":
		o.TopK = int(v)
	case "minP":
		o.MinP = float32(v)
	case "repeatPenalty":
		o.RepeatPenalty = float32(v)
	case "presencePenalty":
		o.PresencePenalty = float32(v)
	case "frequencyPenalty":
		o.FrequencyPenalty = float32(v)
	case "penaltyWindow":
		o.PenaltyWindow = int(v)
	case "seed":
		o.Seed = uint64(v)
	default:
		return false
	}
	return true
}

// TestRangesInsideEngine: both ends of every range, and every default, are values the
// engine accepts; the defaults are sample.DefaultOptions'.
func TestRangesInsideEngine(t *testing.T) {
	d := sample.DefaultOptions()
	for _, o := range Options {
		if o.Min > o.Max || o.Step <= 0 || o.Label == "" || o.Key == "" {
			t.Errorf("%s: malformed %+v", o.Name, o)
		}
		for _, v := range []float64{o.Min, o.Max, o.Default} {
			if math.IsNaN(v) {
				continue
			}
			if err := o.Check("x", v); err != nil {
				t.Errorf("%s: %v (its own bound or default)", o.Name, err)
			}
			s := sample.DefaultOptions()
			if set(&s, o.Name, v) {
				if err := s.Validate(); err != nil {
					t.Errorf("%s = %v is in the range but the engine refuses it: %v", o.Name, v, err)
				}
			}
		}
		s := d
		if !math.IsNaN(o.Default) && set(&s, o.Name, o.Default) && s != d {
			t.Errorf("%s: default %v is not sample.DefaultOptions' (%+v)", o.Name, o.Default, d)
		}
	}
}

func TestCheck(t *testing.T) {
	top, _ := Lookup("topK")
	seed, _ := Lookup("seed")
	temp, _ := Lookup("temperature")
	for _, c := range []struct {
		o    Option
		v    float64
		want string
	}{
		{top, 40, ""},
		{top, 1.5, "options.topK must be a whole number from 0 to 1000, not 1.5"},
		{top, -1, "options.topK must be a whole number from 0 to 1000, not -1"},
		{seed, 1 << 53, "options.seed must be a whole number from 0 to 9007199254740991, not 9007199254740992"},
		{temp, math.NaN(), "options.temperature must be a number from 0 to 5, not NaN"},
		{temp, 5, ""},
	} {
		err := c.o.Check("options."+c.o.Name, c.v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s %v: %q, want %q", c.o.Name, c.v, got, c.want)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found an unknown option")
	}
}

func TestJS(t *testing.T) {
	js := string(JS())
	if !strings.Contains(js, "export const WASM_MEMORY = 3221225472;") || !strings.Contains(js, "export const DEFAULT_CONTEXT = 4096;") {
		t.Fatalf("limits module:\n%s", js)
	}
	i := strings.Index(js, "export const OPTIONS = ")
	var opts map[string]struct {
		Key     string   `json:"key"`
		Min     float64  `json:"min"`
		Max     float64  `json:"max"`
		Default *float64 `json:"default"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimSpace(js[i+len("export const OPTIONS = "):]), ";")), &opts); err != nil {
		t.Fatal(err)
	}
	if o := opts["temperature"]; o.Default == nil || *o.Default != 0.8 {
		t.Errorf("temperature default in the module: %v, want 0.8 (no float32 noise)", o.Default)
	}
	if o := opts["topP"]; o.Key != "top_p" || o.Min != 0.01 || o.Max != 1 || o.Default == nil || *o.Default != 0.95 {
		t.Errorf("topP in the module: %+v", o)
	}
	if opts["seed"].Default != nil || len(opts) != len(Options) {
		t.Errorf("seed default %v, %d options", opts["seed"].Default, len(opts))
	}
}
