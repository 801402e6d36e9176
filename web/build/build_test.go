package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"golang.org/x/net/html"

	"hearth"
)

// The tests share one build (the engine's wasm build is the slow part) into a folder made
// by TestMain; the idempotency test rebuilds into the same folder.
var (
	testOut    string
	testResult *Result
	testErr    error
)

const testRoot = "../.."

func testOptions(out string) Options {
	// Quality 5 keeps the test build quick; the .br files' correctness does not depend on it.
	return Options{Root: testRoot, Out: out, BrotliQuality: 5}
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hearth-build-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testOut = filepath.Join(dir, "static")
	testResult, testErr = Build(testOptions(testOut))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func built(t *testing.T) *Result {
	t.Helper()
	if testErr != nil {
		t.Fatalf("build: %v", testErr)
	}
	return testResult
}

func readOut(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testOut, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unhashedOutputs keep their names: the entry points a browser asks for by name.
var unhashedOutputs = map[string]bool{"index.html": true, "sw.js": true, "manifest.webmanifest": true,
	"widget.js": true, "embed.html": true, "hearth.js": true, "catalog.json": true}

func TestHashedNames(t *testing.T) {
	res := built(t)
	names := map[string]bool{}
	for _, f := range res.Files {
		names[f.Name] = true
	}
	for _, f := range res.Files {
		data := readOut(t, f.Name)
		if len(data) != f.Size {
			t.Errorf("%s: %d bytes on disk, result says %d", f.Name, len(data), f.Size)
		}
		if f.Of != "" {
			if f.Name != f.Of+".gz" && f.Name != f.Of+".br" {
				t.Errorf("%s: compressed sibling of %s has the wrong name", f.Name, f.Of)
			}
			if !names[f.Of] {
				t.Errorf("%s: compresses %s, which the build did not write", f.Name, f.Of)
			}
			continue
		}
		if unhashedOutputs[f.Name] {
			if _, ok := unhashedName(f.Name); ok {
				t.Errorf("%s: entry point has a hashed name", f.Name)
			}
			continue
		}
		base, ok := unhashedName(f.Name)
		if !ok {
			t.Errorf("%s: asset without a content hash in its name", f.Name)
			continue
		}
		if want := hashedName(base, data); want != f.Name {
			t.Errorf("%s: content hashes to %s", f.Name, want)
		}
	}
	for _, want := range []string{res.Assets.Script, res.Assets.Style, res.Assets.Icon, "index.html", "manifest.webmanifest"} {
		if want == "" || !names[want] {
			t.Errorf("asset %q missing from the build (%v)", want, res.Assets)
		}
	}
}

// pageRefs returns the local URLs index.html refers to: src and href attributes, and the
// hearth-assets JSON block flattened (engineFiles' values listed under "engineFiles/<name>").
func pageRefs(t *testing.T, page []byte) (refs []string, assets map[string]string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("index.html: %v", err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "href" {
					refs = append(refs, a.Val)
				}
			}
			if n.Data == "script" && attr(n, "id") == "hearth-assets" && n.FirstChild != nil {
				assets = flattenAssets(t, []byte(n.FirstChild.Data))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if assets == nil {
		t.Fatal("index.html has no hearth-assets block")
	}
	return refs, assets
}

func flattenAssets(t *testing.T, block []byte) map[string]string {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal(block, &raw); err != nil {
		t.Fatalf("hearth-assets block: %v", err)
	}
	flat := map[string]string{}
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			flat[k] = x
		case map[string]any:
			for name, u := range x {
				s, ok := u.(string)
				if !ok {
					t.Fatalf("hearth-assets %s.%s: %v is not a string", k, name, u)
				}
				flat[k+"/"+name] = s
			}
		default:
			t.Fatalf("hearth-assets %s: unexpected %T", k, v)
		}
	}
	return flat
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestIndexReferencesExist(t *testing.T) {
	res := built(t)
	page := readOut(t, "index.html")
	refs, assets := pageRefs(t, page)
	if len(refs) < 4 {
		t.Fatalf("index.html refers to %d files, want the icon, manifest, style sheet and script: %q", len(refs), refs)
	}
	for k, v := range assets {
		if k == "models" {
			if v != modelsIndex {
				t.Errorf("models index at %q, want %q (hearth add-model writes it)", v, modelsIndex)
			}
			continue
		}
		refs = append(refs, v)
	}
	for _, r := range refs {
		if strings.Contains(r, ":") || strings.HasPrefix(r, "/") || strings.Contains(r, "..") {
			t.Errorf("reference %q is not relative to the page: the bundle must work from any folder", r)
			continue
		}
		if _, err := os.Stat(filepath.Join(testOut, filepath.FromSlash(r))); err != nil {
			t.Errorf("index.html refers to %s, which the build did not write", r)
		}
	}
	if assets["script"] != res.Assets.Script || assets["style"] != res.Assets.Style {
		t.Errorf("page assets %v differ from the build's %+v", assets, res.Assets)
	}
	// The web app manifest's icons exist too.
	var man struct {
		Icons []struct{ Src string } `json:"icons"`
	}
	if err := json.Unmarshal(readOut(t, "manifest.webmanifest"), &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Icons) == 0 {
		t.Error("manifest.webmanifest has no icons")
	}
	for _, ic := range man.Icons {
		if _, err := os.Stat(filepath.Join(testOut, ic.Src)); err != nil {
			t.Errorf("manifest icon %s was not written", ic.Src)
		}
	}
}

// TestNoInlineCode checks what the server's CSP demands: no inline script (other than the
// JSON data block), no inline style, no event-handler attributes.
func TestNoInlineCode(t *testing.T) {
	built(t)
	doc, err := html.Parse(bytes.NewReader(readOut(t, "index.html")))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" && attr(n, "src") == "" && attr(n, "type") != "application/json" {
				t.Errorf("inline <script>: the CSP would block it")
			}
			if n.Data == "style" {
				t.Errorf("inline <style>: the CSP would block it")
			}
			for _, a := range n.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s %s=...>: the CSP would block it", n.Data, a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func TestPrecompressed(t *testing.T) {
	res := built(t)
	siblings := map[string]bool{}
	for _, f := range res.Files {
		if f.Of == "" {
			continue
		}
		siblings[f.Name] = true
		orig, data := readOut(t, f.Of), readOut(t, f.Name)
		var r io.Reader
		switch path.Ext(f.Name) {
		case ".gz":
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Errorf("%s: %v", f.Name, err)
				continue
			}
			r = zr
		case ".br":
			r = brotli.NewReader(bytes.NewReader(data))
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if !bytes.Equal(got, orig) {
			t.Errorf("%s does not decompress to %s (%d bytes, want %d)", f.Name, f.Of, len(got), len(orig))
		}
		if len(data) >= len(orig) {
			t.Errorf("%s (%d bytes) is no smaller than %s (%d)", f.Name, len(data), f.Of, len(orig))
		}
		if sha256Hex(orig) != f.OfSHA256 {
			t.Errorf("%s: recorded source hash is not %s's", f.Name, f.Of)
		}
	}
	// Every text asset and the engine of more than a few hundred bytes has both siblings.
	for _, f := range res.Files {
		if f.Of != "" || !compressible(f.Name) || f.Size < 512 {
			continue
		}
		for _, ext := range []string{".gz", ".br"} {
			if !siblings[f.Name+ext] {
				t.Errorf("%s (%d bytes) has no %s", f.Name, f.Size, ext)
			}
		}
	}
	if res.Assets.Engine != "" && !siblings[res.Assets.Engine+".br"] {
		t.Errorf("engine %s has no .br", res.Assets.Engine)
	}
}

// TestMinified compares each minified output with its sources, measured here: the bundles
// with the files esbuild read, index.html with index.templ's rendering before minification.
func TestMinified(t *testing.T) {
	res := built(t)
	checked := 0
	for _, f := range res.Files {
		if f.Of != "" || len(f.Sources) == 0 {
			continue
		}
		var src int64
		if f.Name == "index.html" {
			var buf bytes.Buffer
			if err := hearth.Index(res.Assets).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			src = int64(buf.Len())
		} else {
			for _, s := range f.Sources {
				fi, err := os.Stat(filepath.Join(testRoot, filepath.FromSlash(s)))
				if err != nil {
					t.Fatalf("%s: source %s: %v", f.Name, s, err)
				}
				src += fi.Size()
			}
		}
		if int64(f.Size) >= src {
			t.Errorf("%s: %d bytes, not smaller than its sources' %d (%v)", f.Name, f.Size, src, f.Sources)
		}
		t.Logf("%-24s %6d bytes from %6d (%.0f%%)", f.Name, f.Size, src, 100*float64(f.Size)/float64(src))
		checked++
	}
	if checked < 5 {
		t.Errorf("checked %d minified files, want at least the script, style sheet, icon, manifest and page", checked)
	}
}

// TestScriptsParse runs node --check on every script the build wrote, so a minifier bug
// that breaks the syntax fails here rather than in a browser.
func TestScriptsParse(t *testing.T) {
	res := built(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: cannot syntax-check the bundles")
	}
	modules := map[string]bool{res.Assets.Script: true, res.Assets.Client: true, res.Assets.API: true, res.Embed.Script: true}
	for _, f := range res.Files {
		if f.Of != "" || path.Ext(f.Name) != ".js" {
			continue
		}
		// node decides module or script by the extension.
		ext := ".cjs"
		if modules[f.Name] {
			ext = ".mjs"
		}
		p := filepath.Join(t.TempDir(), strings.TrimSuffix(f.Name, ".js")+ext)
		if err := os.WriteFile(p, readOut(t, f.Name), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", p).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f.Name, err, out)
		}
	}
}

// modTimes maps every file under dir to its modification time.
func modTimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			m[filepath.ToSlash(rel)] = info.ModTime()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRebuildIsIdempotent(t *testing.T) {
	first := built(t)
	before := modTimes(t, testOut)
	again, err := Build(testOptions(testOut))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Written) != 0 || len(again.Removed) != 0 {
		t.Errorf("rerun wrote %v and removed %v, want nothing", again.Written, again.Removed)
	}
	if fmt.Sprint(again.Files) != fmt.Sprint(first.Files) || !reflect.DeepEqual(again.Assets, first.Assets) {
		t.Errorf("rerun made a different bundle:\n%v\n%v", again.Files, first.Files)
	}
	after := modTimes(t, testOut)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rerun touched files:\nbefore %v\nafter  %v", before, after)
	}
}

// TestStaleFilesRemoved plants what earlier builds leave behind, and what the build does
// not own, then rebuilds: the first kind goes, the second stays.
func TestStaleFilesRemoved(t *testing.T) {
	res := built(t)
	plant := func(name, data string) {
		p := filepath.Join(testOut, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stale := []string{"app.0badc0de.js", "app.0badc0de.js.br", "app.0badc0de.css.gz", "icon.12345678.svg"}
	kept := []string{"models/m/shard-000.0123456789abcdef.bin", "models/index.json", "embed-example.html",
		"notes.12345678.txt", "models/app.0badc0de.js"}
	for _, n := range append(append([]string{}, stale...), kept...) {
		plant(n, "planted "+n)
	}
	// A file only the last build's record names is stale too.
	var rec record
	if err := json.Unmarshal(readOut(t, recordName), &rec); err != nil {
		t.Fatal(err)
	}
	rec.Files = append(rec.Files, File{Name: "old-entry.js", Size: 3})
	j, _ := json.Marshal(rec)
	plant(recordName, string(j))
	plant("old-entry.js", "old")
	stale = append(stale, "old-entry.js")

	again, err := Build(testOptions(testOut))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(testOut, n)); !os.IsNotExist(err) {
			t.Errorf("stale %s still there (err %v)", n, err)
		}
	}
	for _, n := range kept {
		if got := string(readOut(t, n)); got != "planted "+n {
			t.Errorf("%s changed: %q", n, got)
		}
		os.Remove(filepath.Join(testOut, filepath.FromSlash(n)))
	}
	os.RemoveAll(filepath.Join(testOut, "models"))
	if fmt.Sprint(again.Files) != fmt.Sprint(res.Files) {
		t.Errorf("rebuild made a different bundle")
	}
	if fmt.Sprint(again.Removed) != fmt.Sprint(sortedCopy(stale)) {
		t.Errorf("removed %v, want %v", again.Removed, sortedCopy(stale))
	}
}
