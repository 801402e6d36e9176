package apptest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/engine/synth"
	"hearth/engine/toolcall"
	"hearth/internal/shared"
	"hearth/internal/webtest"
)

// toolModel writes the synthetic tiny model (4,096-token context: tool descriptions are
// long in its random vocabulary) with a chat template, and installs it in the site.
func toolModel(t *testing.T, dir, id, template string) {
	t.Helper()
	sh := synth.Shapes["tiny"]
	sh.NCtx = 4096
	w, err := synth.Build(synth.Options{Shape: sh, Type: "Q8_0", Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	w.Set("tokenizer.chat_template", template)
	webtest.AddModel(t, dir, id, w, 0)
}

// toolRoundTrip is the page script: a forced call (tool_choice required), a streamed call
// of a named function, the tool's result sent back, the final answer, and a reply under a
// JSON schema (response_format).
const toolRoundTrip = `(async (id) => {
	const e = await Hearth.load("models/" + id + "/manifest.json", { contextSize: 4096 });
	const tools = [
		{ type: "function", function: { name: "get_weather", description: "The weather in a city",
			parameters: { type: "object", properties: { city: { type: "string", maxLength: 12 }, unit: { enum: ["c", "f"] } }, required: ["city", "unit"] } } },
		{ type: "function", function: { name: "add", description: "Adds two numbers",
			parameters: { type: "object", properties: { a: { type: "integer", minimum: 0, maximum: 99 }, b: { type: "integer", minimum: 0, maximum: 99 } }, required: ["a", "b"] } } },
	];
	const messages = [{ role: "user", content: "What is the weather in Paris?" }];
	const call = await e.chat.completions.create({ messages, tools, tool_choice: "required", temperature: 1, seed: 1, max_tokens: 400 });
	const chunks = [];
	for await (const c of await e.chat.completions.create({ messages, tools, stream: true, seed: 2, max_tokens: 400,
		tool_choice: { type: "function", function: { name: "add" } } })) chunks.push(c);
	const msg = call.choices[0].message;
	const history = messages.concat([msg], msg.tool_calls.map((c) => ({ role: "tool", tool_call_id: c.id, name: c.function.name, content: JSON.stringify({ result: "22 C, sunny" }) })));
	const answer = await e.chat.completions.create({ messages: history, tools, seed: 3, max_tokens: 24 });
	const form = await e.chat.completions.create({ messages: [{ role: "user", content: "Fill the form" }], seed: 4, max_tokens: 400, temperature: 1,
		response_format: { type: "json_schema", json_schema: { name: "person", strict: true,
			schema: { type: "object", properties: { name: { type: "string", maxLength: 10 }, age: { type: "integer", minimum: 1, maximum: 99 } }, required: ["name", "age"] } } } });
	await e.unload();
	return { call, chunks, answer, form };
})`

type oaiCall struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// checkCall checks one call's OpenAI shape and that its arguments follow the tool's schema.
func checkCall(t *testing.T, c oaiCall, only string) {
	t.Helper()
	var args map[string]any
	if c.ID == "" || c.Type != "function" || json.Unmarshal([]byte(c.Function.Arguments), &args) != nil {
		t.Fatalf("call not in OpenAI's shape: %+v", c)
	}
	if only != "" && c.Function.Name != only {
		t.Fatalf("called %q, tool_choice named %q", c.Function.Name, only)
	}
	switch c.Function.Name {
	case "get_weather":
		if city, ok := args["city"].(string); !ok || len([]rune(city)) > 12 || (args["unit"] != "c" && args["unit"] != "f") {
			t.Fatalf("arguments outside the schema: %s", c.Function.Arguments)
		}
	case "add":
		for _, k := range []string{"a", "b"} {
			if v, ok := args[k].(float64); !ok || v < 0 || v > 99 || v != float64(int(v)) {
				t.Fatalf("arguments outside the schema: %s", c.Function.Arguments)
			}
		}
	default:
		t.Fatalf("unknown function %q", c.Function.Name)
	}
}

// TestToolCalls: a tool-call round trip through the JS API in Chromium (call, tool result,
// final answer; streamed delta.tool_calls; a JSON-schema reply) for every chat template in
// ../shared/templates that renders tools, each on the synthetic model in the browser engine.
func TestToolCalls(t *testing.T) {
	tdir := shared.Dir(t)
	files, _ := filepath.Glob(filepath.Join(tdir, "templates", "*.jinja"))
	dir, _ := webtest.Site(t)
	var ids []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !toolcall.TemplateKnowsTools(string(src)) {
			continue
		}
		id := "tools-" + strings.TrimSuffix(filepath.Base(f), ".jinja")
		toolModel(t, dir, id, string(src))
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		t.Fatal("no template in ../shared/templates renders tools")
	}
	srv := webtest.StartServer(t, dir)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{Timeout: 8 * time.Minute})
	b.Do("open the page", chromedp.Navigate(srv.URL))
	b.WaitFor("window.Hearth", "window.Hearth", 30*time.Second)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			var r struct {
				Call struct {
					Choices []struct {
						Message struct {
							Role      string
							Content   *string
							ToolCalls []oaiCall `json:"tool_calls"`
						}
						FinishReason string `json:"finish_reason"`
					}
				}
				Chunks []struct {
					Object  string
					Choices []struct {
						Delta struct {
							ToolCalls []oaiCall `json:"tool_calls"`
						}
						FinishReason *string `json:"finish_reason"`
					}
				}
				Answer struct {
					Object  string
					Choices []struct {
						Message struct{ Role string }
					}
				}
				Form struct {
					Choices []struct {
						Message struct{ Content string }
					}
				}
			}
			b.Eval(toolRoundTrip+"("+js(id)+")", &r)
			c := r.Call.Choices[0]
			if c.FinishReason != "tool_calls" || c.Message.Role != "assistant" || len(c.Message.ToolCalls) == 0 {
				t.Fatalf("forced call: %+v", c)
			}
			for _, call := range c.Message.ToolCalls {
				checkCall(t, call, "")
			}
			var streamed []oaiCall
			final := ""
			for _, ch := range r.Chunks {
				if ch.Object != "chat.completion.chunk" {
					t.Fatalf("chunk object %q", ch.Object)
				}
				streamed = append(streamed, ch.Choices[0].Delta.ToolCalls...)
				if fr := ch.Choices[0].FinishReason; fr != nil {
					final = *fr
				}
			}
			if len(streamed) == 0 || final != "tool_calls" {
				t.Fatalf("stream: %d delta.tool_calls, finish_reason %q", len(streamed), final)
			}
			for i, call := range streamed {
				if call.Index == nil || *call.Index != i {
					t.Fatalf("delta.tool_calls[%d] index %v", i, call.Index)
				}
				checkCall(t, call, "add")
			}
			if r.Answer.Object != "chat.completion" || r.Answer.Choices[0].Message.Role != "assistant" {
				t.Fatalf("final answer: %+v", r.Answer)
			}
			var form struct {
				Name *string
				Age  *float64
			}
			if err := json.Unmarshal([]byte(r.Form.Choices[0].Message.Content), &form); err != nil || form.Name == nil || form.Age == nil || *form.Age < 1 || *form.Age > 99 {
				t.Fatalf("response_format reply %q: %v", r.Form.Choices[0].Message.Content, err)
			}
		})
	}
	// Bad requests reject with errors that say what is wrong, and the engine goes on.
	var errs []string
	b.Eval(`(async (id) => {
		const e = await Hearth.load("models/" + id + "/manifest.json", { contextSize: 4096 });
		const out = [];
		const msgs = [{ role: "user", content: "hi" }];
		for (const req of [
			{ response_format: { type: "xml" } },
			{ grammar: 'root ::= "a" x' },
			{ response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "string", format: "email" } } } },
			{ tools: [{ type: "function", function: { name: "f" } }], tool_choice: { type: "function", function: { name: "g" } } },
		]) {
			try {
				await e.chat.completions.create({ messages: msgs, max_tokens: 4, ...req });
				out.push("accepted");
			} catch (err) {
				out.push(String(err.message));
			}
		}
		const ok = await e.completions.create({ prompt: "x", max_tokens: 8, grammar: 'root ::= "yes" | "no"' });
		out.push(ok.choices[0].text);
		await e.unload();
		return out;
	})(`+js(ids[0])+`)`, &errs)
	for i, want := range []string{"response_format type", `1:14: undefined rule "x"`, `"format"`, `"g", which is not among the tools`} {
		if !strings.Contains(errs[i], want) {
			t.Errorf("bad request %d: %q, want %q", i, errs[i], want)
		}
	}
	if errs[4] != "yes" && errs[4] != "no" {
		t.Errorf("completions under a grammar: %q", errs[4])
	}
	b.CheckClean()
}
