package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLEB128(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		want string
	}{{0, "00"}, {127, "7f"}, {128, "8001"}, {624485, "e58e26"}, {65536, "808004"}} {
		if got := hex.EncodeToString(uleb(nil, c.v)); got != c.want {
			t.Errorf("uleb(%d) = %s, want %s", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    int64
		want string
	}{{0, "00"}, {-1, "7f"}, {63, "3f"}, {64, "c000"}, {-64, "40"}, {-65, "bf7f"}, {-123456, "c0bb78"}, {0x7f800000, "808080fc07"}} {
		if got := hex.EncodeToString(sleb(nil, c.v)); got != c.want {
			t.Errorf("sleb(%d) = %s, want %s", c.v, got, c.want)
		}
	}
}

// TestModuleImport checks the memory import of both variants byte for byte: a plain
// memory with minimum 0, or a shared one with maximum 65536 pages.
func TestModuleImport(t *testing.T) {
	for _, c := range []struct {
		shared bool
		limits string
	}{{false, "0000"}, {true, "0300808004"}} {
		b, err := Build(c.shared, false)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\x00asm\x01\x00\x00\x00")) {
			t.Fatalf("bad header % x", b[:8])
		}
		imp := "03656e76066d656d6f727902" + c.limits // "env" "memory" memory limits
		if !bytes.Contains(b, mustHex(imp)) {
			t.Errorf("shared=%v: memory import %s not found", c.shared, imp)
		}
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestModuleValidates compiles the four variants (plain/shared memory, simd128/relaxed) with Node's WebAssembly (the engine the
// module targets) and checks the exports; skipped without node.
func TestModuleValidates(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found")
	}
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	script := `const fs = require("fs");
for (const f of process.argv.slice(1)) {
	const m = new WebAssembly.Module(fs.readFileSync(f));
	console.log(WebAssembly.Module.exports(m).map(e => e.name).join(","));
}`
	out, err := exec.Command(node, "--experimental-wasm-relaxed-simd", "-e", script,
		filepath.Join(dir, "hearth-kernels.wasm"), filepath.Join(dir, "hearth-kernels-shared.wasm"),
		filepath.Join(dir, "hearth-kernels-relaxed.wasm"), filepath.Join(dir, "hearth-kernels-relaxed-shared.wasm")).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var names []string
	for _, f := range Kernels(false) {
		if f.Export {
			names = append(names, f.Name)
		}
	}
	want := ""
	for i := 0; i < 4; i++ {
		want += strings.Join(names, ",") + "\n"
	}
	if string(out) != want {
		t.Fatalf("exports:\n%s\nwant:\n%s", out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "hearth-kernels.wasm")); err != nil {
		t.Fatal(err)
	}
}
