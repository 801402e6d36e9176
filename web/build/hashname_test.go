package main

import (
	"slices"
	"testing"
)

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func TestHashedName(t *testing.T) {
	// sha256("") = e3b0c442…, sha256("abc") = ba7816bf…
	for _, c := range []struct{ name, data, want string }{
		{"app.js", "", "app.e3b0c442.js"},
		{"wasm_exec.js", "abc", "wasm_exec.ba7816bf.js"},
		{"engine.wasm", "abc", "engine.ba7816bf.wasm"},
		{"icons/icon.svg", "abc", "icons/icon.ba7816bf.svg"},
	} {
		got := hashedName(c.name, []byte(c.data))
		if got != c.want {
			t.Errorf("hashedName(%q, %q) = %q, want %q", c.name, c.data, got, c.want)
		}
		if back, ok := unhashedName(got); !ok || back != c.name {
			t.Errorf("unhashedName(%q) = %q, %v; want %q", got, back, ok, c.name)
		}
	}
	for name, want := range map[string]string{
		"app.0badc0de.js.br": "app.js", "app.0badc0de.css.gz": "app.css", "app.js": "", "index.html": "",
		"app.0BADC0DE.js": "", "app.0badc0d.js": "", "shard-000.0123456789abcdef.bin": "",
	} {
		got, ok := unhashedName(name)
		if got != want || ok != (want != "") {
			t.Errorf("unhashedName(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"index.html", "app.0badc0de.js", "a/b.css"} {
		if err := checkName(ok); err != nil {
			t.Errorf("checkName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "./x", ".hearth-build.json", "models/index.json", "models", "a//b"} {
		if checkName(bad) == nil {
			t.Errorf("checkName(%q) accepted", bad)
		}
	}
}

func TestBrotliWindow(t *testing.T) {
	for n, want := range map[int]int{0: 10, 1024: 10, 1025: 11, 1 << 20: 20, 5 << 20: 23, 1 << 30: 24} {
		if got := brotliWindow(n); got != want {
			t.Errorf("brotliWindow(%d) = %d, want %d", n, got, want)
		}
	}
}
