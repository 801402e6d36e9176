package apptest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/axe"
	"hearth/internal/shared"
	"hearth/internal/webtest"
)

// TestSmallThings (issue 17 item 15): a reply that is all thinking can be copied; exported
// Markdown carries no raw control characters; on a 390x844 phone more than 300 px remain
// for the conversation; the README's "Using the app" names the app's buttons as the app
// does.
func TestSmallThings(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	p.Eval(`(() => { window.__copied = []; navigator.clipboard.writeText = (s) => { __copied.push(s); return Promise.resolve() }; return true })()`, nil)

	// All thinking, no answer: Copy copies the thinking.
	const thought = "The user wants a story. I should think about foxes first."
	p.useScriptedEngine(scriptedWorker(thought, "", 8, 5))
	p.send("Tell me a story")
	p.waitReplies(1, 20*time.Second)
	if !p.truthy(`document.querySelector("#transcript .message.assistant .tools button[aria-label='Copy the thinking']")`) {
		t.Fatalf("an all-thinking reply has no Copy: tools %q", p.str(`document.querySelector("#transcript .message.assistant .tools")?.textContent ?? "none"`))
	}
	p.click("#transcript .message.assistant .tools button[aria-label='Copy the thinking']")
	var copied []string
	p.Eval(`__copied`, &copied)
	if len(copied) != 1 || copied[0] != thought {
		t.Errorf("Copy on an all-thinking reply copied %q, want the thinking %q", copied, thought)
	}
	p.Screenshot("app-all-thinking-copy")
	// Just copied, the button's name says what it shows ("Copied").
	if axe.Available() {
		axe.Check(t, p.Browser, "a reply just copied", "")
	}

	// Control characters in a reply: escaped in the Markdown export.
	const hostile = "Red \x1b[31malert\x1b[0m, a bell\x07, a CR\rhere, \u202eevil\u202c and \u0085 next.\ttab kept"
	p.useScriptedEngine(scriptedWorker("", hostile, len(hostile), 5)) // one piece: the cut is by bytes
	p.send("Say something odd")
	p.waitReplies(2, 20*time.Second)
	p.captureDownloads()
	p.click("#export-md")
	_, md := p.lastBlob()
	if bad := regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f-\u009f\u202a-\u202e\u2066-\u2069]").FindAllString(md, -1); len(bad) > 0 {
		t.Errorf("exported Markdown holds raw control characters %q:\n%s", bad, md)
	}
	for _, want := range []string{`Red \u001B[31malert\u001B[0m, a bell\u0007, a CR` + "\n" + `here, \u202Eevil\u202C and \u0085 next.` + "\ttab kept"} {
		if !strings.Contains(md, want) {
			t.Errorf("exported Markdown lacks %q:\n%s", want, md)
		}
	}

	// A phone: the conversation keeps more than 300 px, the composer and the status line
	// stay in view.
	p.Do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	time.Sleep(200 * time.Millisecond)
	var phone struct {
		Conversation, SendBottom, StatusBottom, StatusTop, Height, ScrollWidth float64
	}
	p.Eval(`(() => { const r = (id) => document.getElementById(id).getBoundingClientRect();
		const s = document.querySelector(".scroller").getBoundingClientRect();
		return { conversation: Math.min(s.bottom, innerHeight) - Math.max(s.top, 0), sendBottom: r("send").bottom,
			statusTop: r("status").top, statusBottom: r("status").bottom, height: innerHeight,
			scrollWidth: document.documentElement.scrollWidth } })()`, &phone)
	t.Logf("phone 390x844: %+v", phone)
	if phone.Conversation <= 300 || phone.SendBottom > phone.Height || phone.ScrollWidth > 390 {
		t.Errorf("phone layout: %.0f px for the conversation (want > 300), Send's bottom at %.0f of %.0f, page %.0f px wide", phone.Conversation, phone.SendBottom, phone.Height, phone.ScrollWidth)
	}
	if model := p.num(`document.querySelector(".model").getBoundingClientRect().bottom`); phone.StatusBottom > model+1 || phone.StatusTop < 0 {
		t.Errorf("the status line (%.0f..%.0f) is not in view in the model panel (ends at %.0f)", phone.StatusTop, phone.StatusBottom, model)
	}
	p.Screenshot("app-phone-conversation")

	// The README's "Using the app" names controls as the app labels them: every *name* in
	// it is a button or summary of the app, and every one of those is named there.
	readme, err := os.ReadFile(filepath.Join(shared.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## Using the app"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[3:], "\n## "); j >= 0 {
			section = section[:j+3]
		}
	} else {
		t.Fatal(`README.md has no "## Using the app" section`)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile(`\*\*([^*\n]+)\*\*`).FindAllStringSubmatch(section, -1) {
		named[m[1]] = true
	}
	var ui []string
	p.Eval(`[...new Set([...document.querySelectorAll("button, summary")].filter((b) => !b.closest("#conversations")).map((b) => b.textContent.trim()).filter((s) => s && !/^(Close|Done|Copied|Copy failed|Thinking…)$/.test(s)))]`, &ui)
	for _, name := range ui {
		if !named[name] {
			t.Errorf("the app's %q is not named **%s** in the README's Using the app", name, name)
		}
		delete(named, name)
	}
	for _, m := range regexp.MustCompile(`(?m)^- \*\*([^*\n]+)\*\*`).FindAllStringSubmatch(section, -1) {
		delete(named, m[1]) // a list item's bold lead word ("Models.", "Downloads")
	}
	for name := range named {
		t.Errorf("the README names **%s**, which is no button of the app", name)
	}
	p.CheckClean()
}
