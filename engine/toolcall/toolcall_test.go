package toolcall

import (
	"encoding/json"
	"strings"
	"testing"

	"hearth/engine/grammar"
)

var weather = []Tool{{Type: "function", Function: Function{Name: "get_weather", Description: "weather now",
	Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"unit":{"enum":["c","f"]}},"required":["city"]}`)}},
	{Type: "function", Function: Function{Name: "now"}}}

// Each format's canonical call text parses back to the same call, and is in the language
// of the format's forced-call grammar.
func TestFormatsRoundTrip(t *testing.T) {
	cases := []struct {
		f    Format
		text string
	}{
		{Hermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>"},
		{Llama3, `{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}`},
		{Mistral, `[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}, "id": "abcDEF123"}]`},
		{Granite, `<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}]`},
		{DeepSeekR1, dsCallsBegin + dsCallBegin + "function" + dsSep + "get_weather\n```json\n{\"city\": \"Paris\", \"unit\": \"c\"}\n```" + dsCallEnd + dsCallsEnd},
		{Generic, `{"tool_call": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}}`},
	}
	for _, c := range cases {
		content, calls := Parse(c.f, c.text)
		if content != "" || len(calls) != 1 || calls[0].Function.Name != "get_weather" || calls[0].Function.Arguments != `{"city":"Paris","unit":"c"}` || calls[0].Type != "function" || calls[0].ID == "" {
			t.Errorf("%v: content %q calls %+v", c.f, content, calls)
		}
		src, err := Grammar(c.f, weather, Choice{Mode: "required"}, true)
		if err != nil {
			t.Fatalf("%v: %v", c.f, err)
		}
		g, err := grammar.Parse(src)
		if err != nil {
			t.Fatalf("%v: %v\n%s", c.f, err, src)
		}
		m := grammar.Bind(g, grammar.NewVocab(nil, nil)).NewMatcher()
		if err := m.AcceptBytes([]byte(c.text)); err != nil || !m.CanEnd() {
			t.Errorf("%v: the grammar refuses its own call (%v):\n%s", c.f, err, src)
		}
		// a named choice allows only that function
		src, _ = Grammar(c.f, weather, Choice{Mode: "function", Name: "now"}, true)
		g, _ = grammar.Parse(src)
		m = grammar.Bind(g, grammar.NewVocab(nil, nil)).NewMatcher()
		if m.AcceptBytes([]byte(c.text)) == nil && m.CanEnd() {
			t.Errorf("%v: tool_choice now accepts a get_weather call", c.f)
		}
	}
}

func TestParseKeepsText(t *testing.T) {
	content, calls := Parse(Hermes, "Let me check.\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>")
	if content != "Let me check." || len(calls) != 2 || calls[1].Function.Arguments != `{"city":"Oslo"}` || calls[0].ID == calls[1].ID {
		t.Fatalf("%q %+v", content, calls)
	}
	for _, f := range []Format{Hermes, Llama3, Generic} {
		if content, calls := Parse(f, "It is sunny {not json"); content != "It is sunny {not json" || calls != nil {
			t.Errorf("%v: %q %+v", f, content, calls)
		}
	}
	if _, calls := Parse(Mistral, `[TOOL_CALLS][{"name": "now", "arguments": {}}]`); len(calls) != 1 || len(calls[0].ID) != 9 {
		t.Errorf("a Mistral call without an id gets 9 characters: %+v", calls)
	}
	if _, c2 := Parse(Llama3, `{"name": "now", "parameters": {}}`); len(c2) != 1 || !strings.HasPrefix(c2[0].ID, "call_") {
		t.Errorf("ids: %+v", c2)
	}
	if content, calls := Parse(Generic, `{"response": "Hello"}`); content != "Hello" || calls != nil {
		t.Errorf("generic response: %q %+v", content, calls)
	}
	if _, calls := Parse(Hermes, "<tool_call>\n{\"name\": \"now\", \"arguments\": {}}"); len(calls) != 1 {
		t.Errorf("an unclosed last call: %+v", calls)
	}
}

// Text before a call streams; the call's text never does.
func TestStreamHoldsCalls(t *testing.T) {
	text := "Sure, checking.\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>"
	s := NewStream(Hermes)
	var shown strings.Builder
	for i := 0; i < len(text); i += 3 {
		shown.WriteString(s.Push(text[i:min(i+3, len(text))]))
	}
	rest, calls := s.Finish()
	if strings.Contains(shown.String(), "<") || strings.TrimSpace(shown.String()+rest) != "Sure, checking." || len(calls) != 1 {
		t.Fatalf("shown %q rest %q calls %+v", shown.String(), rest, calls)
	}
	s = NewStream(Llama3)
	shown.Reset()
	for _, p := range []string{`{"name": "now", `, `"parameters": {}}`} {
		shown.WriteString(s.Push(p))
	}
	if rest, calls := s.Finish(); shown.Len() != 0 || rest != "" || len(calls) != 1 {
		t.Fatalf("llama3: shown %q rest %q calls %+v", shown.String(), rest, calls)
	}
	s = NewStream(Hermes)
	if got := s.Push("Hello <tool"); got != "Hello " {
		t.Fatalf("held %q", got)
	}
	if rest, calls := s.Finish(); rest != "<tool" || calls != nil {
		t.Fatalf("rest %q calls %+v", rest, calls)
	}
}

func TestChoice(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{``, "auto"}, {`"none"`, "none"}, {`"required"`, "required"},
		{`{"type":"function","function":{"name":"now"}}`, "function:now"},
		{`"sometimes"`, "error"}, {`{"type":"function","function":{"name":"nope"}}`, "error"},
	} {
		ch, err := ParseChoice([]byte(c.raw), weather)
		got := ch.Mode
		if ch.Name != "" {
			got += ":" + ch.Name
		}
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("%s: %s (%v)", c.raw, got, err)
		}
	}
	if _, err := ParseTools([]byte(`[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"a"}}]`)); err == nil {
		t.Error("a duplicate tool name was accepted")
	}
}
