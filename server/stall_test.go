//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// smallSendBuffers gives every accepted connection a 16 KiB send buffer (no autotuning),
// so a client that stops reading blocks the server's writes after a few tens of KiB
// instead of the megabytes loopback buffers take.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// dialSmall connects with a 16 KiB receive buffer, set before the handshake so the
// advertised window stays small.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestStalledReadersAreClosedWhileSlowDownloadCompletes: 100 clients ask for a shard and
// never read; a 101st reads it slowly (16 KiB every 40 ms: over twice the stall timeout in
// all, each pause far below it). The stalled ones are cut, the slow one gets every byte.
func TestStalledReadersAreClosedWhileSlowDownloadCompletes(t *testing.T) {
	const stall = 1500 * time.Millisecond
	shard := make([]byte, 1536<<10)
	rand.New(rand.NewSource(1)).Read(shard)
	dir := writeTree(t, map[string]string{"index.html": "<!doctype html>", "app.js": "x", "app.js.gz": gz(t, "x")})
	name := "models/m/shard-000.0123456789abcdef.bin"
	os.MkdirAll(filepath.Join(dir, "models", "m"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), shard, 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc, errc := make(chan net.Addr, 1), make(chan error, 1)
	cfg := config{Addr: "127.0.0.1:0", Static: dir, Log: io.Discard, ShutdownTimeout: 5 * time.Second, WriteStall: stall,
		listen: func(n, a string) (net.Listener, error) {
			ln, err := net.Listen(n, a)
			return smallSendBuffers{ln}, err
		}}
	go func() { errc <- run(ctx, cfg, func(a net.Addr) { addrc <- a }) }()
	var addr string
	select {
	case a := <-addrc:
		addr = a.String()
	case err := <-errc:
		t.Fatal(err)
	}
	request := fmt.Sprintf("GET /%s HTTP/1.1\r\nHost: test\r\n\r\n", name)

	stalled := make([]net.Conn, 100)
	for i := range stalled {
		stalled[i] = dialSmall(t, addr)
		defer stalled[i].Close()
		if _, err := io.WriteString(stalled[i], request); err != nil {
			t.Fatal(err)
		}
	}

	// A keep-alive connection that idles longer than the stall timeout still works: the
	// deadline is per write, renewed at each request.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		for i := range 2 {
			if i == 1 {
				time.Sleep(stall * 3 / 2)
			}
			resp, err := c.Head("http://" + addr + "/app.js")
			if err != nil {
				t.Errorf("HEAD %d on a kept-alive connection: %v", i, err)
				return
			}
			resp.Body.Close()
		}
	}()

	slow := dialSmall(t, addr)
	defer slow.Close()
	start := time.Now()
	io.WriteString(slow, request)
	br := bufio.NewReaderSize(slow, 16<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("slow download: %v %v", resp, err)
	}
	var got bytes.Buffer
	buf := make([]byte, 16<<10)
	for {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("slow download cut after %d bytes (%s): %v", got.Len(), time.Since(start), err)
		}
		time.Sleep(40 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if !bytes.Equal(got.Bytes(), shard) {
		t.Fatalf("slow download: %d bytes, not the shard's %d", got.Len(), len(shard))
	}
	if elapsed < 2*stall {
		t.Fatalf("the slow download took %s: not slower than twice the stall timeout, so it proves nothing", elapsed)
	}
	t.Logf("slow download: %d bytes in %s (stall timeout %s)", got.Len(), elapsed.Round(time.Millisecond), stall)

	// Every stalled connection was closed by the server: reading it now ends (EOF or a
	// reset) before the whole shard, instead of delivering it all and waiting.
	cut := 0
	deadline := time.Now().Add(10 * time.Second) // for all of them together
	for i, c := range stalled {
		c.SetReadDeadline(deadline)
		n, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("stalled connection %d still open after %s (%d bytes readable)", i, time.Since(start), n)
			continue
		}
		if n >= int64(len(shard)) {
			t.Errorf("stalled connection %d received the whole shard (%d bytes)", i, n)
			continue
		}
		cut++
	}
	t.Logf("%d of %d stalled connections closed by the server", cut, len(stalled))
	wg.Wait()
}

func TestZeroLengthRangesAre416(t *testing.T) {
	dir := writeTree(t, map[string]string{"f.bin": "0123456789", "empty.bin": ""})
	h := fullServer(t, dir)
	for _, c := range []struct {
		path, rng string
		code      int
		crange    string
		body      string
	}{
		{"/f.bin", "bytes=-0", 416, "bytes */10", ""},
		{"/f.bin", "bytes=-00", 416, "bytes */10", ""},
		{"/f.bin", "bytes=-0,-0", 416, "bytes */10", ""},
		{"/f.bin", "bytes=-0, 2-3", 206, "bytes 2-3/10", "23"},
		{"/f.bin", "bytes=-3", 206, "bytes 7-9/10", "789"},
		{"/empty.bin", "bytes=-0", 200, "", ""}, // an empty file is sent whole
		{"/empty.bin", "bytes=-5", 200, "", ""},
	} {
		rec := do(h, "GET", c.path, "Range", c.rng)
		if rec.Code != c.code || rec.Header().Get("Content-Range") != c.crange || c.code != 416 && rec.Body.String() != c.body {
			t.Errorf("%s %s: %d Content-Range %q body %q; want %d %q %q", c.path, c.rng, rec.Code, rec.Header().Get("Content-Range"), rec.Body.String(), c.code, c.crange, c.body)
		}
	}
	// With an If-Range that does not match, the Range is ignored: the whole file.
	if rec := do(h, "GET", "/f.bin", "Range", "bytes=-0", "If-Range", `"old"`); rec.Code != 200 || rec.Body.String() != "0123456789" {
		t.Errorf("bytes=-0 with a stale If-Range: %d %q", rec.Code, rec.Body.String())
	}
}

func TestHeadOfPrecompressedFileHasContentLength(t *testing.T) {
	js := "console.log('hearth');\n"
	dir := writeTree(t, map[string]string{"index.html": "<!doctype html>", "app.0123abcd.js": js, "app.0123abcd.js.gz": gz(t, js), "app.0123abcd.js.br": "pretend-br"})
	base, _, _ := startServer(t, dir, io.Discard)
	for _, c := range []struct{ accept, enc, length string }{
		{"gzip", "gzip", fmt.Sprint(len(gz(t, js)))},
		{"br", "br", fmt.Sprint(len("pretend-br"))},
		{"", "", fmt.Sprint(len(js))},
	} {
		r := request(t, "HEAD", base+"/app.0123abcd.js", "Accept-Encoding", c.accept)
		if r.code != 200 || r.h.Get("Content-Encoding") != c.enc || r.h.Get("Content-Length") != c.length {
			t.Errorf("HEAD (Accept-Encoding %q): %d Content-Encoding %q Content-Length %q, want %q %q", c.accept, r.code, r.h.Get("Content-Encoding"), r.h.Get("Content-Length"), c.enc, c.length)
		}
		g := get(t, base+"/app.0123abcd.js", "Accept-Encoding", c.accept)
		if g.h.Get("Content-Encoding") != c.enc || fmt.Sprint(len(g.body)) != c.length {
			t.Errorf("GET (Accept-Encoding %q): %q, %d bytes", c.accept, g.h.Get("Content-Encoding"), len(g.body))
		}
	}
}
