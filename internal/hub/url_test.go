package hub

import (
	"strings"
	"testing"
	"time"
)

func TestRefURL(t *testing.T) {
	for _, c := range []struct{ ref, hub, want string }{
		{"o/r/m.gguf", "https://huggingface.co", "https://huggingface.co/o/r/resolve/main/m.gguf"},
		{"/o/r/m.gguf", "http://127.0.0.1:9/", "http://127.0.0.1:9/o/r/resolve/main/m.gguf"},
		{"o/r/sub dir/m#1.gguf", "http://h/mirror", "http://h/mirror/o/r/resolve/main/sub%20dir/m%231.gguf"},
	} {
		r, err := ParseRef(c.ref)
		if err != nil {
			t.Fatalf("%s: %v", c.ref, err)
		}
		got, err := r.URL(c.hub)
		if err != nil || got != c.want {
			t.Errorf("%s at %s: %q, %v; want %q", c.ref, c.hub, got, err, c.want)
		}
	}
	if r, _ := ParseRef("o/r/sub/m.gguf"); r.Repo != "o/r" || r.File != "sub/m.gguf" || r.Base() != "m.gguf" {
		t.Errorf("ParseRef(o/r/sub/m.gguf) = %+v", r)
	}
	for _, bad := range []string{"", "m.gguf", "o/m.gguf", "o//m.gguf", "o/r/../m.gguf"} {
		if _, err := ParseRef(bad); err == nil {
			t.Errorf("ParseRef(%q) accepted", bad)
		}
	}
	r, _ := ParseRef("o/r/m.gguf")
	for _, bad := range []string{"ftp://h", "huggingface.co", "http://", "://x"} {
		if _, err := r.URL(bad); err == nil {
			t.Errorf("URL(%q) accepted", bad)
		}
	}
}

func TestParseContentRange(t *testing.T) {
	for _, c := range []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/1000", 100, 1000, true},
		{"bytes 0-0/1", 0, 1, true},
		{"bytes 5-9/*", 5, -1, true},
		{"bytes 5-9/9", 0, 0, false},
		{"bytes */1000", 0, 0, false},
		{"bytes 9-5/10", 0, 0, false},
		{"items 0-1/2", 0, 0, false},
		{"", 0, 0, false},
	} {
		s, tot, ok := parseContentRange(c.in)
		if s != c.start || tot != c.total || ok != c.ok {
			t.Errorf("parseContentRange(%q) = %d, %d, %v; want %d, %d, %v", c.in, s, tot, ok, c.start, c.total, c.ok)
		}
	}
}

func TestMeter(t *testing.T) {
	clock := time.Unix(1000, 0)
	now := func() time.Time { return clock }
	var out strings.Builder
	m := newMeter(&out, true, "m.gguf", now)
	m.reset(1<<20, 11<<20) // resumed at 1 MiB of 11 MiB
	clock = clock.Add(2 * time.Second)
	m.add(4 << 20) // 4 MiB in 2 s: 2 MiB/s, 6 MiB left: 3 s
	want := "m.gguf  5.0 MiB / 11.0 MiB [==========>             ]  45%  2.0 MiB/s  ETA 0:03"
	if got := m.line(clock); got != want {
		t.Errorf("terminal line\n got %q\nwant %q", got, want)
	}
	if !strings.HasPrefix(out.String(), "\r\x1b[K") {
		t.Errorf("terminal output should redraw in place: %q", out.String())
	}
	m.terminal = false
	if got := m.line(clock); got != "m.gguf  5.0 MiB / 11.0 MiB  45%  2.0 MiB/s  ETA 0:03" {
		t.Errorf("plain line %q", got)
	}

	// Plain output: a line at most every 10 s, not one per chunk.
	out.Reset()
	p := newMeter(&out, false, "x", now)
	p.reset(0, -1)
	for i := 0; i < 100; i++ {
		clock = clock.Add(time.Second)
		p.add(1000)
	}
	if n := strings.Count(out.String(), "\n"); n != 10 {
		t.Errorf("%d plain lines over 100 s, want 10:\n%s", n, out.String())
	}
	if strings.Contains(out.String(), "ETA") {
		t.Errorf("ETA shown with unknown total: %q", out.String())
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 135 << 20: "135.0 MiB", 3 << 40: "3.0 TiB", 5000 << 40: "5000.0 TiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{0: "0:00", 27 * time.Second: "0:27", 61 * time.Minute: "1:01:00", -time.Second: "0:00"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
