package offlinetest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// remoteHost is a second loopback origin serving model files the way a model hub does:
// CORS for any origin (with Range and If-Range allowed, Content-Range and ETag exposed),
// Range and If-Range through http.ServeContent. It logs the requests and can cut one
// response midway.
type remoteHost struct {
	URL   string
	files map[string]func() io.ReadSeeker // a reader of its own for each request
	sizes map[string]int64
	mu    sync.Mutex
	log   []remoteRequest
	cut   func(r *http.Request) int64 // bytes after which to drop the connection; 0: none
}

type remoteRequest struct {
	Method, Path, Range, IfRange string
}

func newRemoteHost(t *testing.T) *remoteHost {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &remoteHost{URL: "http://" + ln.Addr().String() + "/", files: map[string]func() io.ReadSeeker{}, sizes: map[string]int64{}}
	srv := &http.Server{Handler: h, ErrorLog: quietLog()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return h
}

func (h *remoteHost) add(name string, open func() io.ReadSeeker, size int64) {
	h.files[name], h.sizes[name] = open, size
}

func (h *remoteHost) requests(path string) []remoteRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []remoteRequest
	for _, r := range h.log {
		if r.Path == path && r.Method != http.MethodOptions {
			out = append(out, r)
		}
	}
	return out
}

func (h *remoteHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length, ETag, Accept-Ranges")
	h.mu.Lock()
	h.log = append(h.log, remoteRequest{r.Method, r.URL.Path, r.Header.Get("Range"), r.Header.Get("If-Range")})
	cut := h.cut
	h.mu.Unlock()
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD")
		hd.Set("Access-Control-Allow-Headers", "Range, If-Range")
		hd.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	open, ok := h.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	f := open()
	hd.Set("Content-Type", "application/octet-stream")
	if name == "norange.gguf" {
		// a host without Range: the whole file, always
		hd.Set("Content-Length", fmt.Sprint(h.sizes[name]))
		io.Copy(w, f)
		return
	}
	hd.Set("ETag", `"`+name+`-v1"`)
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	var out http.ResponseWriter = w
	if cut != nil {
		if n := cut(r); n > 0 {
			out = &cutWriter{ResponseWriter: w, left: n}
		}
	}
	http.ServeContent(out, r, name, time.Unix(1700000000, 0), f)
}

// cutWriter drops the connection after a number of body bytes.
type cutWriter struct {
	http.ResponseWriter
	left int64
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		c.ResponseWriter.Write(p[:c.left])
		http.NewResponseController(c.ResponseWriter).Flush()
		// The bytes reach the page before the connection drops, as on a network that
		// fails midway (Chromium may drop what is still in its pipe when the error and
		// the bytes arrive together).
		time.Sleep(500 * time.Millisecond)
		panic(http.ErrAbortHandler)
	}
	c.left -= int64(len(p))
	return c.ResponseWriter.Write(p)
}

// hugeFile is a 5 GiB "GGUF" made of zeros after the magic, never stored anywhere.
type hugeFile struct{ off, size int64 }

func (f *hugeFile) Read(p []byte) (int, error) {
	if f.off >= f.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > f.size-f.off {
		n = f.size - f.off
	}
	for i := int64(0); i < n; i++ {
		p[i] = 0
		if at := f.off + i; at < 4 {
			p[i] = "GGUF"[at]
		}
	}
	f.off += n
	return int(n), nil
}

func (f *hugeFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		f.off = off
	case io.SeekCurrent:
		f.off += off
	case io.SeekEnd:
		f.off = f.size + off
	}
	return f.off, nil
}

// TestRawGGUFURL loads a raw .gguf from another origin (CORS + Range) in the app's page:
// probeModelURL tells its size before any download; the download comes in byte ranges in
// parallel, resumes a range cut midway with Range + If-Range, is listed by
// listCachedModels as unverified, and gives the golden continuation; deleteCachedModel
// removes every byte of it. A file too big for the engine is refused after the probe, and
// a host without Range support is refused. The same file as a local File loads with
// loadFile.
func TestRawGGUFURL(t *testing.T) {
	dir, _ := webtest.Site(t)
	model := webtest.TestModel()
	if model == "" {
		t.Skip("the shared stories260K.gguf is absent")
	}
	raw, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	srv := webtest.StartServer(t, dir)
	host := newRemoteHost(t)
	file := func() io.ReadSeeker { return bytes.NewReader(raw) }
	host.add("stories260K.gguf", file, int64(len(raw)))
	host.add("norange.gguf", file, int64(len(raw)))
	host.add("huge.gguf", func() io.ReadSeeker { return &hugeFile{size: 5 << 30} }, 5<<30)
	const piece = 256 << 10
	// the third range is cut after 100 KB the first time it is asked for
	cutOnce := sync.Once{}
	host.cut = func(r *http.Request) int64 {
		n := int64(0)
		if r.Method == http.MethodGet && strings.HasPrefix(r.Header.Get("Range"), fmt.Sprintf("bytes=%d-", 2*piece)) {
			cutOnce.Do(func() { n = 100_000 })
		}
		return n
	}
	url := host.URL + "stories260K.gguf"

	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open the app", chromedp.Navigate(srv.URL))
	var probe struct {
		URL      string `json:"url"`
		Size     int64  `json:"size"`
		Name     string `json:"name"`
		Verified bool   `json:"verified"`
		Pieces   int    `json:"pieces"`
	}
	run(b, `const p = await H.probeModelURL(`+quote(url)+`, { pieceSize: `+fmt.Sprint(piece)+` });
		return { url: p.url, size: p.size, name: p.name, verified: p.verified, pieces: p.manifest.shards.length };`, &probe)
	wantPieces := (len(raw) + piece - 1) / piece
	if probe.Size != int64(len(raw)) || probe.Name != "stories260K.gguf" || probe.Verified || probe.Pieces != wantPieces {
		t.Errorf("probe: %+v, want %d bytes in %d pieces, unverified", probe, len(raw), wantPieces)
	}
	if gets := host.requests("/stories260K.gguf"); len(gets) != 1 || gets[0].Range != "bytes=0-7" {
		t.Errorf("the probe asked for %+v, want the first 8 bytes only", gets)
	}

	g := loadAndComplete(t, b, url, fmt.Sprintf("{ pieceSize: %d }", piece))
	if v, ok := g.Info["verified"].(bool); !ok || v {
		t.Errorf("a raw file's model info says verified %v, want false", g.Info["verified"])
	}
	gets := host.requests("/stories260K.gguf")
	ranges := map[string][]remoteRequest{}
	for _, r := range gets {
		if r.Method == http.MethodGet && r.Range != "bytes=0-7" { // downloadModel probes again
			ranges[r.Range] = append(ranges[r.Range], r)
		}
	}
	for i := 0; i < wantPieces; i++ {
		end := min(int64(i+1)*piece, int64(len(raw))) - 1
		rr := ranges[fmt.Sprintf("bytes=%d-%d", i*piece, end)]
		if len(rr) != 1 || rr[0].IfRange != `"stories260K.gguf-v1"` {
			t.Errorf("range %d: %+v, want one request with If-Range", i, rr)
		}
	}
	resumed := 0
	for rg, rr := range ranges {
		var from, to int64
		fmt.Sscanf(rg, "bytes=%d-%d", &from, &to)
		if from > 2*piece && from <= 2*piece+100_000 && to == 3*piece-1 {
			resumed += len(rr)
			if rr[0].IfRange != `"stories260K.gguf-v1"` {
				t.Errorf("resumed range %s without If-Range", rg)
			}
		}
	}
	if resumed != 1 || len(ranges) != wantPieces+1 {
		t.Errorf("the cut range was resumed %d times; ranges asked for: %v", resumed, keys(ranges))
	}

	// the cache lists it (unverified), and deleting it removes every byte
	var list struct {
		Before []struct {
			Source, ManifestURL string
			Bytes, Total        int64
			Complete, Verified  bool
		}
		Deleted bool
		After   int
		Left    []string
		Storage struct {
			Usage, Quota float64
			Persisted    *bool
		}
		Persist *bool
	}
	run(b, `const before = await H.listCachedModels();
		const storage = await H.storageInfo();
		const persist = await H.requestPersistence();
		const deleted = await H.deleteCachedModel(`+quote(url)+`);
		const after = (await H.listCachedModels()).length;
		const left = (await (await caches.open("hearth-models")).keys()).map((r) => r.url).filter((u) => u.includes("/hearth-remote/"));
		return { before: before.map((m) => ({ Source: m.source, ManifestURL: m.manifestURL, Bytes: m.bytes, Total: m.total, Complete: m.complete, Verified: m.verified })),
			deleted, after, left, storage: { Usage: storage.usage, Quota: storage.quota, Persisted: storage.persisted }, persist };`, &list)
	if len(list.Before) != 1 || list.Before[0].Source != url || list.Before[0].Bytes != int64(len(raw)) || !list.Before[0].Complete || list.Before[0].Verified ||
		!strings.Contains(list.Before[0].ManifestURL, "/hearth-remote/") {
		t.Errorf("cached models: %+v", list.Before)
	}
	if !list.Deleted || list.After != 0 || len(list.Left) != 0 {
		t.Errorf("after deleteCachedModel: deleted %v, %d models listed, cache entries left %v", list.Deleted, list.After, list.Left)
	}
	if list.Storage.Usage <= 0 || list.Storage.Quota <= 0 || list.Storage.Persisted == nil || list.Persist == nil {
		t.Errorf("storageInfo %+v, requestPersistence %v", list.Storage, list.Persist)
	}

	// too big for the engine: refused after the probe, before any download
	var msg string
	run(b, `try { await H.downloadModel(`+quote(host.URL+"huge.gguf")+`); return "downloaded"; } catch (e) { return e.message; }`, &msg)
	if !strings.Contains(msg, "at most") {
		t.Errorf("5 GiB file: %q, want a refusal", msg)
	}
	for _, r := range host.requests("/huge.gguf") {
		if r.Method == http.MethodGet && r.Range != "bytes=0-7" {
			t.Errorf("5 GiB file: downloaded %s", r.Range)
		}
	}
	// a host that ignores Range
	run(b, `try { await H.probeModelURL(`+quote(host.URL+"norange.gguf")+`); return "probed"; } catch (e) { return e.message; }`, &msg)
	if !strings.Contains(msg, "Range") {
		t.Errorf("host without Range: %q, want a refusal", msg)
	}
	// a local file (as <input type=file> gives): loaded without any request for it
	before := len(host.requests("/stories260K.gguf"))
	var local struct {
		Text     string `json:"text"`
		Verified *bool  `json:"verified"`
		NotGGUF  string `json:"notGGUF"`
	}
	run(b, `const bytes = await (await fetch(`+quote(url)+`, { cache: "no-store" })).arrayBuffer();
		const file = new File([bytes], "stories260K.gguf");
		const engine = new H.HearthEngine(H.abs(H.assets.worker));
		try {
			let notGGUF = "";
			try { await engine.loadFile(new File(["not a model"], "notes.txt")); } catch (e) { notGGUF = e.message; }
			const info = await engine.loadFile(file);
			let text = "";
			await engine.complete("Once upon a time", { temperature: 0, maxTokens: 32 }, (e) => { if (e.type === "text") text += e.text; });
			return { text, verified: info.verified, notGGUF };
		} finally { engine.terminate(); }`, &local)
	if want := webtest.GoldenText(t, "Once upon a time"); local.Text != want {
		t.Errorf("loadFile: %q, want %q", local.Text, want)
	}
	if local.Verified == nil || *local.Verified || !strings.Contains(local.NotGGUF, "not a GGUF") {
		t.Errorf("loadFile: verified %v, a text file: %q", local.Verified, local.NotGGUF)
	}
	if n := len(host.requests("/stories260K.gguf")); n != before+1 {
		t.Errorf("loadFile made %d requests for the file, want none (only the test's own fetch)", n-before-1)
	}
	b.Allow(`net::ERR_`) // the cut range
	b.CheckClean()
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
