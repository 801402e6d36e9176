package modelstore

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"65536": 65536, "64MiB": 64 << 20, "64mib": 64 << 20, "1MB": 1_000_000, "1 MB": 1_000_000,
		"512KiB": 512 << 10, "512kB": 512_000, "2G": 2 << 30, "1.5MiB": 3 << 19, "100b": 100, " 7 ": 7,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "0", "0.1", "1.2.3MB", "12 parsecs", "1e3", "99999999999TiB"} {
		if n, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, n)
		}
	}
}

func TestIDs(t *testing.T) {
	for _, ok := range []string{"stories260K", "SmolLM2-135M-Instruct.Q8_0", "a", "qwen_3"} {
		if err := ValidID(ok); err != nil {
			t.Errorf("ValidID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "-x", "a/b", "..", "a b", "index.json", "é", string(make([]byte, 129))} {
		if ValidID(bad) == nil {
			t.Errorf("ValidID(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{
		"/m/stories260K.gguf": "stories260K", "Qwen2.5 0.5B (q8).gguf": "Qwen2.5-0.5B--q8-", "..x.gguf": "x",
	} {
		if got := IDFromPath(in); got != want {
			t.Errorf("IDFromPath(%q) = %q, want %q", in, got, want)
		}
	}
}
