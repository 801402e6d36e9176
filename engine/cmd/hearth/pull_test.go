//go:build !js

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hearth/engine/synth"
	"hearth/internal/catalog"
	"hearth/internal/fakehub"
	"hearth/internal/hub"
	"hearth/internal/modelstore"
)

// synthGGUF is a small random-weight model the engine runs (synth's tiny shape).
func synthGGUF(t *testing.T) []byte {
	t.Helper()
	w, err := synth.Build(synth.Options{Shape: synth.Shapes["tiny"], Type: "Q8_0", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkNothingAdded fails when static lists a model or dl keeps a download.
func checkNothingAdded(t *testing.T, static, dl string) {
	t.Helper()
	if idx, err := modelstore.ReadIndex(static); err == nil && len(idx.Models) > 0 {
		t.Errorf("models added: %+v", idx.Models)
	}
	filepath.Walk(dl, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			t.Errorf("download left behind: %s", p)
		}
		return nil
	})
}

func TestPullCommand(t *testing.T) {
	content := synthGGUF(t)
	h := fakehub.Start(t)
	h.Add("org/tiny-GGUF", "tiny-Q8_0.gguf", content)
	// The first answer is cut: the pull resumes and still verifies.
	h.SetFaults("org/tiny-GGUF", "tiny-Q8_0.gguf", fakehub.Fault{Times: 1, Drop: true, After: int64(len(content) / 3)})

	static, dl := t.TempDir(), t.TempDir()
	t.Setenv("HEARTH_HUB", h.URL)
	if err := runPull([]string{"org/tiny-GGUF/tiny-Q8_0.gguf", "--static", static, "--dir", dl, "--shard-size", "64KiB"}); err != nil {
		t.Fatal(err)
	}
	m, err := modelstore.ReadManifest(static, "tiny-Q8_0")
	if err != nil {
		t.Fatal(err)
	}
	if m.FileSize != int64(len(content)) || m.SHA256 != sha256Hex(content) || m.Architecture != "llama" || len(m.Shards) < 2 {
		t.Errorf("manifest %+v", m.Summary)
	}
	if reqs := h.BodyRequests(); len(reqs) != 2 || reqs[1].Range == "" {
		t.Errorf("body requests %+v, want a cut one and a resume", reqs)
	}
	if _, err := os.Stat(filepath.Join(dl, "org", "tiny-GGUF", "tiny-Q8_0.gguf")); err == nil {
		t.Error("downloaded GGUF kept without --keep")
	}

	// --hub overrides the environment; a missing file is a clear 404; a bad reference says
	// what is wanted.
	static2 := t.TempDir()
	err = runPull([]string{"--hub", h.URL + "/", "org/tiny-GGUF/nope.gguf", "--static", static2, "--dir", dl, "--id", "nope"})
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "nope.gguf") {
		t.Errorf("err = %v, want a 404 naming the file", err)
	}
	checkNothingAdded(t, static2, dl)
	if err := runPull([]string{"just-a-file.gguf", "--static", static2}); err == nil || !strings.Contains(err.Error(), "OWNER/REPO/FILE.gguf") {
		t.Errorf("bad reference: err = %v", err)
	}
	if err := runPull([]string{"org/tiny-GGUF/tiny-Q8_0.gguf", "--sha256", "xyz", "--static", static2}); err == nil || !strings.Contains(err.Error(), "64 hex") {
		t.Errorf("bad --sha256: err = %v", err)
	}
}

func TestPullRefusesWrongBytes(t *testing.T) {
	content := synthGGUF(t)
	h := fakehub.Start(t)
	h.Add("org/tiny-GGUF", "tiny-Q8_0.gguf", content)
	h.SetFaults("org/tiny-GGUF", "tiny-Q8_0.gguf", fakehub.Fault{WrongBytes: true})
	static, dl := t.TempDir(), t.TempDir()
	err := runPull([]string{"org/tiny-GGUF/tiny-Q8_0.gguf", "--hub", h.URL, "--static", static, "--dir", dl})
	var mismatch *hub.MismatchError
	if !errors.As(err, &mismatch) || !strings.Contains(err.Error(), "deleted") {
		t.Fatalf("err = %v, want a sha256 mismatch that deleted the download", err)
	}
	checkNothingAdded(t, static, dl)

	// --sha256 pins the file: a hub serving another one is refused before downloading.
	h.SetFaults("org/tiny-GGUF", "tiny-Q8_0.gguf")
	err = runPull([]string{"org/tiny-GGUF/tiny-Q8_0.gguf", "--hub", h.URL, "--static", static, "--dir", dl, "--sha256", strings.Repeat("0", 64)})
	if err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("err = %v", err)
	}
	checkNothingAdded(t, static, dl)
}

// A catalog id resolves to its repository and file; here the Qwen3 entry is mapped to a
// synthetic file (its real sha256 and size replaced by the synthetic file's).
func TestPullCatalogID(t *testing.T) {
	content := synthGGUF(t)
	entry, ok := catalog.Lookup("qwen3-0.6b-q8_0")
	if !ok {
		t.Fatal("catalog lacks qwen3-0.6b-q8_0")
	}
	h := fakehub.Start(t)
	h.Add(entry.Repo, entry.File, content)
	mapped := entry
	mapped.SHA256, mapped.Size = sha256Hex(content), int64(len(content))
	catalogLookup = func(id string) (catalog.Model, bool) {
		if id == entry.ID {
			return mapped, true
		}
		return catalog.Lookup(id)
	}
	t.Cleanup(func() { catalogLookup = catalog.Lookup })

	static, dl := t.TempDir(), t.TempDir()
	if err := runPull([]string{entry.ID, "--hub", h.URL, "--static", static, "--dir", dl}); err != nil {
		t.Fatal(err)
	}
	m, err := modelstore.ReadManifest(static, entry.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.SHA256 != mapped.SHA256 {
		t.Errorf("added sha256 %s, want %s", m.SHA256, mapped.SHA256)
	}
	want := "/" + entry.Repo + "/resolve/main/" + entry.File
	var sawResolve bool
	for _, r := range h.Requests() {
		sawResolve = sawResolve || r.Path == want
	}
	if !sawResolve {
		t.Errorf("the hub never saw %s: %+v", want, h.Requests())
	}

	if err := runPull([]string{"no-such-model", "--hub", h.URL, "--static", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "qwen3-0.6b-q8_0") {
		t.Errorf("unknown id: err = %v, want the catalog's ids listed", err)
	}
}

// The catalog's own entry lists the real model's sha256: a hub serving anything else
// (here the synthetic file) is refused, and nothing is added or kept.
func TestPullCatalogIDWrongHash(t *testing.T) {
	entry, ok := catalog.Lookup("smollm2-135m-instruct-q8_0")
	if !ok || entry.SHA256 == "" {
		t.Fatalf("catalog entry %+v: want one with a sha256", entry)
	}
	h := fakehub.Start(t)
	h.Add(entry.Repo, entry.File, synthGGUF(t))
	static, dl := t.TempDir(), t.TempDir()
	err := runPull([]string{entry.ID, "--hub", h.URL, "--static", static, "--dir", dl})
	if err == nil || !strings.Contains(err.Error(), "catalog lists sha256 "+entry.SHA256) {
		t.Fatalf("err = %v, want the catalog's sha256 named", err)
	}
	if n := len(h.BodyRequests()); n != 0 {
		t.Errorf("%d body requests: nothing should download", n)
	}
	checkNothingAdded(t, static, dl)
}

// The hub misbehaves: a stall mid-body is resumed after --idle-timeout; a Content-Length
// that lies high fails after --retries, adding nothing.
func TestPullStallAndLyingLength(t *testing.T) {
	content := synthGGUF(t)
	h := fakehub.Start(t)
	h.Add("org/tiny-GGUF", "tiny-Q8_0.gguf", content)
	h.SetFaults("org/tiny-GGUF", "tiny-Q8_0.gguf", fakehub.Fault{Times: 1, Stall: true, After: 50_000})
	static, dl := t.TempDir(), t.TempDir()
	if err := runPull([]string{"org/tiny-GGUF/tiny-Q8_0.gguf", "--hub", h.URL, "--static", static, "--dir", dl, "--idle-timeout", "300ms"}); err != nil {
		t.Fatal(err)
	}
	if m, err := modelstore.ReadManifest(static, "tiny-Q8_0"); err != nil || m.SHA256 != sha256Hex(content) {
		t.Fatalf("after a stall: %v", err)
	}
	if reqs := h.BodyRequests(); len(reqs) < 2 || reqs[1].Range != "bytes=50000-" {
		t.Errorf("body requests %+v, want the stalled one and a resume at 50000", reqs)
	}

	h.SetFaults("org/tiny-GGUF", "tiny-Q8_0.gguf", fakehub.Fault{ExtraLength: 4096})
	static2 := t.TempDir()
	err := runPull([]string{"org/tiny-GGUF/tiny-Q8_0.gguf", "--hub", h.URL, "--static", static2, "--dir", dl, "--retries", "1"})
	if err == nil || !strings.Contains(err.Error(), "Content-Length") || !strings.Contains(err.Error(), "giving up after 2 attempts") {
		t.Fatalf("lying length: err = %v", err)
	}
	checkNothingAdded(t, static2, dl)
}
