package apptest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/axe"
	"hearth/internal/webtest"
)

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

	// A base model (no chat template): completion mode, its badge in the header.
	worker := strings.Replace(scriptedWorker(hostileReasoning, hostileReply, 40, 5), "has_chat_template: true", "has_chat_template: false", 1)
	p.useScriptedEngine(worker)
	if !p.truthy(`!document.getElementById("mode-badge").hidden`) {
		t.Fatal("the Completion mode badge is not shown for a model without a chat template")
	}
	p.send("Once upon a time")
	p.waitReplies(1, 20*time.Second)
	if !p.truthy(`document.querySelector("#transcript .message.assistant .tools .regenerate")`) {
		t.Fatal("the finished reply has no Regenerate button")
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
