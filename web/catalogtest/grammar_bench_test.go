package catalogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"hearth/internal/webtest"
)

var grammarBench = flag.Bool("grammar.bench", false, "TestGrammarCostBrowser: measure what grammar masking costs per decode step in Chromium's engine worker (SmolLM2-135M-shaped Q8_0, 1 thread; ~5 minutes, run alone)")

var grammarRounds = flag.Int("grammar.rounds", 3, "TestGrammarCostBrowser: A/B rounds per response_format")

// profileSchema is the realistic object schema of the short runs: a form of a few fields
// (name's maxLength varies with the seed, so each round's first reply meets a schema the
// engine has not seen: its masks are built as it goes, cold; the second reply finds them
// in the engine's cache, warm).
const profileSchema = `{"type":"object","properties":{
	"name":{"type":"string","maxLength":%d},
	"age":{"type":"integer","minimum":0,"maximum":120},
	"email":{"type":"string","maxLength":60},
	"city":{"type":"string","maxLength":30},
	"tags":{"type":"array","items":{"type":"string","maxLength":16},"maxItems":5},
	"active":{"type":"boolean"}},
	"required":["name","age","city","active"],"additionalProperties":false}`

// longSchema is the long run's: a fixed number of small records, so the reply is ~2,000
// tokens and always ends well inside the 4,096-token context.
const longSchema = `{"type":"object","properties":{"records":{"type":"array","minItems":%d,"maxItems":%d,"items":{"type":"object","properties":{
	"id":{"type":"integer","minimum":0,"maximum":999},
	"name":{"type":"string","maxLength":12},
	"tags":{"type":"array","items":{"enum":["red","green","blue"]},"maxItems":3},
	"score":{"type":"integer","minimum":0,"maximum":100}},
	"required":["id","name","tags","score"],"additionalProperties":false}}},
	"required":["records"],"additionalProperties":false}`

var longRecords = flag.Int("grammar.records", 28, "TestGrammarCostBrowser: records in the long reply (~70 tokens each on random weights, most of them whitespace)")

// TestGrammarCostBrowser is issue 18's benchmark in Chromium (engine/grammar_bench_test.go is
// the Go/Node one): the cost of grammar masking per decode step inside the real engine
// worker, on a SmolLM2-135M-shaped Q8_0 file (49,152-token vocabulary) at 1 thread and
// temperature 1 (with the API's other defaults: top-k 40, top-p 0.95, min-p 0.05). The
// sampler tries its free pick first (one check) and masks the whole vocabulary when the
// grammar refuses it, which on random weights is most steps. Each round is grammar, plain,
// grammar with the same seed, the plain run decoding exactly as many tokens (ignore_eos)
// from the same prompt, so both cover the same positions; the cost is the grammar runs'
// ms/token over the plain run's. Then one ~2,000-token reply under a schema, streamed, and
// a plain run of the same length: per-token time in the first and the last quarter. It
// prints numbers and fails only when a reply does not parse or validate. Run alone
// (timings):
//
//	go test ./web/catalogtest -run GrammarCost -grammar.bench -v -timeout 30m
func TestGrammarCostBrowser(t *testing.T) {
	if !*grammarBench {
		t.Skip("a benchmark: go test ./web/catalogtest -run GrammarCost -grammar.bench -v -timeout 30m")
	}
	long := fmt.Sprintf(longSchema, *longRecords, *longRecords)
	longV := compileSchema(t, "long", long)

	start := time.Now()
	dir, _ := webtest.Site(t)
	id := addSynth(t, dir, "Q8_0")
	srv := webtest.StartServer(t, dir)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{Timeout: 30 * time.Minute})
	b.Do("open the page", chromedp.Navigate(srv.URL))
	b.WaitFor("the API", `window.Hearth`, time.Minute)
	var threads int
	b.Eval(fmt.Sprintf(`(async () => {
		window.bench = await Hearth.load("models/%s/manifest.json", { threads: 1, contextSize: 4096 });
		await bench.completions.create({ prompt: "Hello", max_tokens: 8, temperature: 1, seed: 1 }); // warm up
		await bench.completions.create({ prompt: "Hello", max_tokens: 8, temperature: 1, seed: 1, response_format: { type: "json_object" } });
		return bench.threads;
	})()`, id), &threads)
	t.Logf("engine loaded (%s)", time.Since(start).Round(time.Second))
	if threads != 1 {
		t.Fatalf("the engine runs %d threads, want 1", threads)
	}

	type stats struct {
		Generated int     `json:"generated_tokens"`
		DecodeS   float64 `json:"decode_s"`
		Stop      string  `json:"stop_reason"`
	}
	type round struct {
		Text string `json:"text"`
		G1   stats  `json:"g1"`
		P    stats  `json:"p"`
		G2   stats  `json:"g2"`
	}
	msPer := func(s stats) float64 { return s.DecodeS * 1000 / float64(s.Generated) }
	const prompt = "A JSON record of a person:"
	// json_object's reply is a free object: on random weights at temperature 1 it is either
	// "{}" at once or a first key that runs on and on, so it is cut at 256 tokens and checked
	// as the start of a JSON object; the schema's reply ends by itself and is checked whole.
	modes := []struct {
		name string
		rf   func(seed int) string
		max  int
	}{
		{"json_schema", func(seed int) string {
			return `{ type: "json_schema", json_schema: { name: "profile", strict: true, schema: ` + fmt.Sprintf(profileSchema, seed) + ` } }`
		}, 3000},
		{"json_object", func(int) string { return `{ type: "json_object" }` }, 256},
	}
	var plainMs []float64
	for _, m := range modes {
		var gMs, pMs, cost, cold, warm []float64
		var lens []int
		// a reply under 32 tokens ("{}") is checked but not timed: another seed is drawn
		for i := 0; len(cost) < *grammarRounds && i < 3**grammarRounds; i++ {
			var r round
			// grammar, plain over the same positions, the grammar again (same seed: the same
			// reply, warm): the plain run sits between the two, so a drift in the machine's
			// load shows in both
			seed := 40 + i
			b.Eval(fmt.Sprintf(`(async () => {
				const prompt = %q, rf = %s, seed = %d, max_tokens = %d;
				const g1 = await bench.completions.create({ prompt, temperature: 1, seed, max_tokens, response_format: rf });
				const p = await bench.completions.create({ prompt, temperature: 1, seed, max_tokens: g1.hearth.generated_tokens, ignore_eos: true });
				const g2 = await bench.completions.create({ prompt, temperature: 1, seed, max_tokens, response_format: rf });
				return { text: g1.choices[0].text, g1: g1.hearth, p: p.hearth, g2: g2.hearth };
			})()`, prompt, m.rf(seed), seed, m.max), &r)
			switch {
			case r.G1.Stop == "length" && m.name == "json_object":
				checkPrefix(t, m.name, r.Text)
			case r.G1.Stop != "grammar" && r.G1.Stop != "eog":
				t.Fatalf("%s round %d: the reply stopped by %q after %d tokens: %q", m.name, i, r.G1.Stop, r.G1.Generated, r.Text)
			default:
				var v *jsonschema.Schema
				if m.name == "json_schema" {
					v = compileSchema(t, "profile", fmt.Sprintf(profileSchema, seed))
				}
				checkJSON(t, m.name, r.Text, v)
			}
			if r.P.Generated != r.G1.Generated {
				t.Fatalf("%s round %d: the plain run decoded %d tokens, the grammar run %d", m.name, i, r.P.Generated, r.G1.Generated)
			}
			if r.G1.Generated < 32 || r.G2.Generated < 32 {
				t.Logf("%s seed %d: %d tokens, too short to time", m.name, seed, r.G1.Generated)
				continue
			}
			g := (msPer(r.G1) + msPer(r.G2)) / 2
			p := msPer(r.P)
			gMs, pMs, lens = append(gMs, g), append(pMs, p), append(lens, r.G1.Generated)
			cost = append(cost, 100*(g/p-1))
			cold, warm = append(cold, 100*(msPer(r.G1)/p-1)), append(warm, 100*(msPer(r.G2)/p-1))
			// (the second grammar run's reply can differ a little: its prompt comes from the
			// cache, so its first logits are computed another way)
			t.Logf("%s seed %d (%s): %d tokens (%d the second time), plain %.2f ms/token, grammar %.2f then %.2f ms/token: masking %+.1f%% of a decode step (%+.1f%%, %+.1f%%)",
				m.name, seed, time.Since(start).Round(time.Second), r.G1.Generated, r.G2.Generated, p, msPer(r.G1), msPer(r.G2), 100*(g/p-1), cold[len(cold)-1], warm[len(warm)-1])
		}
		plainMs = append(plainMs, pMs...)
		if len(cost) == 0 {
			t.Fatalf("%s: no reply long enough to time", m.name)
		}
		first := "first reply"
		if m.name == "json_schema" {
			first = "first reply, cold"
		}
		t.Logf("%s: median of %d rounds (%v tokens): plain %.2f ms/token, grammar %.2f ms/token, masking %+.1f%% of a decode step (min %+.1f%%, max %+.1f%%; %s %+.1f%%, second %+.1f%%)",
			m.name, len(cost), lens, median(pMs), median(gMs), median(cost), slices.Min(cost), slices.Max(cost), first, median(cold), median(warm))
	}
	t.Logf("no grammar: median %.2f ms/token (%.1f tok/s) over all plain runs", median(plainMs), 1000/median(plainMs))

	// the long reply, streamed: chunk arrival times in the page (one chunk a token but for
	// the rare token that ends inside a UTF-8 character)
	type stream struct {
		Text   string    `json:"text"`
		Times  []float64 `json:"times"`
		Stats  stats     `json:"stats"`
		PTimes []float64 `json:"ptimes"`
		PStats stats     `json:"pstats"`
	}
	var s stream
	b.Eval(fmt.Sprintf(`(async () => {
		const prompt = %q, rf = { type: "json_schema", json_schema: { name: "records", strict: true, schema: %s } };
		const run = async (req) => {
			const times = [];
			let text = "", stats = null;
			for await (const c of await bench.completions.create({ ...req, stream: true })) {
				if (c.choices[0].text) { times.push(performance.now()); text += c.choices[0].text; }
				if (c.hearth) stats = c.hearth;
			}
			return { text, times, stats };
		};
		const g = await run({ prompt, temperature: 1, seed: 7, max_tokens: 3900, response_format: rf });
		const p = await run({ prompt, temperature: 1, seed: 7, max_tokens: g.stats.generated_tokens, ignore_eos: true });
		return { text: g.text, times: g.times, stats: g.stats, ptimes: p.times, pstats: p.stats };
	})()`, prompt, long), &s)
	if s.Stats.Stop != "grammar" && s.Stats.Stop != "eog" {
		t.Fatalf("the long reply stopped by %q after %d tokens (raise the context or lower -grammar.records)", s.Stats.Stop, s.Stats.Generated)
	}
	checkJSON(t, "long", s.Text, longV)
	gq1, gq4 := quarters(s.Times)
	pq1, pq4 := quarters(s.PTimes)
	t.Logf("long reply (%s): %d tokens (%d chunks), %.2f ms/token (plain, same length: %.2f)", time.Since(start).Round(time.Second), s.Stats.Generated, len(s.Times), msPer(s.Stats), msPer(s.PStats))
	t.Logf("long reply, ms/token in the first and last quarter: grammar %.2f -> %.2f (x%.3f), plain %.2f -> %.2f (x%.3f); masking %.2f ms (%+.1f%%) -> %.2f ms (%+.1f%%)",
		gq1, gq4, gq4/gq1, pq1, pq4, pq4/pq1, gq1-pq1, 100*(gq1/pq1-1), gq4-pq4, 100*(gq4/pq4-1))
	b.Eval(`bench.unload().then(() => true)`, nil)
	b.CheckClean()
}

// compileSchema compiles a validator.
func compileSchema(t *testing.T, name, schema string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	url := "mem://" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	v, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkJSON fails unless text is one JSON object (valid against v when v is not nil).
func checkJSON(t *testing.T, what, text string, v *jsonschema.Schema) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(text)))
	if err != nil {
		t.Fatalf("%s: the reply does not parse: %v\n%s", what, err, text)
	}
	if _, ok := doc.(map[string]any); !ok {
		t.Fatalf("%s: the reply is not an object: %s", what, text)
	}
	if v != nil {
		if err := v.Validate(doc); err != nil {
			t.Fatalf("%s: the reply does not validate: %v\n%s", what, err, text)
		}
	}
	var x any
	if err := json.Unmarshal([]byte(text), &x); err != nil {
		t.Fatalf("%s: encoding/json does not parse the reply: %v", what, err)
	}
}

// checkPrefix fails unless text (a reply cut at max_tokens) is the start of a JSON object.
func checkPrefix(t *testing.T, what, text string) {
	t.Helper()
	if !strings.HasPrefix(strings.TrimLeft(text, " \t\n"), "{") {
		t.Fatalf("%s: the reply does not start an object: %q", what, text)
	}
	d := json.NewDecoder(strings.NewReader(text))
	depth := 0
	for i := 0; ; i++ {
		tok, err := d.Token()
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) { // the end, or cut inside a literal
			return
		}
		if err == nil && i > 0 && depth == 0 {
			err = errors.New("more after the object")
		}
		if err != nil {
			t.Fatalf("%s: the reply (cut at max_tokens) is not the start of a JSON object: %v\n%s", what, err, text)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// quarters is the time per chunk (ms) in the first and the last quarter of a stream's
// chunk arrival times.
func quarters(times []float64) (first, last float64) {
	n := len(times)
	if n < 8 {
		return 0, 0
	}
	q := n / 4
	first = (times[q] - times[0]) / float64(q)
	last = (times[n-1] - times[n-1-q]) / float64(q)
	return first, last
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
