package apptest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// TestChat is a session with the served stories260K, a base model (completion mode): the
// page loads clean, the model is picked and downloaded (the bar goes when it is ready), a greedy 32-token reply
// equals llama.cpp's; Regenerate writes it again; editing the last message resends it;
// Stop ends a long reply at once and the next message works; the conversation survives a
// reload and exports as the expected Markdown and JSON; rename, new chat, switch, delete.
func TestChat(t *testing.T) {
	once := webtest.GoldenText(t, "Once upon a time")
	fox := webtest.GoldenText(t, "The quick brown fox")
	p := openApp(t, webtest.BrowserOptions{})
	p.Screenshot("app-empty")

	// The served model is picked; its label names it.
	if v := p.str(`document.getElementById("model").value`); !strings.HasSuffix(v, "/models/stories260K/manifest.json") {
		t.Fatalf("picked model %q, want the served stories260K", v)
	}
	if l := p.str(`document.getElementById("model").selectedOptions[0].textContent`); !strings.Contains(l, "stories260K") {
		t.Errorf("picker label %q", l)
	}
	p.setSetting("max_tokens", "32")
	p.setSetting("temperature", "0")

	p.loadServed()
	if !p.truthy(`document.getElementById("progress-row").hidden`) {
		t.Error("the download bar stays after the model is ready")
	}
	if !p.truthy(`!document.getElementById("mode-badge").hidden`) || !strings.Contains(p.str(`document.getElementById("status").textContent`), "completion mode") {
		t.Errorf("a base model must say it runs in completion mode: status %q", p.str(`document.getElementById("status").textContent`))
	}

	// 1. The greedy reply equals llama.cpp's continuation.
	p.send("Once upon a time")
	p.waitReplies(1, 60*time.Second)
	text, meta := p.lastReply()
	if text != once {
		t.Errorf("reply to %q:\n got %q\nwant %q", "Once upon a time", text, once)
	}
	if !strings.Contains(meta, "32 tokens") || !strings.Contains(meta, "tokens/s") || !strings.Contains(meta, "length limit") {
		t.Errorf("stats line %q: want 32 tokens, a speed and the length limit", meta)
	}
	if got := p.str(`document.getElementById("message").value`); got != "" {
		t.Errorf("composer not cleared: %q", got)
	}
	p.Screenshot("app-chatting")

	// Regenerate: the last reply is written again (greedy: the same), not added.
	p.click("#transcript .message.assistant .regenerate")
	p.WaitFor("regenerating", `document.querySelector("#transcript .pending") || document.querySelectorAll("#transcript .message").length === 2`, 10*time.Second)
	p.waitReplies(1, 60*time.Second)
	if text, _ := p.lastReply(); text != once {
		t.Errorf("regenerated reply %q, want %q", text, once)
	}
	if n := len(p.transcriptMessages()); n != 2 {
		t.Errorf("after Regenerate: %d messages, want 2", n)
	}

	// Edit and resend the last user message.
	p.click("#transcript .message.user .tools button")
	p.WaitFor("the edit box", `document.querySelector("#transcript form.edit textarea") === document.activeElement`, 5*time.Second)
	p.Eval(`document.activeElement.select()`, nil)
	p.Do("type the new text", chromedp.KeyEvent("The quick brown fox"), chromedp.KeyEvent("\r"))
	p.waitReplies(1, 60*time.Second)
	msgs := p.transcriptMessages()
	if len(msgs) != 2 || msgs[0] != "user: The quick brown fox" || msgs[1] != "assistant: "+fox {
		t.Errorf("after edit and resend: %q, want the new prompt and its golden reply %q", msgs, fox)
	}

	// 5. Stop ends a long generation: the page presses Stop itself the moment the reply
	// passes 40 characters, and records the text shown then.
	p.setSetting("max_tokens", "4000")
	p.Eval(`(() => {
		window.__stop = null;
		const obs = new MutationObserver(() => {
			const body = document.querySelector("#transcript .message.assistant.pending .body");
			if (window.__stop || !body || body.textContent.length < 40) return;
			window.__stop = { before: body.textContent };
			document.getElementById("stop").click();
			window.__stop.shown = body.textContent;
			window.__stop.at = performance.now();
			obs.disconnect();
		});
		obs.observe(document.getElementById("transcript"), { childList: true, subtree: true, characterData: true });
		return true;
	})()`, nil)
	p.send("Once upon a time")
	p.waitReplies(2, 60*time.Second)
	var stop struct {
		Before, Shown string
		At, Now       float64
	}
	p.Eval(`({ ...window.__stop, now: performance.now() })`, &stop)
	text, meta = p.lastReply()
	if stop.Shown == "" {
		t.Fatal("Stop was never pressed (the reply ended before 40 characters?)")
	}
	if text != stop.Shown {
		t.Errorf("after Stop the reply changed:\nshown at Stop %q\n       final %q", stop.Shown, text)
	}
	if !strings.Contains(meta, "Stopped by you.") {
		t.Errorf("stats line after Stop: %q", meta)
	}
	if p.truthy(`!document.getElementById("stop").disabled || document.getElementById("send").disabled`) {
		t.Error("after Stop: Stop still enabled or Send disabled")
	}
	conv := p.stored()[0]
	last := conv.Messages[len(conv.Messages)-1]
	var st struct {
		GeneratedTokens int    `json:"generated_tokens"`
		StopReason      string `json:"stop_reason"`
	}
	json.Unmarshal(last.Stats, &st)
	t.Logf("Stop: %d characters shown when pressed (%d before the page drew the last chunks), final %d; the engine generated %d tokens (stop reason %s)",
		len(stop.Shown), len(stop.Before), len(text), st.GeneratedTokens, st.StopReason)
	if st.StopReason != "cancelled" || last.Content != stop.Shown {
		t.Errorf("stored stopped reply: reason %q, content %q", st.StopReason, last.Content)
	}

	// The next message still works.
	p.setSetting("max_tokens", "32")
	p.send("Once upon a time")
	p.waitReplies(3, 60*time.Second)
	if text, _ := p.lastReply(); text != once {
		t.Errorf("reply after a stopped one: %q, want %q", text, once)
	}
	before := p.transcriptMessages()
	modelName := p.str(`HearthPage.engine.model.name || "stories260K"`)

	// 6. The conversation survives a reload.
	p.reload()
	p.WaitFor("the conversation shown again", `document.querySelectorAll("#transcript .message").length === 6`, 10*time.Second)
	after := p.transcriptMessages()
	if strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("after reload:\n%q\nwant\n%q", after, before)
	}
	if title := p.str(`document.querySelector("#conversations [aria-current=true] .title").textContent`); title != "The quick brown fox" {
		t.Errorf("sidebar title after reload %q", title)
	}
	// The model of the last visit is downloaded: it loads by itself (TestReturningVisitor).
	p.WaitFor("the model loaded by itself", `!document.getElementById("send").disabled`, 60*time.Second)

	// Export as Markdown and JSON: the Blob the download link points at.
	p.captureDownloads()
	p.click("#export-md")
	typ, md := p.lastBlob()
	var want strings.Builder
	fmt.Fprintf(&want, "# The quick brown fox\n\nModel: %s (completion mode)\n\n", modelName)
	for _, m := range before {
		role, body, _ := strings.Cut(m, ": ")
		h := "Prompt"
		if role == "assistant" {
			h = "Continuation"
		}
		fmt.Fprintf(&want, "## %s\n\n%s\n\n", h, body)
	}
	if wantMD := strings.TrimSuffix(want.String(), "\n"); !strings.HasPrefix(typ, "text/markdown") || md != wantMD {
		t.Errorf("Markdown export (%s):\n%q\nwant:\n%q", typ, md, wantMD)
	}
	p.click("#export-json")
	typ, js := p.lastBlob()
	var doc struct {
		Title    string
		Mode     string
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil || typ != "application/json" {
		t.Fatalf("JSON export (%s): %v\n%s", typ, err, js)
	}
	if doc.Title != "The quick brown fox" || doc.Mode != "completion" || len(doc.Messages) != 6 || doc.Messages[1].Content != fox {
		t.Errorf("JSON export: %+v", doc)
	}

	// Rename (keyboard), new chat, switch back, delete.
	p.click("#rename-chat")
	p.WaitFor("the title field", `document.activeElement && document.activeElement.classList.contains("rename")`, 5*time.Second)
	p.Do("type a title", chromedp.KeyEvent("Fox stories"), chromedp.KeyEvent("\r"))
	p.WaitFor("the renamed conversation", `document.querySelector("#conversations [aria-current=true] .title")?.textContent === "Fox stories"`, 5*time.Second)
	if got := p.stored()[0].Title; got != "Fox stories" {
		t.Errorf("stored title %q after rename", got)
	}
	p.click("#new-chat")
	p.WaitFor("an empty chat", `document.querySelectorAll("#transcript .message").length === 0 && !document.getElementById("empty").hidden &&
		document.querySelector("#conversations .conversation:not([aria-current])")`, 5*time.Second)
	p.click("#conversations .conversation")
	p.WaitFor("the conversation again", `document.querySelectorAll("#transcript .message").length === 6`, 5*time.Second)
	p.click("#delete-chat")
	if got := p.str(`document.getElementById("delete-chat").textContent`); !strings.Contains(got, "?") {
		t.Errorf("Delete should ask first; the button says %q", got)
	}
	p.click("#delete-chat")
	p.WaitFor("the conversation deleted", `document.querySelectorAll("#conversations li").length === 0 && document.querySelectorAll("#transcript .message").length === 0`, 5*time.Second)
	if n := len(p.stored()); n != 0 {
		t.Errorf("%d conversations stored after Delete", n)
	}
	p.CheckClean()
}
