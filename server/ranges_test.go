package main

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func TestLimitRanges(t *testing.T) {
	content := "0123456789abcdefghijklmnopqrstuvwxyz"
	dir := writeTree(t, map[string]string{"f.bin": content})
	s, err := openStatic(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEcho()
	e.Any("/*", serveFile(s), resolvePath(s), limitRanges)

	// Four ranges: a multipart/byteranges answer with each slice.
	rec := do(e, "GET", "/f.bin", "Range", "bytes=0-1, 4-5, 10-12, -3")
	mt, params, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if rec.Code != http.StatusPartialContent || mt != "multipart/byteranges" {
		t.Fatalf("4 ranges: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	mr := multipart.NewReader(rec.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts = append(parts, p.Header.Get("Content-Range")+"="+string(b))
	}
	want := "bytes 0-1/36=01 bytes 4-5/36=45 bytes 10-12/36=abc bytes 33-35/36=xyz"
	if strings.Join(parts, " ") != want {
		t.Errorf("parts %q, want %q", parts, want)
	}

	// Five ranges: refused.
	rec = do(e, "GET", "/f.bin", "Range", "bytes=0-0,2-2,4-4,6-6,8-8")
	if rec.Code != http.StatusRequestedRangeNotSatisfiable || rec.Header().Get("Content-Range") != "bytes */36" {
		t.Errorf("5 ranges: %d Content-Range %q, want 416 bytes */36", rec.Code, rec.Header().Get("Content-Range"))
	}
	// Five ranges with If-Range: the whole file.
	rec = do(e, "GET", "/f.bin", "Range", "bytes=0-0,2-2,4-4,6-6,8-8", "If-Range", `"x"`)
	if rec.Code != http.StatusOK || rec.Body.String() != content {
		t.Errorf("5 ranges with If-Range: %d %q", rec.Code, rec.Body.String())
	}
	// One range and unsatisfiable ones pass through to ServeContent.
	if rec = do(e, "GET", "/f.bin", "Range", "bytes=30-"); rec.Code != http.StatusPartialContent || rec.Body.String() != "uvwxyz" {
		t.Errorf("bytes=30-: %d %q", rec.Code, rec.Body.String())
	}
	if rec = do(e, "GET", "/f.bin", "Range", "bytes=36-40"); rec.Code != http.StatusRequestedRangeNotSatisfiable || rec.Header().Get("Content-Range") != "bytes */36" {
		t.Errorf("bytes=36-40: %d %q", rec.Code, rec.Header().Get("Content-Range"))
	}
}
