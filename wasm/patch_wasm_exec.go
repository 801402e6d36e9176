//go:build ignore

// patch_wasm_exec copies Go's wasm_exec.js and makes it work over a shared
// (SharedArrayBuffer-backed) memory, as DESIGN.md describes: TextDecoder and
// crypto.getRandomValues refuse views of shared buffers, so the three places that hand them
// Go's memory copy the bytes first. Each patch must apply, or the build fails (a new Go
// release that changed wasm_exec.js is caught here).
//
//	go run wasm/patch_wasm_exec.go IN OUT
package main

import (
	"fmt"
	"os"
	"strings"
)

var patches = []struct{ old, new string }{
	// fs.writeSync: buf is a view of Go's memory
	{`outputBuf += decoder.decode(buf);`, `outputBuf += decoder.decode(buf.slice());`},
	// loadString
	{`return decoder.decode(new DataView(this._inst.exports.mem.buffer, saddr, len));`,
		`return decoder.decode(new Uint8Array(this._inst.exports.mem.buffer, saddr, len).slice());`},
	// runtime.getRandomData
	{`crypto.getRandomValues(loadSlice(sp + 8));`,
		`{ const dst = loadSlice(sp + 8); const tmp = new Uint8Array(dst.length); crypto.getRandomValues(tmp); dst.set(tmp); }`},
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run wasm/patch_wasm_exec.go IN OUT")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := string(b)
	for _, p := range patches {
		if strings.Count(s, p.old) != 1 {
			fmt.Fprintf(os.Stderr, "patch_wasm_exec: %q not found exactly once in %s\n", p.old, os.Args[1])
			os.Exit(1)
		}
		s = strings.Replace(s, p.old, p.new, 1)
	}
	s = "// Go's wasm_exec.js, patched for a shared memory by wasm/patch_wasm_exec.go.\n" + s
	if err := os.WriteFile(os.Args[2], []byte(s), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
