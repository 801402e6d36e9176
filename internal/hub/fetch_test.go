//go:build !js

package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/internal/fakehub"
)

const testRepo = "org/models"

// fetchSetup starts a fake hub serving content as testRepo/m.gguf.
func fetchSetup(t *testing.T, content []byte) (*fakehub.Hub, string) {
	h := fakehub.Start(t)
	h.Add(testRepo, "m.gguf", content)
	return h, filepath.Join(t.TempDir(), "m.gguf")
}

func fetch(t *testing.T, h *fakehub.Hub, dest string, pin Pin, opt Options) (Expected, error) {
	t.Helper()
	return Fetch(context.Background(), h.URL, Ref{Repo: testRepo, File: "m.gguf"}, dest, pin, opt)
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkGone fails when the download left a file behind.
func checkGone(t *testing.T, dest string) {
	t.Helper()
	for _, p := range []string{dest, dest + ".part", dest + ".part.json"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
}

func TestFetchVerified(t *testing.T) {
	content := randomBytes(700_000, 20)
	h, dest := fetchSetup(t, content)
	var progress bytes.Buffer
	opt := fastOptions()
	opt.Progress = &progress
	exp, err := fetch(t, h, dest, Pin{}, opt)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	if exp.SHA256 != hexSHA(content) || exp.Size != int64(len(content)) || exp.From != "X-Linked-Etag" {
		t.Errorf("expected %+v", exp)
	}
	for _, want := range []string{"sha256 " + hexSHA(content) + " (from the hub's X-Linked-Etag)", "verified sha256 " + hexSHA(content)} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	// The HEAD did not follow the redirect to the CDN: one HEAD of resolve, one GET of the CDN
	// (after the GET of resolve that redirected).
	var heads, bodies int
	for _, r := range h.Requests() {
		if r.Method == http.MethodHead {
			heads++
			if r.Status != http.StatusFound {
				t.Errorf("HEAD %s answered %d, want the 302 with X-Linked-*", r.Path, r.Status)
			}
		}
	}
	bodies = len(h.BodyRequests())
	if heads != 1 || bodies != 1 {
		t.Errorf("%d HEADs, %d body GETs; want 1 and 1: %+v", heads, bodies, h.Requests())
	}
}

func TestFetchTreeAPIWhenNoLinkedHeaders(t *testing.T) {
	content := randomBytes(100_000, 21)
	h, dest := fetchSetup(t, content)
	h.HideLinkedHeaders(true)
	exp, err := fetch(t, h, dest, Pin{}, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	if exp.From != "tree API" || exp.SHA256 != hexSHA(content) {
		t.Errorf("expected %+v, want the tree API's lfs.oid", exp)
	}
}

func TestFetchRefusesWrongBytesAndDeletesThem(t *testing.T) {
	content := randomBytes(500_000, 22)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{WrongBytes: true})
	var progress bytes.Buffer
	opt := fastOptions()
	opt.Progress = &progress
	_, err := fetch(t, h, dest, Pin{}, opt)
	var mismatch *MismatchError
	if !errors.As(err, &mismatch) || mismatch.Want != hexSHA(content) {
		t.Fatalf("err = %v, want a sha256 mismatch", err)
	}
	if !strings.Contains(err.Error(), "deleted") || !strings.Contains(progress.String(), "sha256 mismatch") {
		t.Errorf("err %q / progress %q: want the mismatch and the deletion said", err, progress.String())
	}
	checkGone(t, dest)
	if n := len(h.BodyRequests()); n != 1 {
		t.Errorf("%d body requests, want 1 (a mismatch with an unchanged hub is final)", n)
	}
}

func TestFetchChangedFileRestartsAndEndsVerified(t *testing.T) {
	for _, ignoreIfRange := range []bool{true, false} {
		name := "hub honours If-Range"
		if ignoreIfRange {
			name = "hub ignores If-Range"
		}
		t.Run(name, func(t *testing.T) {
			old, updated := randomBytes(400_000, 23), randomBytes(420_000, 24)
			h, dest := fetchSetup(t, old)
			// The first answer is cut after 150 kB, and the file is replaced meanwhile.
			h.SetFaults(testRepo, "m.gguf",
				fakehub.Fault{Times: 1, Drop: true, After: 150_000, ChangeTo: updated},
				fakehub.Fault{Times: 1, IgnoreIfRange: ignoreIfRange})
			var progress bytes.Buffer
			opt := fastOptions()
			opt.Progress = &progress
			exp, err := fetch(t, h, dest, Pin{}, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkFile(t, dest, updated)
			if exp.SHA256 != hexSHA(updated) {
				t.Errorf("verified against %s, want the new file's sha256", exp.SHA256)
			}
			if !strings.Contains(progress.String(), "the hub changed the file") {
				t.Errorf("the change is not reported:\n%s", progress.String())
			}
			reqs := h.BodyRequests()
			if len(reqs) != 3 || reqs[1].Range != "bytes=150000-" || reqs[1].IfRange == "" || reqs[2].Range != "" {
				t.Errorf("body requests %+v: want the cut one, the resume (answered from the new file), a fresh one", reqs)
			}
		})
	}
}

func TestFetchPinnedHashTheHubDoesNotServe(t *testing.T) {
	content := randomBytes(50_000, 25)
	h, dest := fetchSetup(t, content)
	_, err := fetch(t, h, dest, Pin{SHA256: strings.Repeat("ab", 32)}, fastOptions())
	if err == nil || !strings.Contains(err.Error(), "catalog lists sha256 abab") {
		t.Fatalf("err = %v, want the disagreement named", err)
	}
	if n := len(h.BodyRequests()); n != 0 {
		t.Errorf("%d body requests: nothing should download", n)
	}
	checkGone(t, dest)
}

func TestFetchLyingLengthFailsBounded(t *testing.T) {
	content := randomBytes(80_000, 26)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{ExtraLength: 1000})
	opt := fastOptions()
	opt.Retries = 3
	_, err := fetch(t, h, dest, Pin{}, opt)
	if err == nil || !strings.Contains(err.Error(), "Content-Length 81000") || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("err = %v", err)
	}
	if n := len(h.BodyRequests()); n != 4 {
		t.Errorf("%d body requests, want 4 (1 + 3 retries)", n)
	}
	checkGone(t, dest)
}

// Without an expected size the lie shows as a short body, then a 416 for the rest: the
// 416 restarts count against the retries, so this ends too.
func TestDownloadLyingLengthWithoutExpectationEnds(t *testing.T) {
	content := randomBytes(80_000, 27)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{ExtraLength: 1000})
	opt := fastOptions()
	opt.Retries = 3
	err := Download(context.Background(), h.ResolveURL(testRepo, "m.gguf"), dest, opt)
	if err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("err = %v, want giving up", err)
	}
	if n := len(h.BodyRequests()); n > 10 {
		t.Errorf("%d body requests for 3 retries", n)
	}
	if _, err := os.Stat(dest); err == nil {
		t.Error("a file was completed from a hub that lies about its length")
	}
}

func TestFetchResumesAfterStall(t *testing.T) {
	content := randomBytes(600_000, 28)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{Times: 1, Stall: true, After: 200_000})
	var progress bytes.Buffer
	opt := fastOptions()
	opt.Progress = &progress
	opt.IdleTimeout = 300 * time.Millisecond
	if _, err := fetch(t, h, dest, Pin{}, opt); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	// (A loaded machine may add resumes of its own; the second request is the stall's.)
	reqs := h.BodyRequests()
	if len(reqs) < 2 || reqs[1].Range != "bytes=200000-" {
		t.Errorf("body requests %+v: want the stalled one and a resume at 200000", reqs)
	}
	if !strings.Contains(progress.String(), "no data from the hub for 300ms") {
		t.Errorf("the stall is not reported:\n%s", progress.String())
	}
}

func TestFetchStallBeforeTheAnswerIsRetried(t *testing.T) {
	content := randomBytes(10_000, 29)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{Times: 1, Stall: true, After: 0})
	opt := fastOptions()
	opt.IdleTimeout = 300 * time.Millisecond
	if _, err := fetch(t, h, dest, Pin{}, opt); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
}

func TestFetchResumesDroppedConnections(t *testing.T) {
	content := randomBytes(900_000, 30)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{Times: 2, Drop: true, After: 300_000})
	if _, err := fetch(t, h, dest, Pin{SHA256: hexSHA(content), Size: int64(len(content))}, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	reqs := h.BodyRequests()
	if len(reqs) != 3 || reqs[1].Range != "bytes=300000-" || reqs[2].Range != "bytes=600000-" {
		t.Errorf("body requests %+v", reqs)
	}
}

// A run that stops half-way leaves a part; the next run re-reads it into the hash and
// fetches only the rest. A part whose bytes were changed on disk is caught at the end.
func TestFetchResumesAcrossRunsAndHashesThePart(t *testing.T) {
	content := randomBytes(500_000, 31)
	h, dest := fetchSetup(t, content)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{Times: 1, Drop: true, After: 200_000}, fakehub.Fault{Times: 1, Drop: true, After: 0})
	opt := fastOptions()
	opt.Retries = 1
	if _, err := fetch(t, h, dest, Pin{}, opt); err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("err = %v, want giving up", err)
	}
	if fi, err := os.Stat(dest + ".part"); err != nil || fi.Size() != 200_000 {
		t.Fatalf("part: %v", err)
	}
	var progress bytes.Buffer
	opt = fastOptions()
	opt.Progress = &progress
	if _, err := fetch(t, h, dest, Pin{}, opt); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	if !strings.Contains(progress.String(), "resuming at 195.3 KiB") || !strings.Contains(progress.String(), "checking the 195.3 KiB already downloaded") {
		t.Errorf("progress:\n%s", progress.String())
	}
	if reqs := h.BodyRequests(); reqs[len(reqs)-1].Range != "bytes=200000-" {
		t.Errorf("last request %+v, want a resume", reqs[len(reqs)-1])
	}

	// Garbage in a kept part: the resume is refused at the end and everything deleted.
	os.Remove(dest)
	h.SetFaults(testRepo, "m.gguf", fakehub.Fault{Times: 1, Drop: true, After: 100_000}, fakehub.Fault{Times: 1, Drop: true, After: 0})
	opt = fastOptions()
	opt.Retries = 1
	fetch(t, h, dest, Pin{}, opt)
	part, err := os.ReadFile(dest + ".part")
	if err != nil || len(part) != 100_000 {
		t.Fatalf("part: %d bytes, %v", len(part), err)
	}
	part[500] ^= 1
	os.WriteFile(dest+".part", part, 0o644)
	_, err = fetch(t, h, dest, Pin{}, fastOptions())
	var mismatch *MismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("err = %v, want a mismatch", err)
	}
	checkGone(t, dest)
}

func TestFetchHubErrors(t *testing.T) {
	h, dest := fetchSetup(t, randomBytes(1000, 32))
	for _, c := range []struct {
		ref  Ref
		want string
	}{
		{Ref{Repo: testRepo, File: "nope.gguf"}, "404, EntryNotFound"},
		{Ref{Repo: "org/nope", File: "m.gguf"}, "401 Unauthorized, RepoNotFound"},
		{Ref{Repo: testRepo, File: "m.gguf", Revision: "v9"}, "404, RevisionNotFound"},
	} {
		_, err := Fetch(context.Background(), h.URL, c.ref, dest, Pin{}, fastOptions())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.ref, err, c.want)
		}
	}
	// A plain file server: no X-Linked-*, no tree API. Nothing to verify against.
	srv := httptest.NewServer(http.FileServer(http.Dir(t.TempDir())))
	defer srv.Close()
	_, err := Fetch(context.Background(), srv.URL, Ref{Repo: "o/r", File: "m.gguf"}, dest, Pin{}, fastOptions())
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("plain server: %v", err)
	}
	checkGone(t, dest)
}

// A pinned file (a catalog entry) that the hub replaces during the download: the new file
// is not the pinned one, so nothing is kept.
func TestFetchPinnedFileChangedDuringDownload(t *testing.T) {
	old, updated := randomBytes(300_000, 33), randomBytes(300_000, 34)
	h, dest := fetchSetup(t, old)
	h.SetFaults(testRepo, "m.gguf",
		fakehub.Fault{Times: 1, Drop: true, After: 100_000, ChangeTo: updated},
		fakehub.Fault{Times: 1, IgnoreIfRange: true})
	_, err := fetch(t, h, dest, Pin{SHA256: hexSHA(old), Size: int64(len(old))}, fastOptions())
	if err == nil || !strings.Contains(err.Error(), "catalog lists sha256 "+hexSHA(old)) {
		t.Fatalf("err = %v, want the new file refused against the pin", err)
	}
	checkGone(t, dest)
}

// A hub that never answers the HEAD: the lookup gives up after the idle timeout and the
// retries, instead of hanging.
func TestFetchLookupStallIsBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	opt := fastOptions()
	opt.IdleTimeout, opt.Retries = 200*time.Millisecond, 1
	dest := filepath.Join(t.TempDir(), "m.gguf")
	_, err := Fetch(context.Background(), srv.URL, Ref{Repo: "o/r", File: "m.gguf"}, dest, Pin{}, opt)
	if err == nil || !strings.Contains(err.Error(), "no answer from the hub in 200ms") {
		t.Fatalf("err = %v", err)
	}
	checkGone(t, dest)
}
