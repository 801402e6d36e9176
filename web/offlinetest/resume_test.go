package offlinetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/modelstore"
	"hearth/internal/webtest"
)

// resumeSetup serves the test model through the proxy and opens the proxy's blank page.
// The first three shards come whole; every later one stops halfway and hangs. It starts a
// download in the page (window.dl: its outcome as text; window.progress: the reports;
// window.ctl: its AbortController) and returns once every later shard hangs with part of
// it cached.
func resumeSetup(t *testing.T) (srv *webtest.Server, px *proxy, b *webtest.Browser, man *modelstore.Manifest, manifestURL string) {
	dir, man := webtest.Site(t)
	if len(man.Shards) < 4 {
		t.Fatalf("the test model has %d shards, want at least 4", len(man.Shards))
	}
	srv = webtest.StartServer(t, dir)
	px = newProxy(t, srv.URL)
	index := shardIndex(man)
	px.setRule(func(file string, nth int) action {
		if i, ok := index[file]; ok && i >= 3 {
			return action{holdAt: (man.Shards[i].End - man.Shards[i].Start) / 2}
		}
		// the whole shards come at a network's pace, so the download lasts long enough
		// (over 200 ms) for its speed to be measured and reported
		return action{pace: 20 * time.Millisecond}
	})
	b = webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open the test page", chromedp.Navigate(px.URL+"offlinetest/blank.html"))
	manifestURL = px.URL + "models/" + webtest.ModelID + "/manifest.json"
	run(b, `window.progress = [];
		window.ctl = new AbortController();
		window.dl = H.downloadModel(`+quote(manifestURL)+`, { signal: window.ctl.signal, onProgress: (p) => window.progress.push(p) })
			.then(() => "done", (e) => e.name + ": " + e.message);
		return true;`, nil)
	for k := 3; k < len(man.Shards); k++ {
		select {
		case <-px.held:
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d shards reached the hold; requests: %+v", k-3, len(man.Shards)-3, px.requests(""))
		}
	}
	var later []string
	for _, s := range man.Shards[3:] {
		later = append(later, quote(s.File+"?hearth-part="))
	}
	waitFor(t, b, "a part of every held shard cached", `caches.open("hearth-models").then((c) => c.keys()).then((ks) =>
		[`+strings.Join(later, ",")+`].every((f) => ks.some((r) => r.url.includes(f))))`, 20*time.Second)
	return srv, px, b, man, manifestURL
}

// checkResumed loads the model in a reloaded page and checks that only the unfinished
// shards were fetched, each once, from where its cached part ends, with If-Range.
func checkResumed(t *testing.T, px *proxy, b *webtest.Browser, man *modelstore.Manifest, manifestURL string) {
	t.Helper()
	px.setRule(nil)
	b.Do("reload", chromedp.Navigate(px.URL+"offlinetest/blank.html"))
	g := loadAndComplete(t, b, manifestURL, "")
	cached := man.Shards[3].Start // the first three shards
	for i, s := range man.Shards {
		reqs := px.requests(s.File)
		size := s.End - s.Start
		if i < 3 {
			if len(reqs) != 0 {
				t.Errorf("finished shard %s fetched again: %+v", s.File, reqs)
			}
			continue
		}
		if len(reqs) != 1 {
			t.Errorf("unfinished shard %s: %d requests (%+v), want 1", s.File, len(reqs), reqs)
			continue
		}
		r := reqs[0]
		var from int64
		if _, err := fmt.Sscanf(r.Range, "bytes=%d-", &from); err != nil || from < 64<<10 || from > size/2 {
			t.Errorf("shard %s resumed with Range %q, want to start after its cached part (64 KiB to %d)", s.File, r.Range, size/2)
		}
		if want := etagOf(t, px.URL+"models/"+webtest.ModelID+"/"+s.File); r.IfRange == "" || r.IfRange != want {
			t.Errorf("shard %s: If-Range %q, want the ETag %q", s.File, r.IfRange, want)
		}
		if r.Status != 206 || r.Bytes != size-from {
			t.Errorf("shard %s: HTTP %d with %d bytes, want 206 with %d", s.File, r.Status, r.Bytes, size-from)
		}
		cached += from
	}
	if g.First.CachedBytes != cached || g.First.Loaded != cached || g.First.Total != man.FileSize {
		t.Errorf("first progress report %+v, want %d of %d bytes cached", g.First, cached, man.FileSize)
	}
	t.Logf("resumed: %d of %d bytes were cached", cached, man.FileSize)
}

// TestPauseAndResume stops a download with its AbortSignal while shards are half done:
// it rejects with an AbortError at once, and the next download fetches only the rest.
func TestPauseAndResume(t *testing.T) {
	_, px, b, man, manifestURL := resumeSetup(t)
	start := time.Now()
	var outcome string
	run(b, `window.ctl.abort(); return await window.dl;`, &outcome)
	if !strings.HasPrefix(outcome, "AbortError") || time.Since(start) > 2*time.Second {
		t.Fatalf("paused download: %q after %v, want an AbortError at once", outcome, time.Since(start))
	}
	var last progress
	run(b, `return window.progress.at(-1);`, &last)
	if last.Loaded <= man.Shards[3].Start || last.Loaded >= man.FileSize || last.CachedBytes != 0 {
		t.Errorf("progress when paused: %+v, want more than 3 shards and less than %d bytes", last, man.FileSize)
	}
	checkResumed(t, px, b, man, manifestURL)
	b.CheckClean()
}

// TestServerStoppedThenReload stops the server while shards are half done: the download
// retries, then fails naming a shard; with the server back, a reloaded page fetches only
// what is missing.
func TestServerStoppedThenReload(t *testing.T) {
	srv, px, b, man, manifestURL := resumeSetup(t)
	srv.Stop()
	px.release() // the held connections drop
	var outcome string
	run(b, `return await window.dl;`, &outcome)
	if !strings.Contains(outcome, "shard-") || strings.HasPrefix(outcome, "AbortError") || outcome == "done" {
		t.Fatalf("download with the server stopped: %q, want a network error naming a shard", outcome)
	}
	t.Logf("with the server stopped: %s", outcome)
	var rep struct {
		Speed float64 `json:"speed"`
		Last  progress
	}
	run(b, `return { speed: Math.max(...window.progress.map((p) => p.bytesPerSecond)), last: window.progress.at(-1) };`, &rep)
	if rep.Speed <= 0 || rep.Last.Total != man.FileSize {
		t.Errorf("progress reports: top speed %v B/s, last %+v", rep.Speed, rep.Last)
	}
	srv.Start()
	checkResumed(t, px, b, man, manifestURL)
	b.Allow(`net::ERR_`)
	b.CheckClean()
}

// TestCorruptShard: a shard corrupted in transit is fetched again and the model loads;
// a shard corrupted in the cache is fetched again (and nothing else is); a shard corrupt
// every time fails the download naming it, and none of it stays cached.
func TestCorruptShard(t *testing.T) {
	dir, man := webtest.Site(t)
	srv := webtest.StartServer(t, dir)
	px := newProxy(t, srv.URL)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open the test page", chromedp.Navigate(px.URL+"offlinetest/blank.html"))
	manifestURL := px.URL + "models/" + webtest.ModelID + "/manifest.json"
	shardURL := func(i int) string { return px.URL + "models/" + webtest.ModelID + "/" + man.Shards[i].File }
	bad1, bad2 := man.Shards[1].File, man.Shards[2].File

	// in transit, once
	px.setRule(func(file string, nth int) action {
		if file == bad1 && nth == 1 {
			return action{corruptAt: 1000}
		}
		return action{}
	})
	loadAndComplete(t, b, manifestURL, "")
	for i, s := range man.Shards {
		want := 1
		if i == 1 {
			want = 2
		}
		if n := len(px.requests(s.File)); n != want {
			t.Errorf("download with %s corrupted once: %s fetched %d times, want %d", bad1, s.File, n, want)
		}
	}

	// in the cache
	var size int
	run(b, `const c = await caches.open("hearth-models");
		const r = await c.match(`+quote(shardURL(2))+`);
		const bytes = new Uint8Array(await r.arrayBuffer());
		bytes[4321] ^= 1;
		await c.put(`+quote(shardURL(2))+`, new Response(bytes, { headers: r.headers }));
		return bytes.length;`, &size)
	if int64(size) != man.Shards[2].End-man.Shards[2].Start {
		t.Fatalf("cached %s: %d bytes", bad2, size)
	}
	px.setRule(nil)
	g := loadAndComplete(t, b, manifestURL, "")
	for i, s := range man.Shards {
		want := 0
		if i == 2 {
			want = 1
		}
		if n := len(px.requests(s.File)); n != want {
			t.Errorf("after corrupting the cached %s: %s fetched %d times, want %d", bad2, s.File, n, want)
		}
	}
	if g.First.CachedBytes != man.FileSize {
		t.Errorf("first report %+v: the cache held every byte (one of them wrong)", g.First)
	}

	// every time: the download fails naming the shard, and keeps none of it
	var res struct {
		Error   string `json:"error"`
		Deleted bool   `json:"deleted"`
		Left    int    `json:"left"`
	}
	px.setRule(func(file string, nth int) action {
		if file == bad1 {
			return action{corruptAt: 77}
		}
		return action{}
	})
	run(b, `const deleted = await H.deleteCachedModel(`+quote(manifestURL)+`);
		let error = "";
		try { await H.downloadModel(`+quote(manifestURL)+`); } catch (e) { error = e.message; }
		const ks = await (await caches.open("hearth-models")).keys();
		return { error, deleted, left: ks.filter((r) => r.url.startsWith(`+quote(shardURL(1))+`)).length };`, &res)
	if !res.Deleted || !strings.Contains(res.Error, "corrupt") || !strings.Contains(res.Error, bad1) {
		t.Errorf("shard corrupt every time: deleted %v, error %q; want it to name %s", res.Deleted, res.Error, bad1)
	}
	if n := len(px.requests(bad1)); n != 2 || res.Left != 0 {
		t.Errorf("shard corrupt every time: fetched %d times (want 2), %d cache entries left (want 0)", n, res.Left)
	}
	b.CheckClean()
}
