package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/tdewolff/minify/v2"

	"hearth"
)

// Options configure a build.
type Options struct {
	Root    string    // the repository: web/, wasm/ and index.templ's package live here
	Out     string    // the static folder written; its models/ folder is never touched
	WasmDir string    // a folder with engine.wasm and wasm_exec.js built earlier; "" runs wasm/build.sh
	Log     io.Writer // progress and warnings; nil discards them

	// Hub is the base URL the catalog's models download from: a mirror of the Hugging Face
	// hub (same URLs), or "" for https://huggingface.co.
	Hub string

	// BrotliQuality is the .br files' quality, 1 to 11; 0 means 11, the best, which costs
	// ~4 s a MB here (the engine: ~15 s, once: reruns reuse unchanged .br files); 9 is ~40×
	// faster and ~10% larger.
	BrotliQuality int
}

// File is one file of the bundle.
type File struct {
	Name       string   `json:"name"`                  // relative to the static folder, slash-separated
	Size       int      `json:"size"`                  // bytes written
	Sources    []string `json:"sources,omitempty"`     // repository files it was made from
	SourceSize int64    `json:"source_size,omitempty"` // their total size, when minified from them
	Of         string   `json:"of,omitempty"`          // for a .gz or .br: the file it compresses
	OfSHA256   string   `json:"of_sha256,omitempty"`   // and that file's sha256
}

// Result is what a build wrote.
type Result struct {
	Assets  hearth.Assets
	Embed   hearth.EmbedAssets // the embed page's assets (widget.go); empty without web/widget
	Files   []File             // sorted by name; index.html, the hashed assets and their .gz/.br
	Written []string           // files whose bytes changed in this run
	Removed []string           // stale files of earlier builds deleted in this run
}

// The front end's sources, relative to the repository root. The worker's files come from
// another part of the project and are bundled when present.
const (
	appEntry      = "web/app/main.js"
	styleEntry    = "web/app/style.css"
	iconSource    = "web/app/icon.svg"
	manifestSrc   = "web/app/manifest.webmanifest"
	workerEntry   = "web/worker/worker.js"
	clientEntry   = "web/worker/client.js"
	apiEntry      = "web/app/api.js"
	apiName       = "hearth.js" // the Hearth API for other pages: a stable, unhashed name
	indexName     = "index.html"
	manifestName  = "manifest.webmanifest"
	modelsIndex   = "models/index.json"
	engineName    = "engine.wasm"
	wasmExecName  = "wasm_exec.js"
	recordName    = ".hearth-build.json"
	modelsDirName = "models"
)

// builder holds a build in memory until it is written out.
type builder struct {
	opt   Options
	min   *minify.M
	files map[string]*staged
}

type staged struct {
	data []byte
	File
}

// Build builds the front end and the engine into opt.Out: bundles (esbuild), minifies
// (tdewolff/minify), names assets by content hash, renders index.templ to index.html,
// precompresses, then writes only what changed and deletes what earlier builds left.
func Build(opt Options) (*Result, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Root == "" {
		opt.Root = "."
	}
	if opt.Out == "" {
		return nil, fmt.Errorf("no output folder")
	}
	if opt.BrotliQuality == 0 {
		opt.BrotliQuality = 11
	}
	if opt.BrotliQuality < 1 || opt.BrotliQuality > 11 {
		return nil, fmt.Errorf("brotli quality %d: want 1 to 11", opt.BrotliQuality)
	}
	b := &builder{opt: opt, min: newMinifier(), files: map[string]*staged{}}
	a := hearth.Assets{Manifest: manifestName, Models: modelsIndex}

	engine, err := buildEngine(opt.Root, opt.WasmDir, opt.Log)
	if err != nil {
		return nil, err
	}
	if err := b.addEngine(engine, &a); err != nil {
		return nil, err
	}
	if a.Icon, err = b.minified(iconSource, "icon.svg", true); err != nil {
		return nil, err
	}
	if a.Style, err = b.bundled(styleEntry, "app.css", api.FormatDefault, nil); err != nil {
		return nil, err
	}
	if b.exists(workerEntry) {
		if a.Worker, err = b.bundled(workerEntry, "worker.js", api.FormatIIFE, workerDefines(a)); err != nil {
			return nil, err
		}
	}
	if b.exists(clientEntry) {
		if a.Client, err = b.bundled(clientEntry, "client.js", api.FormatESModule, nil); err != nil {
			return nil, err
		}
	}
	// The page and the standalone Hearth API (web/app/api.js) find the engine's worker
	// relative to their own URL (import.meta.url): the worker lies next to them.
	apiDefines := map[string]string{"HEARTH_WORKER_URL": jsString(a.Worker)}
	if a.Script, err = b.bundled(appEntry, "app.js", api.FormatESModule, apiDefines); err != nil {
		return nil, err
	}
	if a.API, err = b.bundledAs(apiEntry, apiName, false, api.FormatESModule, apiDefines); err != nil {
		return nil, err
	}
	if err := b.addManifest(a); err != nil {
		return nil, err
	}
	if err := b.addIndex(a); err != nil {
		return nil, err
	}
	if err := b.addCatalog(opt.Hub); err != nil { // catalog.json (catalog.go)
		return nil, err
	}
	if _, err := b.addServiceWorker(); err != nil {
		return nil, err
	}
	embed, err := b.addWidget(a)
	if err != nil {
		return nil, err
	}
	if err := b.compress(); err != nil {
		return nil, err
	}
	res := &Result{Assets: a, Embed: embed}
	for _, s := range b.files {
		res.Files = append(res.Files, s.File)
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Name < res.Files[j].Name })
	if res.Written, res.Removed, err = writeOut(opt.Out, b.files, res.Files); err != nil {
		return nil, err
	}
	return res, nil
}

func (b *builder) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(b.opt.Root, filepath.FromSlash(rel)))
	return err == nil
}

// add stages a file; hashed files get their content hash in the name. It returns the name.
func (b *builder) add(name string, data []byte, hashed bool, sources []string, sourceSize int64) string {
	if hashed {
		name = hashedName(name, data)
	}
	b.files[name] = &staged{data: data, File: File{Name: name, Size: len(data), Sources: sources, SourceSize: sourceSize}}
	return name
}

// addEngine stages the engine's files under hashed names: the .wasm files as built,
// wasm_exec.js minified.
func (b *builder) addEngine(files engineFiles, a *hearth.Assets) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data := files[n]
		if path.Ext(n) == ".js" {
			m, err := minifyAs(b.min, ".js", data)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			data = m
		}
		out := b.add(n, data, true, nil, 0)
		if a.EngineFiles == nil {
			a.EngineFiles = map[string]string{}
		}
		a.EngineFiles[n] = out
		switch n {
		case engineName:
			a.Engine = out
		case wasmExecName:
			a.WasmExec = out
		}
	}
	return nil
}

// minified stages the minified copy of one source file.
func (b *builder) minified(src, name string, hashed bool) (string, error) {
	data, err := os.ReadFile(filepath.Join(b.opt.Root, filepath.FromSlash(src)))
	if err != nil {
		return "", err
	}
	m, err := minifyAs(b.min, path.Ext(name), data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	return b.add(name, m, hashed, []string{src}, int64(len(data))), nil
}

// bundled stages the minified esbuild bundle of an entry point under a hashed name.
func (b *builder) bundled(entry, name string, format api.Format, define map[string]string) (string, error) {
	return b.bundledAs(entry, name, true, format, define)
}

// bundledAs stages the minified esbuild bundle of an entry point, under a hashed name or
// (hashed false) under name itself.
func (b *builder) bundledAs(entry, name string, hashed bool, format api.Format, define map[string]string) (string, error) {
	out, err := bundle(b.opt.Root, entry, format, define)
	if err != nil {
		return "", err
	}
	m, err := minifyAs(b.min, path.Ext(name), out.code)
	if err != nil {
		return "", fmt.Errorf("%s: %w", entry, err)
	}
	var size int64
	for _, in := range out.inputs {
		fi, err := os.Stat(filepath.Join(b.opt.Root, filepath.FromSlash(in)))
		if err != nil {
			return "", err
		}
		size += fi.Size()
	}
	return b.add(name, m, hashed, out.inputs, size), nil
}

// addManifest stages the web app manifest with its icon names replaced by the hashed ones.
func (b *builder) addManifest(a hearth.Assets) error {
	src, err := os.ReadFile(filepath.Join(b.opt.Root, filepath.FromSlash(manifestSrc)))
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(src, &doc); err != nil {
		return fmt.Errorf("%s: %v", manifestSrc, err)
	}
	doc = replaceStrings(doc, map[string]string{"icon.svg": a.Icon})
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if data, err = minifyAs(b.min, ".webmanifest", data); err != nil {
		return fmt.Errorf("%s: %w", manifestSrc, err)
	}
	b.add(manifestName, data, false, []string{manifestSrc}, int64(len(src)))
	return nil
}

// replaceStrings returns v with every string equal to a key of repl replaced by its value.
func replaceStrings(v any, repl map[string]string) any {
	switch x := v.(type) {
	case string:
		if r, ok := repl[x]; ok {
			return r
		}
	case []any:
		for i := range x {
			x[i] = replaceStrings(x[i], repl)
		}
	case map[string]any:
		for k := range x {
			x[k] = replaceStrings(x[k], repl)
		}
	}
	return v
}

// addIndex renders index.templ with the assets' names and stages it minified.
func (b *builder) addIndex(a hearth.Assets) error {
	var page bytes.Buffer
	if err := hearth.Index(a).Render(context.Background(), &page); err != nil {
		return fmt.Errorf("render index.templ: %w", err)
	}
	m, err := minifyAs(b.min, ".html", page.Bytes())
	if err != nil {
		return fmt.Errorf("index.html: %w", err)
	}
	b.add(indexName, m, false, []string{"index.templ"}, int64(page.Len()))
	return nil
}

// jsString is s as a JavaScript string literal, for esbuild's define.
func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// workerDefines tells the worker bundle where the engine's files are (names relative to the
// worker script, which lies next to them).
func workerDefines(a hearth.Assets) map[string]string {
	q := func(s string) string {
		j, _ := json.Marshal(s)
		return string(j)
	}
	files := a.EngineFiles
	if files == nil {
		files = map[string]string{}
	}
	all, _ := json.Marshal(files)
	return map[string]string{
		"HEARTH_ENGINE_URL":    q(a.Engine),
		"HEARTH_WASM_EXEC_URL": q(a.WasmExec),
		"HEARTH_ENGINE_FILES":  q(string(all)), // a JSON string: the worker parses it
	}
}

// compress stages .gz and .br siblings of every compressible file, each only when it is
// smaller than the file.
func (b *builder) compress() error {
	names := make([]string, 0, len(b.files))
	for n := range b.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := b.files[n]
		if !compressible(n) {
			continue
		}
		sum := sha256Hex(s.data)
		for _, enc := range []struct {
			ext string
			fn  func([]byte) ([]byte, error)
		}{{".gz", gzipBytes}, {".br", func(d []byte) ([]byte, error) { return brotliBytes(d, b.opt.BrotliQuality) }}} {
			c, ok := reuseCompressed(b.opt.Out, n+enc.ext, sum)
			if !ok {
				var err error
				if c, err = enc.fn(s.data); err != nil {
					return fmt.Errorf("%s%s: %w", n, enc.ext, err)
				}
			}
			if len(c) >= len(s.data) {
				continue
			}
			b.files[n+enc.ext] = &staged{data: c, File: File{Name: n + enc.ext, Size: len(c), Of: n, OfSHA256: sum}}
		}
	}
	return nil
}

func isUnder(name, dir string) bool {
	return name == dir || strings.HasPrefix(name, dir+"/")
}
