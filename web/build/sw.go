package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"

	"github.com/evanw/esbuild/pkg/api"
)

// The service worker keeps its name (a browser finds its update by URL) and is built last,
// from the list of everything else the build stages.
const (
	swEntry = "web/app/sw.js"
	swName  = "sw.js"
)

// precacheList is the app shell the service worker caches on install: every staged file
// but the service worker itself, sorted (index.html, the web app manifest, the hashed
// scripts, style, icon, engine, wasm_exec.js and kernel modules). Called before compress,
// so there are no .gz/.br siblings among them.
func precacheList(files map[string]*staged) []string {
	var names []string
	for n := range files {
		if n != swName {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// shellVersion names the shell cache: the first 12 hex digits of a sha256 over the shell's
// file names and contents, so any change to any of them makes a new cache (and the old one
// is deleted when the new service worker activates).
func shellVersion(files map[string]*staged, names []string) string {
	h := sha256.New()
	for _, n := range names {
		sum := sha256.Sum256(files[n].data)
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// addServiceWorker stages sw.js: web/app/sw.js bundled as a classic script with
// HEARTH_SW_VERSION and HEARTH_PRECACHE defined, minified, under its own name. It returns
// the version, or "" when the source is absent.
func (b *builder) addServiceWorker() (string, error) {
	if !b.exists(swEntry) {
		return "", nil
	}
	names := precacheList(b.files)
	version := shellVersion(b.files, names)
	list, err := json.Marshal(names)
	if err != nil {
		return "", err
	}
	q := func(s string) string {
		j, _ := json.Marshal(s)
		return string(j)
	}
	out, err := bundle(b.opt.Root, swEntry, api.FormatIIFE, map[string]string{
		"HEARTH_SW_VERSION": q(version),
		"HEARTH_PRECACHE":   q(string(list)), // a JSON string: the worker parses it
	})
	if err != nil {
		return "", err
	}
	m, err := minifyAs(b.min, ".js", out.code)
	if err != nil {
		return "", err
	}
	var size int64
	for _, in := range out.inputs {
		fi, err := os.Stat(filepath.Join(b.opt.Root, filepath.FromSlash(in)))
		if err != nil {
			return "", err
		}
		size += fi.Size()
	}
	b.add(swName, m, false, out.inputs, size)
	return version, nil
}
