package apptest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"hearth/internal/limits"
	"hearth/internal/webtest"
)

// TestOneSourceOfLimits (issue 17 item 12, issue 15): the settings panel's ranges and
// defaults, the JS API's (checked by the worker) and the preflight's memory limit are
// internal/limits' numbers, emitted by web/build; a request outside a range is refused by
// the JS API in internal/limits' words, every bad field at once.
func TestOneSourceOfLimits(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, o := range limits.Options {
		var field struct {
			Present             bool
			Min, Max, Step, Val string
		}
		p.Eval(fmt.Sprintf(`(() => { const el = document.getElementById("set-%s");
			return el ? { present: true, min: el.min, max: el.max, step: el.step, val: el.value } : { present: false } })()`, o.Key), &field)
		if !field.Present {
			continue // not a setting of the panel (penalties, the window)
		}
		if field.Min != f(o.Min) || field.Max != f(o.Max) || field.Step != f(o.Step) {
			t.Errorf("%s field: min %s max %s step %s, want %v %v %v (internal/limits)", o.Key, field.Min, field.Max, field.Step, o.Min, o.Max, o.Step)
		}
		want := ""
		if !math.IsNaN(o.Default) {
			want = f(o.Default)
		}
		if field.Val != want {
			t.Errorf("%s default %q, want %q", o.Key, field.Val, want)
		}
	}

	// The preflight refuses a model over the engine's memory limit, by the same number.
	p.Eval(bundleModule(t, "models.js", "models")+`; window.models = models; true`, nil)
	var fits, over string
	p.Eval(fmt.Sprintf(`models.preflight({ name: "m", size: %d }).refuse`, limits.WasmMemory), &fits)
	p.Eval(fmt.Sprintf(`models.preflight({ name: "m", size: %d }).refuse`, limits.WasmMemory+1), &over)
	if fits != "" || !strings.Contains(over, "at most") {
		t.Errorf("preflight at the limit: %q; one byte over: %q", fits, over)
	}

	// The JS API: a bad request fails with every bad option named, in the Go table's words;
	// both ends of a range are accepted by the engine.
	topP, _ := limits.Lookup("topP")
	seed, _ := limits.Lookup("seed")
	rep, _ := limits.Lookup("repeatPenalty")
	var r struct{ Bad, Edge string }
	p.Eval(fmt.Sprintf(`(async () => {
		const engine = await Hearth.load("models/stories260K/manifest.json");
		let bad = "";
		try { await engine.completions.create({ prompt: "Once", max_tokens: 2, top_p: 0, seed: 1.5 }); }
		catch (e) { bad = e.message; }
		const edge = await engine.completions.create({ prompt: "Once", max_tokens: 1, top_p: %v, repeat_penalty: %v, seed: %v, temperature: %v });
		await engine.unload();
		return { bad, edge: edge.choices[0].finish_reason };
	})()`, topP.Min, rep.Max, seed.Max, 5), &r)
	for _, want := range []string{topP.Check("options.topP", 0).Error(), seed.Check("options.seed", 1.5).Error()} {
		if !strings.Contains(r.Bad, want) {
			t.Errorf("top_p 0 and seed 1.5: %q, want it to say %q", r.Bad, want)
		}
	}
	if r.Edge == "" {
		t.Errorf("a request at the ends of the ranges did not finish: %+v", r)
	}
	p.CheckClean()
}
