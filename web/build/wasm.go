package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// engineFiles are the files of the browser engine: engine.wasm (the Go program), Go's
// wasm_exec.js (patched for shared memory) and any other .wasm (the SIMD kernel module),
// keyed by base name.
type engineFiles map[string][]byte

// buildEngine returns the engine's files: read from dir when it is given (a folder the
// wasm/build.sh script filled earlier), else built by running wasm/build.sh into a
// temporary folder. Without wasm/build.sh and without dir there is no engine: it returns
// nil and the page says so when a model is loaded.
func buildEngine(root, dir string, log io.Writer) (engineFiles, error) {
	if dir == "" {
		script := filepath.Join(root, "wasm", "build.sh")
		if _, err := os.Stat(script); err != nil {
			if os.IsNotExist(err) {
				fmt.Fprintln(log, "web/build: no wasm/build.sh yet: building the bundle without the engine")
				return nil, nil
			}
			return nil, err
		}
		tmp, err := os.MkdirTemp("", "hearth-wasm-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("bash", "wasm/build.sh", tmp)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = log, log
		cmd.Env = append(os.Environ(), "HEARTH_WASM_OUT="+tmp)
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("wasm/build.sh %s: %w", tmp, err)
		}
		dir = tmp
	}
	return readEngine(dir)
}

// readEngine reads the .wasm and .js files of dir; engine.wasm must be among them.
func readEngine(dir string) (engineFiles, error) {
	var names []string
	for _, pat := range []string{"*.wasm", "*.js"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	files := engineFiles{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files[filepath.Base(n)] = b
	}
	if _, ok := files["engine.wasm"]; !ok {
		return nil, fmt.Errorf("engine folder %s has no engine.wasm", dir)
	}
	return files, nil
}
