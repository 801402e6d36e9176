package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// record is the list of files a build wrote, kept in <out>/.hearth-build.json (a hidden
// name: the server never serves it) so the next build can delete the ones it no longer
// makes and reuse compressed files whose source has not changed.
type record struct {
	Files []File `json:"files"`
}

func readRecord(out string) record {
	var r record
	b, err := os.ReadFile(filepath.Join(out, recordName))
	if err != nil || json.Unmarshal(b, &r) != nil {
		return record{}
	}
	return r
}

// reuseCompressed returns the compressed file <out>/name when the last build recorded it
// as made from a file with this sha256: compressing the engine at brotli's best quality takes
// seconds, and a rerun of an unchanged build should not spend them again.
func reuseCompressed(out, name, ofSHA256 string) ([]byte, bool) {
	for _, f := range readRecord(out).Files {
		if f.Name != name {
			continue
		}
		if f.OfSHA256 != ofSHA256 {
			return nil, false
		}
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil || len(b) != f.Size {
			return nil, false
		}
		return b, true
	}
	return nil, false
}

// writeOut makes out hold exactly this build's files next to what the build does not own
// (models/, files put there by hand): it writes the files whose bytes differ (through a
// temporary file and a rename, so a server never sends half a file), then deletes the
// files of earlier builds this one did not make: those in the last record, and hashed
// files named like one of this build's (app.<other hash>.js) should the record be lost.
func writeOut(out string, files map[string]*staged, list []File) (written, removed []string, err error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, nil, err
	}
	old := readRecord(out)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, nil, err
		}
		changed, err := writeIfChanged(filepath.Join(out, filepath.FromSlash(n)), files[n].data)
		if err != nil {
			return nil, nil, err
		}
		if changed {
			written = append(written, n)
		}
	}

	stale := map[string]bool{}
	for _, f := range old.Files {
		stale[f.Name] = true
	}
	ours := map[string]bool{}
	for _, n := range names {
		if u, ok := unhashedName(n); ok {
			ours[u] = true
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if u, ok := unhashedName(e.Name()); ok && ours[u] && e.Type().IsRegular() {
			stale[e.Name()] = true
		}
	}
	for n := range stale {
		if files[n] != nil || checkName(n) != nil {
			continue
		}
		err := os.Remove(filepath.Join(out, filepath.FromSlash(n)))
		if err == nil {
			removed = append(removed, n)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
	sort.Strings(removed)

	rec, err := json.MarshalIndent(record{Files: list}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	if _, err := writeIfChanged(filepath.Join(out, recordName), append(rec, '\n')); err != nil {
		return nil, nil, err
	}
	return written, removed, nil
}

// checkName refuses a name the build must never write or delete: anything outside the
// folder, hidden, or under models/ (the installed models belong to hearth add-model).
func checkName(n string) error {
	if n == "" || path.IsAbs(n) || path.Clean(n) != n || n == ".." || strings.HasPrefix(n, "../") ||
		strings.HasPrefix(path.Base(n), ".") || isUnder(n, modelsDirName) {
		return fmt.Errorf("build output name %q is not allowed", n)
	}
	return nil
}

// writeIfChanged writes data to p unless p already holds exactly data, so a rerun keeps
// the files (and their modification times, which the server's ETags use) as they were.
func writeIfChanged(p string, data []byte) (bool, error) {
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+filepath.Base(p)+"-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), p)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
