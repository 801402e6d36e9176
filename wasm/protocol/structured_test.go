package protocol

import (
	"strings"
	"testing"
)

// The structured-output and tool fields of a generate request reach engine.Options and the
// messages, and bad ones are errors that say which.
func TestStructuredOptions(t *testing.T) {
	req := `{"id":1,"type":"generate","messages":[
		{"role":"user","content":"weather?"},
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Oslo\"}"}}]},
		{"role":"tool","tool_call_id":"call_0","name":"get_weather","content":"sunny"}],
		"options":{"jsonSchema":{"type":"object"},"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
		"toolChoice":{"type":"function","function":{"name":"get_weather"}}}}`
	var g Generate
	if err := Decode([]byte(req), &g); err != nil {
		t.Fatal(err)
	}
	msgs, err := g.Conversation()
	if err != nil {
		t.Fatal(err)
	}
	if c := msgs[1].ToolCalls; len(c) != 1 || c[0].Function.Arguments != `{"city":"Oslo"}` || c[0].ID != "call_0" || msgs[2].ToolCallID != "call_0" || msgs[2].Name != "get_weather" {
		t.Fatalf("messages %+v", msgs)
	}
	o, err := g.Options.Engine()
	if err != nil {
		t.Fatal(err)
	}
	if string(o.JSONSchema) != `{"type":"object"}` || len(o.Tools) != 1 || o.ToolChoice.Mode != "function" || o.ToolChoice.Name != "get_weather" {
		t.Fatalf("options %+v", o)
	}
	for _, c := range []struct{ opts, want string }{
		{`{"jsonSchema":"{\"type\":\"string\"}","grammar":"root ::= \"a\""}`, ""},
		{`{"toolChoice":"sometimes"}`, "options.tool_choice"},
		{`{"tools":[{"type":"function","function":{}}]}`, "options.tools[0]: function.name is missing"},
		{`{"tools":{"a":1}}`, "options.tools"},
	} {
		var g Generate
		if err := Decode([]byte(`{"messages":[{"role":"user","content":"x"}],"options":`+c.opts+`}`), &g); err != nil {
			t.Fatal(err)
		}
		_, err := g.Options.Engine()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.opts, err, c.want)
		}
	}
}
