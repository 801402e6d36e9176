package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sha256Check feeds web/worker/sha256.js (the download's SHA-256, fed a chunk at a time)
// data of many lengths cut into chunks at random places, and compares with node:crypto.
const sha256Check = `
import { Sha256 } from MODULE;
import { createHash } from "node:crypto";
let seed = 12345;
const rand = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
const bad = [];
const lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4095, 65535, 65536, 65537, 200003, 3 << 20];
for (const n of lengths) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rand(256);
  const want = createHash("sha256").update(b).digest("hex");
  for (const parts of [1, 2, 3, 7, 64]) {
    const h = new Sha256();
    let at = 0;
    for (let k = 0; k < parts; k++) {
      const end = k === parts - 1 ? n : Math.min(n, at + rand(Math.floor((2 * n) / parts) + 2));
      h.update(b.subarray(at, end));
      at = end;
    }
    const got = h.hex();
    if (got !== want) bad.push(n + " bytes in " + parts + " pieces: " + got + ", want " + want);
  }
}
console.log(bad.length ? bad.join("\n") : "ok");
`

func TestSha256JS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	mod, err := filepath.Abs(filepath.Join(testRoot, "web", "worker", "sha256.js"))
	if err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(mod)}
	script := filepath.Join(t.TempDir(), "check.mjs")
	if err := os.WriteFile(script, []byte(strings.Replace(sha256Check, "MODULE", `"`+u.String()+`"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("sha256.js: %v\n%s", err, out)
	}
}
