package webtest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// TestHarness opens the built page from the real server, survives a server stop and
// restart on the same URL, and records a failed load as a problem.
func TestHarness(t *testing.T) {
	dir, man := Site(t)
	if man.ID != ModelID || len(man.Shards) < 2 {
		t.Fatalf("test model: id %q, %d shards", man.ID, len(man.Shards))
	}
	srv := StartServer(t, dir)
	b := NewBrowser(t, BrowserOptions{})
	b.Do("open the page", chromedp.Navigate(srv.URL))
	b.WaitFor("model list", `document.querySelectorAll("#model option[value]").length > 0`, 30*time.Second)
	b.CheckClean()

	srv.Stop()
	var failed bool
	b.Eval(`fetch("models/index.json", {cache: "no-store"}).then(() => false, () => true)`, &failed)
	if !failed {
		t.Error("fetch succeeded with the server stopped")
	}
	srv.Start()
	var status int
	b.Eval(`fetch("models/index.json", {cache: "no-store"}).then(r => r.status)`, &status)
	if status != 200 {
		t.Errorf("after restart: HTTP %d", status)
	}
	b.Eval(`fetch("no-such-file.js").then(r => r.status)`, &status)
	if status != 404 || len(b.Problems()) == 0 {
		t.Errorf("a 404 should be recorded as a problem: status %d, problems %q", status, b.Problems())
	}
	b.Allow(`404`)
	for _, p := range b.Problems() {
		if strings.Contains(p, "no-such-file") {
			t.Errorf("allowed problem still reported: %s", p)
		}
	}
	if p := b.Screenshot("webtest-harness"); p == "" {
		t.Error("no screenshot")
	}
}
