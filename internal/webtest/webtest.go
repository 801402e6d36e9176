// Package webtest is the harness of Hearth's end-to-end browser tests: it builds the static
// bundle once per test binary (go run ./web/build) with stories260K added as hearth
// add-model does, runs the real echo server (go build ./server) on a loopback port that
// survives a stop and restart, and drives Debian's headless Chromium with chromedp,
// collecting every console error, uncaught exception and browser-logged error (CSP
// violations, failed loads) so a test can assert the page stayed clean. Screenshots go to a
// git-ignored folder (tmp/screenshots, or $HEARTH_SCREENSHOTS) for a person to look at.
package webtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
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

	"hearth/engine/synth"
	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

// Chromium is where Debian's package puts the browser.
const Chromium = "/usr/bin/chromium"

// ModelID is the id the served test model gets.
const ModelID = "stories260K"

var (
	siteOnce sync.Once
	siteDir  string
	siteMan  *modelstore.Manifest
	siteErr  error
)

// NeedChromium skips the test when Chromium is not installed.
func NeedChromium(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		t.Skip("Chromium not installed (apt-get install chromium); ./build.sh test installs it")
	}
}

// Site returns a private copy of the built bundle, with the test model installed under
// models/stories260K (256 KiB shards, so a download has several), and its manifest. The
// bundle is built once per test binary; call Cleanup from TestMain to remove it.
func Site(t testing.TB) (dir string, man *modelstore.Manifest) {
	t.Helper()
	NeedChromium(t)
	siteOnce.Do(func() { siteDir, siteMan, siteErr = buildSite() })
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	dir = filepath.Join(t.TempDir(), "static")
	if err := copyTree(siteDir, dir); err != nil {
		t.Fatal(err)
	}
	return dir, siteMan
}

// Cleanup removes the shared build; call it at the end of TestMain.
func Cleanup() {
	if siteDir != "" {
		os.RemoveAll(filepath.Dir(siteDir))
	}
}

// TestModel is the GGUF the site serves: ../shared's stories260K, or "" when the shared
// data is absent (a tiny synthetic model is served instead; golden checks must skip).
func TestModel() string {
	if d := shared.Find(); d != "" {
		p := filepath.Join(d, "models", "stories260K.gguf")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// WriteFallbackModel writes the model the tests serve when the shared data is absent: the
// tiny synthetic shape with a 1,664-token vocabulary in F32, stories260K's size (1.2 MB):
// in 256 KiB shards it has five, the last over half a shard, as stories260K (the resume
// tests hold shards halfway and need a 64 KiB part of each cached by then).
func WriteFallbackModel(path string) error {
	shape := synth.Shapes["tiny"]
	shape.NVocab = 1664
	w, err := synth.Build(synth.Options{Shape: shape, Type: "F32", Seed: 1})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// AddModel writes a model (a GGUF writer: synth.Build's, say) to a temporary file and
// adds it to the bundle at dir as models/<id>/ in shards of shardSize bytes (0:
// modelstore's default); it returns the file's size.
func AddModel(t testing.TB, dir, id string, w io.WriterTo, shardSize int64) int64 {
	t.Helper()
	path := filepath.Join(t.TempDir(), id+".gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.WriteTo(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := modelstore.Add(path, modelstore.Options{Static: dir, ID: id, ShardSize: shardSize}); err != nil {
		t.Fatal(err)
	}
	return n
}

func buildSite() (string, *modelstore.Manifest, error) {
	tmp, err := os.MkdirTemp("", "hearth-webtest-")
	if err != nil {
		return "", nil, err
	}
	dir := filepath.Join(tmp, "static")
	cmd := exec.Command("go", "run", "./web/build", "--out", dir)
	cmd.Dir = shared.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("go run ./web/build: %v\n%s", err, out)
	}
	src := TestModel()
	if src == "" {
		src = filepath.Join(tmp, "fallback.gguf")
		if err := WriteFallbackModel(src); err != nil {
			return "", nil, err
		}
	}
	m, err := modelstore.Add(src, modelstore.Options{Static: dir, ID: ModelID, ShardSize: 256 << 10})
	return dir, m, err
}

// GoldenText is llama.cpp's greedy continuation (32 tokens) of the shared golden prompt
// with this text, for stories260K; the test skips without the shared data.
func GoldenText(t testing.TB, prompt string) string {
	t.Helper()
	var g struct {
		Cases []struct {
			Prompt        string `json:"prompt"`
			GeneratedText string `json:"generated_text"`
		} `json:"cases"`
	}
	b, err := os.ReadFile(shared.Path(t, "golden", "stories260K.gguf.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Cases {
		if c.Prompt == prompt {
			return c.GeneratedText
		}
	}
	t.Fatalf("no golden case with prompt %q", prompt)
	return ""
}

// Server is the real Hearth server (echo) on a fixed loopback port: Stop and Start again
// keep the same URL, so a page can lose and regain its server.
type Server struct {
	URL    string // "http://127.0.0.1:PORT/"
	t      testing.TB
	bin    string
	dir    string
	addr   string
	mu     sync.Mutex
	cmd    *exec.Cmd
	logBuf *bytes.Buffer
}

var (
	serverBinOnce sync.Once
	serverBin     string
	serverBinErr  error
)

// StartServer builds ./server once per test binary and serves dir with it.
func StartServer(t testing.TB, dir string) *Server {
	t.Helper()
	serverBinOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "hearth-webtest-server-")
		if err != nil {
			serverBinErr = err
			return
		}
		serverBin = filepath.Join(tmp, "server")
		cmd := exec.Command("go", "build", "-o", serverBin, "./server")
		cmd.Dir = shared.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			serverBinErr = fmt.Errorf("go build ./server: %v\n%s", err, out)
		}
	})
	if serverBinErr != nil {
		t.Fatal(serverBinErr)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{URL: "http://" + addr + "/", t: t, bin: serverBin, dir: dir, addr: addr}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its port and waits until it serves.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		cmd := exec.Command(s.bin, "--addr", s.addr, "--static", s.dir)
		stderr, perr := cmd.StderrPipe()
		if perr != nil {
			s.t.Fatal(perr)
		}
		if err = cmd.Start(); err != nil {
			s.t.Fatal(err)
		}
		ready := make(chan bool, 1)
		logBuf := &bytes.Buffer{}
		var logMu sync.Mutex
		go func() {
			sc := bufio.NewScanner(stderr)
			re := regexp.MustCompile(`serving .* on http://`)
			sent := false
			for sc.Scan() {
				logMu.Lock()
				logBuf.WriteString(sc.Text() + "\n")
				logMu.Unlock()
				if !sent && re.MatchString(sc.Text()) {
					ready <- true
					sent = true
				}
			}
			if !sent {
				ready <- false
			}
		}()
		select {
		case ok := <-ready:
			if ok {
				s.cmd, s.logBuf = cmd, logBuf
				return
			}
			cmd.Wait()
			// The port may still be held by the previous process for a moment.
			time.Sleep(100 * time.Millisecond)
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			s.t.Fatal("the server did not start within 30 s")
		}
	}
	s.t.Fatalf("the server could not start on %s", s.addr)
}

// Stop kills the server; the page's next request to it fails.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Browser is one headless Chromium with a tab, and the problems the page reported.
type Browser struct {
	Ctx      context.Context // the tab; every chromedp action runs on it
	t        testing.TB
	mu       sync.Mutex
	problems []string
	allowed  []*regexp.Regexp
}

// BrowserOptions tune NewBrowser.
type BrowserOptions struct {
	Width, Height int            // window size; 1100x800 when zero
	Timeout       time.Duration  // for the whole test; 4 minutes when zero
	UserDataDir   string         // a profile to share between browsers (a cache that survives); a fresh one when ""
	Flags         map[string]any // more Chromium command-line flags ("disable-features": "X")
}

// NewBrowser starts headless Chromium and listens for console errors, exceptions and
// browser-logged errors (see Problems).
func NewBrowser(t testing.TB, o BrowserOptions) *Browser {
	t.Helper()
	NeedChromium(t)
	if o.Width == 0 {
		o.Width, o.Height = 1100, 800
	}
	if o.Timeout == 0 {
		o.Timeout = 4 * time.Minute
	}
	if o.UserDataDir == "" {
		o.UserDataDir = t.TempDir()
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(o.UserDataDir), chromedp.WindowSize(o.Width, o.Height))
	for k, v := range o.Flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	b := &Browser{t: t}
	// Listen starts the browser; its context must carry no timeout.
	if err := chromedp.Listen(bctx, b.record); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(bctx, o.Timeout)
	t.Cleanup(cancel3)
	b.Ctx = ctx
	return b
}

func (b *Browser) record(ev any) {
	var p string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		desc := ""
		if d.Exception != nil {
			desc = d.Exception.Description
		}
		p = fmt.Sprintf("exception: %s %s at %s:%d", d.Text, desc, d.URL, d.LineNumber+1)
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		var args []string
		for _, a := range e.Args {
			args = append(args, strings.TrimSpace(string(a.Value)+" "+a.Description))
		}
		p = "console.error: " + strings.Join(args, " ")
	case *cdplog.EventEntryAdded:
		// CSP violations, failed loads (404s) and other browser-reported errors.
		if e.Entry.Level != cdplog.EntryLevelError {
			return
		}
		p = fmt.Sprintf("%s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
	default:
		return
	}
	b.mu.Lock()
	b.problems = append(b.problems, p)
	b.mu.Unlock()
}

// Allow makes problems matching the regular expression expected (a test that stops the
// server expects failed loads): Problems and CheckClean leave them out.
func (b *Browser) Allow(pattern string) {
	b.mu.Lock()
	b.allowed = append(b.allowed, regexp.MustCompile(pattern))
	b.mu.Unlock()
}

// Problems returns what the page reported as errors so far, less the allowed ones.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
next:
	for _, p := range b.problems {
		for _, re := range b.allowed {
			if re.MatchString(p) {
				continue next
			}
		}
		out = append(out, p)
	}
	return out
}

// CheckClean fails the test for every problem the page reported.
func (b *Browser) CheckClean() {
	b.t.Helper()
	for _, p := range b.Problems() {
		b.t.Errorf("page problem: %s", p)
	}
}

// Do runs chromedp actions on the tab, failing the test with what and the page's problems.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v (page problems: %q)", what, err, b.Problems())
	}
}

// Eval evaluates a JS expression (awaiting a promise) and decodes its JSON value into out
// (which may be nil).
func (b *Browser) Eval(js string, out any) {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.200s: %v (page problems: %q)", js, err, b.Problems())
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			b.t.Fatalf("evaluate %.200s: result %s: %v", js, v, err)
		}
	}
}

// WaitFor polls a JS expression until it is truthy, or fails after d.
func (b *Browser) WaitFor(what, js string, d time.Duration) {
	b.t.Helper()
	end := time.Now().Add(d)
	for {
		var ok bool
		v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[json.RawMessage]("!!("+js+")", chromedp.EvalAwaitPromise))
		if err == nil {
			json.Unmarshal(v, &ok)
		}
		if ok {
			return
		}
		if time.Now().After(end) || b.Ctx.Err() != nil {
			b.t.Fatalf("%s: %s still false after %v (last error %v; page problems: %q)", what, js, d, err, b.Problems())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ScreenshotDir is where screenshots go: $HEARTH_SCREENSHOTS, or tmp/screenshots in the
// repository (git-ignored).
func ScreenshotDir() string {
	if d := os.Getenv("HEARTH_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(shared.RepoRoot(), "tmp", "screenshots")
}

// Screenshot saves a PNG of the viewport as <ScreenshotDir>/<name>.png and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

// copyTree copies the regular files under src to dst.
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		d := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return err
		}
		return os.WriteFile(d, b, 0o644)
	})
}
