package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// startServer runs the real echo server (go build ./server) on a loopback port over dir,
// so the page meets its strict CSP and cross-origin isolation.
func startServer(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(testRoot, "server")).CombinedOutput(); err != nil {
		t.Fatalf("go build ./server: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--static", dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`serving .* on (http://\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1] + "/"
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
		return ""
	}
}

// TestPageInChromium opens the page from the real server in headless Chromium: the picker
// lists the served model, Load fills the progress bar, Send streams a reply into the
// transcript, and nothing is logged as an error (a CSP violation would be).
func TestPageInChromium(t *testing.T) {
	res := built(t)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("Chromium not installed (./build.sh test installs it)")
	}
	if res.Assets.Engine == "" {
		t.Skip("no engine in this bundle (wasm/build.sh absent)")
	}
	dir := filepath.Join(t.TempDir(), "site")
	copyTree(t, testOut, dir)
	man := addTestModel(t, dir)
	base := startServer(t, dir)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	// The first Run starts the browser; its context must carry no timeout.
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := ""
			if d.Exception != nil {
				desc = d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception: %s %s at %s:%d", d.Text, desc, d.URL, d.LineNumber+1))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, fmt.Sprint(a.Value)+" "+a.Description)
				}
				problems = append(problems, "console.error: "+strings.Join(args, " "))
			}
		case *cdplog.EventEntryAdded:
			// CSP violations, failed loads (404s) and other browser-reported errors.
			if e.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, fmt.Sprintf("%s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			mu.Lock()
			t.Fatalf("%s: %v (page problems: %q)", what, err, problems)
		}
	}
	do("open the page", chromedp.Navigate(base), chromedp.WaitEnabled(css("#load")))
	option, err := chromedp.Run(ctx, chromedp.TextContent(css("#model option")))
	if err != nil {
		t.Fatal(err)
	}
	do("load the model", chromedp.Click(css("#load")), chromedp.WaitEnabled(css("#send")))
	status := text("#status")
	progress, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("progress").value + "/" + document.getElementById("progress").max`))
	if err != nil {
		t.Fatal(err)
	}
	do("send a message", chromedp.SendKeys(css("#message"), "Once upon a time"), chromedp.Click(css("#send")),
		chromedp.WaitVisible(css(".message.assistant .meta")))
	items, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#transcript li").length`))
	if err != nil {
		t.Fatal(err)
	}
	reply, meta := text(".message.assistant .text"), text(".message.assistant .meta")
	if !strings.Contains(option, man.Name) || !strings.Contains(option, man.Quant) {
		t.Errorf("picker option %q: want the model's name %s and quant %s", option, man.Name, man.Quant)
	}
	if !strings.Contains(status, "ready") {
		t.Errorf("status after Load: %q", status)
	}
	if want := fmt.Sprintf("%d/%d", man.FileSize, man.FileSize); progress != want {
		t.Errorf("progress bar %s, want %s (full)", progress, want)
	}
	if items != 2 || strings.TrimSpace(reply) == "" || !strings.Contains(meta, "tokens") {
		t.Errorf("transcript: %d items, reply %q, meta %q", items, reply, meta)
	}
	t.Logf("option %q; status %q; reply %q (%s)", option, status, reply, meta)
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}
