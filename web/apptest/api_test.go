package apptest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hearth/internal/limits"
	"hearth/internal/webtest"
)

// TestHearthAPI drives window.Hearth (web/app/api.js) from a page script: load with
// progress; completions and chat completions, whole and streamed, in OpenAI's shapes; the
// greedy text equals llama.cpp's; a seed repeats a sampled reply; an abort stops a stream
// with no chunk after it and rejects a whole request, and the engine answers the next
// request; unload; and the standalone hearth.js module the build writes.
func TestHearthAPI(t *testing.T) {
	once := webtest.GoldenText(t, "Once upon a time")
	p := openApp(t, webtest.BrowserOptions{})
	var r struct {
		Progress struct{ Loaded, Total float64 }
		Model    struct {
			HasChatTemplate bool `json:"has_chat_template"`
		}
		Whole struct {
			Object  string
			Choices []struct {
				Text         string
				FinishReason string `json:"finish_reason"`
			}
			Usage struct {
				PromptTokens     int `json:"prompt_tokens"`
				CompletionTokens int `json:"completion_tokens"`
				TotalTokens      int `json:"total_tokens"`
			}
		}
		Streamed     string
		StreamObject string
		StreamFinish string
		StreamUsage  int
		Chat         struct {
			Object  string
			Choices []struct {
				Message      struct{ Role, Content string }
				FinishReason string `json:"finish_reason"`
			}
		}
		ChatStreamed string
		ChatRole     string
		ChatObject   string
		Seeded       []string
		Abort        struct {
			Chunks, After int
			Name          string
			Stop          string
			Generated     int
		}
		AbortWhole string
		Queued     string
		Bad        string
		PreAborted string
		Broke      string
		Next       string
		Unloaded   string
		Module     struct {
			Same bool
			Text string
		}
	}
	p.Eval(`(async () => {
		const out = {};
		const e = await Hearth.load("models/stories260K/manifest.json", { onProgress: (x) => { out.progress = x } });
		out.model = e.model;
		out.whole = await e.completions.create({ prompt: "Once upon a time", temperature: 0, max_tokens: 32 });

		let s = "";
		for await (const c of await e.completions.create({ prompt: "Once upon a time", temperature: 0, max_tokens: 32, stream: true })) {
			s += c.choices[0].text;
			out.streamObject = c.object;
			if (c.choices[0].finish_reason) { out.streamFinish = c.choices[0].finish_reason; out.streamUsage = c.usage.completion_tokens }
		}
		out.streamed = s;

		const messages = [{ role: "system", content: "You tell stories." }, { role: "user", content: "A story, please." }];
		out.chat = await e.chat.completions.create({ messages, temperature: 0, max_tokens: 8 });
		let cs = "";
		for await (const c of await e.chat.completions.create({ messages, temperature: 0, max_tokens: 8, stream: true })) {
			if (c.choices[0].delta.role) out.chatRole = c.choices[0].delta.role;
			cs += c.choices[0].delta.content ?? "";
			out.chatObject = c.object;
		}
		out.chatStreamed = cs;

		out.seeded = [];
		for (let i = 0; i < 2; i++) {
			out.seeded.push((await e.completions.create({ prompt: "The cat", temperature: 1, seed: 7, max_tokens: 24 })).choices[0].text);
		}

		// Abort a stream after three chunks: nothing more arrives, the loop throws AbortError.
		const ac = new AbortController();
		out.abort = { chunks: 0, after: 0 };
		try {
			for await (const c of await e.completions.create({ prompt: "Once upon a time", max_tokens: 400, stream: true, signal: ac.signal, ignore_eos: true })) {
				out.abort.chunks++;
				if (ac.signal.aborted) out.abort.after++;
				if (out.abort.chunks === 3) ac.abort();
			}
		} catch (err) {
			out.abort.name = err.name;
			out.abort.stop = err.hearth && err.hearth.stop_reason;
			out.abort.generated = err.usage && err.usage.completion_tokens;
		}
		// A whole (non-streamed) request rejects when aborted.
		const ac2 = new AbortController();
		const whole = e.completions.create({ prompt: "Once upon a time", max_tokens: 400, signal: ac2.signal, ignore_eos: true });
		setTimeout(() => ac2.abort(), 50);
		out.abortWhole = await whole.then(() => "resolved", (err) => err.name);
		out.preAborted = await e.completions.create({ prompt: "x", signal: AbortSignal.abort() }).then(() => "resolved", (err) => err.name);
		// Aborting a request queued behind another ends it at once and leaves the other running.
		const acA = new AbortController(), acB = new AbortController();
		const first = e.completions.create({ prompt: "Once upon a time", max_tokens: 400, ignore_eos: true, signal: acA.signal });
		const second = e.completions.create({ prompt: "Once upon a time", max_tokens: 4, signal: acB.signal });
		acB.abort();
		out.queued = await second.then(() => "resolved", (err) => err.name);
		acA.abort();
		out.queued += " " + await first.then(() => "resolved", (err) => err.name + ":" + err.hearth?.stop_reason);
		out.bad = await e.chat.completions.create({ messages: [] }).then(() => "resolved", (err) => err.name);
		// Breaking out of a for-await loop stops the generation too.
		for await (const c of await e.completions.create({ prompt: "Once upon a time", max_tokens: 400, stream: true, ignore_eos: true })) break;
		out.broke = "ok";
		out.next = (await e.completions.create({ prompt: "Once upon a time", temperature: 0, max_tokens: 32 })).choices[0].text;
		await e.unload();
		out.unloaded = await e.completions.create({ prompt: "x" }).then(() => "resolved", (err) => err.message);

		// The standalone module: the same API, its own worker found next to it.
		const mod = await import(new URL("hearth.js", document.baseURI).href);
		const e2 = await mod.Hearth.load("models/stories260K/manifest.json");
		out.module = { same: mod.default === mod.Hearth && typeof mod.Engine === "function",
			text: (await e2.completions.create({ prompt: "Once upon a time", temperature: 0, max_tokens: 32 })).choices[0].text };
		await e2.unload();
		return out;
	})()`, &r)
	if r.Progress.Total <= 0 || r.Progress.Loaded != r.Progress.Total {
		t.Errorf("last progress %+v", r.Progress)
	}
	if r.Model.HasChatTemplate {
		t.Error("stories260K reported a chat template")
	}
	w := r.Whole
	if w.Object != "text_completion" || len(w.Choices) != 1 || w.Choices[0].Text != once || w.Choices[0].FinishReason != "length" ||
		w.Usage.CompletionTokens != 32 || w.Usage.PromptTokens < 2 || w.Usage.TotalTokens != w.Usage.PromptTokens+32 {
		t.Errorf("completion: %+v\nwant text %q", w, once)
	}
	if r.Streamed != once || r.StreamObject != "text_completion" || r.StreamFinish != "length" || r.StreamUsage != 32 {
		t.Errorf("streamed completion %q (%s, %s, %d tokens)", r.Streamed, r.StreamObject, r.StreamFinish, r.StreamUsage)
	}
	if r.Chat.Object != "chat.completion" || len(r.Chat.Choices) != 1 || r.Chat.Choices[0].Message.Role != "assistant" || r.Chat.Choices[0].FinishReason == "" {
		t.Errorf("chat completion %+v", r.Chat)
	}
	if r.ChatStreamed != r.Chat.Choices[0].Message.Content || r.ChatRole != "assistant" || r.ChatObject != "chat.completion.chunk" {
		t.Errorf("streamed chat %q (role %q, %s), whole %q", r.ChatStreamed, r.ChatRole, r.ChatObject, r.Chat.Choices[0].Message.Content)
	}
	if len(r.Seeded) != 2 || r.Seeded[0] == "" || r.Seeded[0] != r.Seeded[1] {
		t.Errorf("the same seed gave %q", r.Seeded)
	}
	if r.Abort.Chunks != 3 || r.Abort.After != 0 || r.Abort.Name != "AbortError" || r.Abort.Stop != "cancelled" {
		t.Errorf("aborted stream: %+v (want 3 chunks, none after the abort, an AbortError with the stats)", r.Abort)
	}
	t.Logf("aborted after 3 chunks: the engine had generated %d tokens", r.Abort.Generated)
	if r.AbortWhole != "AbortError" || r.PreAborted != "AbortError" || r.Broke != "ok" {
		t.Errorf("abort of a whole request: %q; pre-aborted signal: %q; break: %q", r.AbortWhole, r.PreAborted, r.Broke)
	}
	if r.Queued != "AbortError AbortError:cancelled" || r.Bad != "TypeError" {
		t.Errorf("abort while queued: %q (want the queued one aborted, then the running one cancelled); bad request: %q", r.Queued, r.Bad)
	}
	if r.Next != once {
		t.Errorf("after the aborts: %q, want %q", r.Next, once)
	}
	if !strings.Contains(r.Unloaded, "unloaded") {
		t.Errorf("a request after unload: %q", r.Unloaded)
	}
	if !r.Module.Same || r.Module.Text != once {
		t.Errorf("hearth.js module: %+v", r.Module)
	}
	p.CheckClean()
}

// TestSettings types settings into the panel: valid values are kept across a reload, an
// out-of-range one is marked and explained and not kept, Reset restores the defaults.
func TestSettings(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	defaults := map[string]string{"temperature": "0.8", "top_p": "0.95", "top_k": "40", "min_p": "0.05", "repeat_penalty": "1", "max_tokens": "512", "seed": "", "threads": "0"}
	p.click("#open-settings")
	for k, v := range defaults {
		if got := p.str(`document.getElementById("set-` + k + `").value`); got != v {
			t.Errorf("default %s: %q, want %q", k, got, v)
		}
	}
	p.click("#settings-done")

	p.setSetting("temperature", "0.3")
	p.setSetting("seed", "42")
	p.setSetting("min_p", "0.1")
	p.setSetting("repeat_penalty", "1.1")
	p.setSetting("threads", "1")
	p.setSetting("system", "Be brief.")
	// Out-of-range values: each marked, all explained at once in the same words (those of
	// internal/limits' Check), none saved; fixing one leaves the other's error.
	p.click("#open-settings")
	p.Eval(`(() => { const el = document.getElementById("set-top_p"); el.focus(); el.select(); return true })()`, nil)
	p.typeText("2")
	p.Eval(`(() => { const el = document.getElementById("set-max_tokens"); el.focus(); el.select(); return true })()`, nil)
	p.typeText("1.5")
	topP, _ := limits.Lookup("topP")
	maxTokens, _ := limits.Lookup("maxTokens")
	wantErrs := []string{topP.Check(topP.Label, 2).Error(), maxTokens.Check(maxTokens.Label, 1.5).Error()}
	var errs []string
	p.Eval(`[...document.querySelectorAll("#settings-error > *")].map((e) => e.textContent)`, &errs)
	if strings.Join(errs, "\n") != strings.Join(wantErrs, "\n") ||
		!p.truthy(`document.getElementById("set-top_p").getAttribute("aria-invalid") === "true" && document.getElementById("set-max_tokens").getAttribute("aria-invalid") === "true"`) {
		t.Errorf("top-p 2 and max tokens 1.5: errors %q, want both at once: %q", errs, wantErrs)
	}
	p.Screenshot("app-settings-errors")
	p.Eval(`(() => { const el = document.getElementById("set-max_tokens"); el.focus(); el.select(); return true })()`, nil)
	p.typeText("64")
	p.Eval(`[...document.querySelectorAll("#settings-error > *")].map((e) => e.textContent)`, &errs)
	if len(errs) != 1 || errs[0] != wantErrs[0] || p.truthy(`document.getElementById("set-max_tokens").getAttribute("aria-invalid")`) {
		t.Errorf("after fixing max tokens: errors %q, want only %q", errs, wantErrs[0])
	}
	p.Eval(`(() => { const el = document.getElementById("set-max_tokens"); el.focus(); el.select(); return true })()`, nil)
	p.typeText("512")
	p.click("#settings-done")

	p.reload()
	p.click("#open-settings")
	want := map[string]string{"temperature": "0.3", "seed": "42", "min_p": "0.1", "repeat_penalty": "1.1", "threads": "1", "top_p": "0.95", "system": "Be brief."}
	for k, v := range want {
		if got := p.str(`document.getElementById("set-` + k + `").value`); got != v {
			t.Errorf("after reload %s: %q, want %q", k, got, v)
		}
	}
	var stored map[string]any
	json.Unmarshal([]byte(p.str(`localStorage.getItem("hearth.settings.v1")`)), &stored)
	if stored["temperature"] != 0.3 || stored["seed"] != 42.0 || stored["system"] != "Be brief." || stored["top_p"] != 0.95 {
		t.Errorf("stored settings %v", stored)
	}
	p.click("#settings-reset")
	for k, v := range defaults {
		if got := p.str(`document.getElementById("set-` + k + `").value`); got != v {
			t.Errorf("after Reset %s: %q, want %q", k, got, v)
		}
	}
	if got := p.str(`document.getElementById("set-system").value`); got != "" {
		t.Errorf("after Reset the system prompt is %q", got)
	}
	p.Do("close with Esc", chromedp.KeyEvent(kb.Escape))
	p.WaitFor("the panel closed", `!document.getElementById("settings").open`, 5*time.Second)
	p.CheckClean()
}
