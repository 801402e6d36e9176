package main

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"regexp"
	"strings"
)

// hashLen is the number of hex digits of the sha256 put in a file name: 8 (32 bits) is
// plenty to tell one build of a file from another, and the server treats any name with a
// ".<8 to 64 hex digits>." segment as immutable.
const hashLen = 8

// hashedName puts the first hashLen hex digits of data's sha256 before the extension of
// name: "app.js" → "app.3fa2b9c1.js", "wasm_exec.js" → "wasm_exec.0c1d2e3f.js".
func hashedName(name string, data []byte) string {
	sum := sha256.Sum256(data)
	dir, base := path.Split(name)
	ext := path.Ext(base)
	return dir + strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:])[:hashLen] + ext
}

// hashedPattern matches a name hashedName wrote, with an optional precompressed suffix:
// stem, hash, extension.
var hashedPattern = regexp.MustCompile(`^(.+)\.([0-9a-f]{8})(\.[A-Za-z0-9]+)(\.gz|\.br)?$`)

// unhashedName returns the name a hashed name was made from ("app.3fa2b9c1.js.br" →
// "app.js") and whether name is one.
func unhashedName(name string) (string, bool) {
	m := hashedPattern.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	return m[1] + m[3], true
}
