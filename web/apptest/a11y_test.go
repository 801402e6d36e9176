package apptest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/axe"
	"hearth/internal/webtest"
)

// markdownReply is a reply with a table, a task list and an image among the usual.
const markdownReply = "Here is how they compare:\n\n| Model | Size | Good for |\n|:--|--:|:-:|\n| **SmolLM2** | 135M | quick tests |\n| Qwen2.5 | 0.5B | `chat` and code |\n\n" +
	"Steps:\n\n- [x] download the model\n- [ ] ask it something\n\n![a chart of speed](https://example.com/chart.png)\n\n" + hostileReply

// TestAccessibility (issue 17 item 14) runs axe-core on the app in the states a person
// sees: empty, settings open, chatting (a finished reply with reasoning, a code block,
// links, Copy and Regenerate, in completion mode with its badge), dark, and on a 390x844
// phone, light and dark: no serious or critical violation in any of them.
func TestAccessibility(t *testing.T) {
	axe.Source(t) // skips before starting Chromium when axe-core is not installed
	p := openApp(t, webtest.BrowserOptions{})
	axe.Check(t, p.Browser, "empty", "")
	p.Screenshot("a11y-empty")

	p.click("#open-settings")
	p.WaitFor("the settings panel open", `document.getElementById("settings").open`, 5*time.Second)
	axe.Check(t, p.Browser, "settings open", "")
	p.Screenshot("a11y-settings")
	p.click("#settings-done")
	p.WaitFor("the settings panel closed", `!document.getElementById("settings").open`, 5*time.Second)

	// A chat with a reply that uses every Markdown construct (item 11): a table, a task
	// list, an image shown as a link, code, links, reasoning; then a base model (no chat
	// template) in use: completion mode, its badge in the header.
	p.useScriptedEngine(scriptedWorker(hostileReasoning, markdownReply, 40, 5))
	p.send("Compare the models")
	p.waitReplies(1, 20*time.Second)
	if !p.truthy(`document.querySelector("#transcript .message.assistant .tools .regenerate")`) {
		t.Fatal("the finished reply has no Regenerate button")
	}
	if !p.truthy(`document.querySelector("#transcript .body table th") && document.querySelector("#transcript .body li.task input[checked]") && document.querySelector("#transcript .body a.image")`) {
		t.Error("the reply's table, task list or image link is missing")
	}
	p.Eval(`document.querySelector("#transcript .body .table").scrollIntoView({ block: "center" }), true`, nil)
	p.Screenshot("app-markdown-table")
	p.Eval(`(() => { const s = document.querySelector("#transcript").closest(".scroller") || document.querySelector(".scroller");
		const li = document.querySelector("#transcript .body li.task");
		s.scrollTop += li.getBoundingClientRect().top - s.getBoundingClientRect().top - 8; return new Promise((r) => requestAnimationFrame(() => r(true))) })()`, nil)
	p.Screenshot("app-markdown-tasks-image")
	worker := strings.Replace(scriptedWorker("", "there was a fox.", 40, 5), "has_chat_template: true", "has_chat_template: false", 1)
	p.useScriptedEngine(worker)
	if !p.truthy(`!document.getElementById("mode-badge").hidden`) {
		t.Fatal("the Completion mode badge is not shown for a model without a chat template")
	}
	axe.Check(t, p.Browser, "chatting", "")
	p.Screenshot("a11y-chatting")

	p.colorScheme("dark")
	axe.Check(t, p.Browser, "chatting, dark", "")
	p.Screenshot("a11y-chatting-dark")

	p.Do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	axe.Check(t, p.Browser, "chatting, dark, phone 390x844", "")
	p.Screenshot("a11y-phone-dark")
	p.colorScheme("light")
	axe.Check(t, p.Browser, "chatting, phone 390x844", "")
	p.Screenshot("a11y-phone")
	p.CheckClean()
}
