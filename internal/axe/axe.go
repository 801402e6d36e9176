// Package axe runs axe-core (Deque's accessibility engine, the npm package pinned in
// package.json next to this file) on a page open in a webtest.Browser, in any of its frames,
// and fails the test for every serious or critical violation.
//
// axe-core is installed by `npm ci --prefix internal/axe` (./build.sh test runs it); without
// it the tests that use this package skip, saying so.
package axe

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

var (
	sourceOnce sync.Once
	source     string
	sourceErr  error
)

// Dir is the folder holding package.json and, once installed, node_modules/axe-core.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Source returns axe.min.js, or skips the test when axe-core is not installed.
func Source(t testing.TB) string {
	t.Helper()
	sourceOnce.Do(func() {
		var b []byte
		b, sourceErr = os.ReadFile(filepath.Join(Dir(), "node_modules", "axe-core", "axe.min.js"))
		source = string(b)
	})
	if sourceErr != nil {
		t.Skipf("axe-core is not installed (%v): run npm ci --prefix internal/axe (./build.sh test does)", sourceErr)
	}
	return source
}

// Available reports whether axe-core is installed (for a test that checks it on the way
// and must not skip its other checks without it).
func Available() bool {
	_, err := os.Stat(filepath.Join(Dir(), "node_modules", "axe-core", "axe.min.js"))
	return err == nil
}

// Violation is one axe rule that failed, with the elements that fail it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
	}
	return b.String()
}

// Run runs axe-core on the document of the frame whose URL contains frameURL ("" for the
// tab's main frame), in an isolated world of its own so that the page's scripts and its
// Content-Security-Policy neither see nor stop it, and returns every violation (WCAG 2.x
// A and AA rules and axe's best practices).
func Run(t testing.TB, b *webtest.Browser, frameURL string) []Violation {
	t.Helper()
	src := Source(t)
	var out []Violation
	err := func() error {
		ctx := b.Ctx
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		frame := findFrame(tree.FrameTree, frameURL)
		if frame == nil {
			return fmt.Errorf("no frame with a URL containing %q", frameURL)
		}
		world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame.ID, WorldName: "axe"})
		if err != nil {
			return fmt.Errorf("isolated world in %s: %w", frame.URL, err)
		}
		yes := true
		r, err := chromedp.Call(ctx, cdpruntime.Evaluate, cdpruntime.EvaluateParams{Expression: src, ContextID: world.ExecutionContextID})
		if err != nil || r.ExceptionDetails != nil {
			return fmt.Errorf("load axe-core: %v %s", err, describe(r.ExceptionDetails))
		}
		r, err = chromedp.Call(ctx, cdpruntime.Evaluate, cdpruntime.EvaluateParams{
			Expression: `axe.run(document, { resultTypes: ["violations"], rules: { "label-content-name-mismatch": { enabled: true } } }).then((r) => JSON.stringify(r.violations))`,
			ContextID:  world.ExecutionContextID, AwaitPromise: &yes, ReturnByValue: &yes})
		if err != nil || r.ExceptionDetails != nil {
			return fmt.Errorf("axe.run: %v %s", err, describe(r.ExceptionDetails))
		}
		var text string
		if err := json.Unmarshal(r.Result.Value, &text); err != nil {
			return err
		}
		return json.Unmarshal([]byte(text), &out)
	}()
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	return out
}

// Check runs axe-core (see Run) and fails the test for each serious or critical violation,
// and for each violation of the rules named in also (lesser ones the page promises to
// pass, e.g. "landmark-one-main"), naming the state of the page it was found in; it logs
// the others.
func Check(t testing.TB, b *webtest.Browser, state, frameURL string, also ...string) {
	t.Helper()
	for _, v := range Run(t, b, frameURL) {
		if v.Impact == "serious" || v.Impact == "critical" || slices.Contains(also, v.ID) {
			t.Errorf("axe, %s: %s", state, v)
		} else {
			t.Logf("axe, %s (not failing): %s", state, v)
		}
	}
}

func findFrame(tree *page.FrameTree, urlPart string) *cdp.Frame {
	if tree == nil || tree.Frame == nil {
		return nil
	}
	if strings.Contains(tree.Frame.URL, urlPart) {
		return tree.Frame
	}
	for _, c := range tree.ChildFrames {
		if f := findFrame(c, urlPart); f != nil {
			return f
		}
	}
	return nil
}

func describe(exc *cdpruntime.ExceptionDetails) string {
	if exc == nil {
		return ""
	}
	if exc.Exception != nil {
		return exc.Text + " " + exc.Exception.Description
	}
	return exc.Text
}
