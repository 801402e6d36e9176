package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// fakeEngineDir writes what wasm/build.sh leaves in its folder: engine.wasm, Go's own
// wasm_exec.js and a kernel module (the .wasm files are small valid-header stand-ins: the
// build copies them as they are).
func fakeEngineDir(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	exec, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Skipf("Go's wasm_exec.js: %v", err)
	}
	wasm := func(fill byte) []byte {
		return append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{fill, 0, 1, 2}, 4096)...)
	}
	files := map[string][]byte{"engine.wasm": wasm(7), "wasm_exec.js": exec, "hearth-kernels.wasm": wasm(9)}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, files
}

func TestPrebuiltEngine(t *testing.T) {
	dir, src := fakeEngineDir(t)
	out := filepath.Join(t.TempDir(), "static")
	opt := testOptions(out)
	opt.WasmDir = dir
	res, err := Build(opt)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Assets
	if len(a.EngineFiles) != len(src) {
		t.Fatalf("engine files %v, want the %d in %s", a.EngineFiles, len(src), dir)
	}
	for name, orig := range src {
		hashed := a.EngineFiles[name]
		got, err := os.ReadFile(filepath.Join(out, hashed))
		if err != nil {
			t.Fatalf("%s → %q: %v", name, hashed, err)
		}
		if hashedName(name, got) != hashed {
			t.Errorf("%s: %s is not named by its content", name, hashed)
		}
		if strings.HasSuffix(name, ".wasm") && !bytes.Equal(got, orig) {
			t.Errorf("%s changed on the way", name)
		}
		if strings.HasSuffix(name, ".js") && len(got) >= len(orig) {
			t.Errorf("%s: %d bytes, not minified from %d", name, len(got), len(orig))
		}
		for _, ext := range []string{".gz", ".br"} {
			if _, err := os.Stat(filepath.Join(out, hashed+ext)); err != nil {
				t.Errorf("%s has no %s", hashed, ext)
			}
		}
	}
	if a.Engine != a.EngineFiles["engine.wasm"] || a.WasmExec != a.EngineFiles["wasm_exec.js"] {
		t.Errorf("Engine %q, WasmExec %q do not match %v", a.Engine, a.WasmExec, a.EngineFiles)
	}
	// The page hands the names to the script.
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	_, assets := pageRefs(t, page)
	for name, hashed := range a.EngineFiles {
		if assets["engineFiles/"+name] != hashed {
			t.Errorf("page's engineFiles[%s] = %q, want %q", name, assets["engineFiles/"+name], hashed)
		}
	}
	// The minified wasm_exec.js still parses.
	if node, err := exec.LookPath("node"); err == nil {
		p := filepath.Join(t.TempDir(), "wasm_exec.cjs")
		js, _ := os.ReadFile(filepath.Join(out, a.WasmExec))
		os.WriteFile(p, js, 0o644)
		if msg, err := exec.Command(node, "--check", p).CombinedOutput(); err != nil {
			t.Errorf("minified wasm_exec.js does not parse: %v\n%s", err, msg)
		}
	}
	// The worker learns the same names through esbuild defines: JS string literals (the
	// worker checks typeof === "string"; HEARTH_ENGINE_FILES holds JSON it parses).
	defs := workerDefines(a)
	str := func(k string) string {
		var s string
		if err := json.Unmarshal([]byte(defs[k]), &s); err != nil {
			t.Errorf("define %s = %s: not a string literal: %v", k, defs[k], err)
		}
		return s
	}
	if str("HEARTH_ENGINE_URL") != a.Engine || str("HEARTH_WASM_EXEC_URL") != a.WasmExec {
		t.Errorf("defines %v do not name %s and %s", defs, a.Engine, a.WasmExec)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(str("HEARTH_ENGINE_FILES")), &m); err != nil || !reflect.DeepEqual(m, a.EngineFiles) {
		t.Errorf("HEARTH_ENGINE_FILES = %s (%v), want %v", defs["HEARTH_ENGINE_FILES"], err, a.EngineFiles)
	}
}

func TestEngineDirWithoutEngine(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "wasm_exec.js"), []byte("x"), 0o644)
	opt := testOptions(filepath.Join(t.TempDir(), "static"))
	opt.WasmDir = dir
	if _, err := Build(opt); err == nil || !strings.Contains(err.Error(), "no engine.wasm") {
		t.Errorf("Build with an engine folder lacking engine.wasm: %v, want a clear error", err)
	}
}
