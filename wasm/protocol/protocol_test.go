package protocol

import (
	"strings"
	"testing"

	"hearth/engine/sample"
)

func TestDecodeGenerate(t *testing.T) {
	var g Generate
	err := Decode([]byte(`{"id":7,"type":"generate","messages":[{"role":"user","content":"hi"}],
		"options":{"maxTokens":64,"temperature":0,"topK":5,"seed":12345678901,"stop":["\n\n"],"extra":1}}`), &g)
	if err != nil {
		t.Fatal(err)
	}
	if g.ID == nil || *g.ID != 7 || g.Type != "generate" {
		t.Fatalf("header %+v", g.Header)
	}
	msgs, err := g.Conversation()
	if err != nil || len(msgs) != 1 || msgs[0].Role != "user" || msgs[0].Content != "hi" {
		t.Fatalf("messages %+v %v", msgs, err)
	}
	o, err := g.Options.Engine()
	if err != nil {
		t.Fatal(err)
	}
	if o.MaxTokens != 64 || o.Sample.Temperature != 0 || o.Sample.TopK != 5 || o.Sample.Seed != 12345678901 || len(o.Stop) != 1 {
		t.Fatalf("options %+v", o)
	}
	// absent fields keep the defaults
	def := sample.DefaultOptions()
	if o.Sample.TopP != def.TopP || o.Sample.RepeatPenalty != def.RepeatPenalty {
		t.Fatalf("defaults lost: %+v", o.Sample)
	}
	var none Generate
	if err := Decode([]byte(`{"id":1,"type":"generate","messages":[{"role":"user","content":"x"}],"options":null}`), &none); err != nil {
		t.Fatal(err)
	}
	if o, err := none.Options.Engine(); err != nil || o.Sample != def {
		t.Fatalf("null options: %+v %v", o, err)
	}
}

// Every malformed field is an error that names it.
func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"id":1,"messages":"hi"}`, "messages must be an array"},
		{`{"id":1,"messages":[{"role":1}]}`, "messages.role must be a string"},
		{`{"id":1,"messages":[]}`, "messages is empty"},
		{`{"id":1,"messages":[{"content":"x"}]}`, "messages[0].role must be a non-empty string"},
		{`{"id":1,"messages":[{"role":"user"}],"options":{"temperature":"hot"}}`, "options.temperature must be a number"},
		{`{"id":1,"messages":[{"role":"user"}],"options":{"maxTokens":1.5}}`, "options.maxTokens must be a whole number"},
		{`{"id":1,"messages":[{"role":"user"}],"options":{"maxTokens":-1}}`, "options.maxTokens must be a whole number from 1 to 131072, not -1"},
		{`{"id":1,"messages":[{"role":"user"}],"options":{"topP":0,"seed":1.5}}`, "options.topP must be a number from 0.01 to 1, not 0\noptions.seed must be a whole number from 0 to 9007199254740991, not 1.5"},
		{`{"id":1,"messages":[{"role":"user"}],"options":{"seed":-3}}`, "options.seed must be a whole number"},
		{`{"id":1,"messages":[{"role":"user"}],"options":{"stop":"x"}}`, "options.stop must be an array"},
		{`{"id":1,"messages":[{"role":"user"}],"options":[]}`, "options must be an object"},
		{`[1,2]`, "must be an object"},
		{`{"id":"one"}`, "id must be a number"},
	} {
		var g Generate
		err := Decode([]byte(c.json), &g)
		if err == nil {
			_, err = g.Conversation()
		}
		if err == nil {
			_, err = g.Options.Engine()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to say %q", c.json, err, c.want)
		}
	}
}

func TestDecodeComplete(t *testing.T) {
	var c Complete
	if err := Decode([]byte(`{"id":2,"type":"complete","tokens":[1,403,407],"stopAtEOG":true}`), &c); err != nil {
		t.Fatal(err)
	}
	ids, err := c.TokenIDs()
	if err != nil || len(ids) != 3 || ids[1] != 403 || !c.StopAtEOG {
		t.Fatalf("%v %v %+v", ids, err, c)
	}
	for _, bad := range []string{`{"tokens":[1,-2]}`, `{"tokens":[1.5]}`, `{"tokens":[1e12]}`, `{}`} {
		var c Complete
		if err := Decode([]byte(bad), &c); err != nil {
			t.Fatal(err)
		}
		if _, err := c.TokenIDs(); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	var text Complete
	if err := Decode([]byte(`{"prompt":"Once upon"}`), &text); err != nil {
		t.Fatal(err)
	}
	if ids, err := text.TokenIDs(); ids != nil || err != nil {
		t.Fatalf("prompt text: %v %v", ids, err)
	}
}

func TestDecodeLogits(t *testing.T) {
	var l Logits
	if err := Decode([]byte(`{"id":4,"type":"logits","tokens":[1,2,3]}`), &l); err != nil {
		t.Fatal(err)
	}
	if ids, err := l.TokenIDs(); err != nil || len(ids) != 3 {
		t.Fatalf("%v %v", ids, err)
	}
	for _, bad := range []string{`{}`, `{"tokens":[]}`, `{"tokens":[0.5]}`} {
		var l Logits
		if err := Decode([]byte(bad), &l); err != nil {
			t.Fatal(err)
		}
		if _, err := l.TokenIDs(); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestDecodeLoad(t *testing.T) {
	var l Load
	if err := Decode([]byte(`{"id":3,"type":"load","size":1185376,"contextSize":512}`), &l); err != nil {
		t.Fatal(err)
	}
	if size, ctx, err := l.Sizes(); err != nil || size != 1185376 || ctx != 512 {
		t.Fatalf("%d %d %v", size, ctx, err)
	}
	for _, bad := range []string{`{}`, `{"size":0}`, `{"size":1.5}`, `{"size":10,"contextSize":-1}`, `{"size":10,"contextSize":99999999}`} {
		var l Load
		if err := Decode([]byte(bad), &l); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Sizes(); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// FuzzDecode: any bytes decode to an error or to values whose checks do not panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"id":1,"messages":[{"role":"user","content":"hi"}],"options":{"maxTokens":3}}`))
	f.Add([]byte(`{"tokens":[1,2],"size":5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var g Generate
		if Decode(b, &g) == nil {
			g.Conversation()
			g.Options.Engine()
		}
		var c Complete
		if Decode(b, &c) == nil {
			c.TokenIDs()
		}
		var l Load
		if Decode(b, &l) == nil {
			l.Sizes()
		}
	})
}
