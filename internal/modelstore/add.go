package modelstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"hearth/engine/gguf"
	"hearth/engine/model"
)

// Options configure Add.
type Options struct {
	Static    string // the static bundle folder; models go to <Static>/models/<ID>/
	ID        string // model id; "" derives it from the file name
	ShardSize int64  // bytes per shard; 0 means DefaultShardSize
}

// Add installs the GGUF file at src: it checks that Hearth can run it (model.Check, then
// Runnable: the tokenizer, the chat template and a forward step), writes
// its shards and manifest.json to <static>/models/<id>/ and rewrites models/index.json.
// Adding the same file again changes nothing; adding another file under an existing id
// replaces that model and deletes its stale shards. Each step leaves a consistent bundle:
// shards are written before the manifest that names them, JSON files are replaced
// atomically, and stale shards are removed last.
func Add(src string, opt Options) (*Manifest, error) {
	if opt.Static == "" {
		return nil, errors.New("add-model: no static folder given")
	}
	if opt.ShardSize == 0 {
		opt.ShardSize = DefaultShardSize
	}

	id := opt.ID
	if id == "" {
		id = IDFromPath(src)
	}
	if err := ValidID(id); err != nil {
		return nil, err
	}

	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", src)
	}
	if err := CheckShardSize(opt.ShardSize, fi.Size()); err != nil {
		return nil, fmt.Errorf("add-model: %w", err)
	}
	g, err := gguf.Open(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	if err := model.Check(g); err != nil {
		return nil, fmt.Errorf("%s: Hearth cannot run this model: %w", src, err)
	}
	if err := Runnable(g); err != nil {
		return nil, fmt.Errorf("%s: Hearth cannot run this model: %w", src, err)
	}

	dir := filepath.Join(ModelsDir(opt.Static), id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, Summary: Describe(g, id, fi.Size()), ShardSize: opt.ShardSize, PartSize: PartSizeFor(opt.ShardSize)}
	whole := sha256.New()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	r := io.TeeReader(f, whole)
	for start := int64(0); start < fi.Size(); start += opt.ShardSize {
		end := min(start+opt.ShardSize, fi.Size())
		sh, err := writeShard(dir, len(m.Shards), r, start, end, m.PartSize)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		m.Shards = append(m.Shards, sh)
	}
	m.SHA256 = hex.EncodeToString(whole.Sum(nil))

	if err := writeJSONAtomic(filepath.Join(dir, "manifest.json"), m); err != nil {
		return nil, err
	}
	if _, err := RebuildIndex(opt.Static); err != nil {
		return nil, err
	}
	if err := removeStale(dir, m); err != nil {
		return nil, err
	}
	return m, nil
}

// shardHashLen is how many hex digits of a shard's sha256 its file name carries.
const shardHashLen = 16

// writeShard copies bytes [start, end) from r (positioned at start) into dir as
// shard-NNN.<hash>.bin, through a temporary file so a shard under its final name is always
// complete, hashing it whole and in parts of partSize bytes.
func writeShard(dir string, n int, r io.Reader, start, end, partSize int64) (Shard, error) {
	tmp, err := os.CreateTemp(dir, fmt.Sprintf(".shard-%03d-*.tmp", n))
	if err != nil {
		return Shard{}, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	h := sha256.New()
	parts := &partHasher{size: partSize}
	copied, err := io.Copy(io.MultiWriter(tmp, h, parts), io.LimitReader(r, end-start))
	if err == nil && copied != end-start {
		err = fmt.Errorf("file ended at byte %d while reading shard %d (want %d bytes): was it changed while being added?", start+copied, n, end)
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Shard{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	name := shardName(n, sum)
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return Shard{}, err
	}
	return Shard{File: name, Start: start, End: end, SHA256: sum, Parts: parts.sums()}, nil
}

// partHasher hashes what is written to it in pieces of size bytes.
type partHasher struct {
	size int64
	h    hash.Hash
	n    int64 // bytes of the current piece
	out  []string
}

func (p *partHasher) Write(b []byte) (int, error) {
	total := len(b)
	for len(b) > 0 {
		if p.h == nil {
			p.h, p.n = sha256.New(), 0
		}
		k := int(min(int64(len(b)), p.size-p.n))
		p.h.Write(b[:k])
		p.n += int64(k)
		b = b[k:]
		if p.n == p.size {
			p.out = append(p.out, hex.EncodeToString(p.h.Sum(nil)))
			p.h = nil
		}
	}
	return total, nil
}

// sums ends the last piece and returns the hashes.
func (p *partHasher) sums() []string {
	if p.h != nil && p.n > 0 {
		p.out = append(p.out, hex.EncodeToString(p.h.Sum(nil)))
		p.h = nil
	}
	return p.out
}

func shardName(n int, sum string) string {
	return fmt.Sprintf("shard-%03d.%s.bin", n, sum[:shardHashLen])
}

// removeStale deletes shards (and temporary files of interrupted runs) in dir that m does
// not name. Files this package did not write are left alone.
func removeStale(dir string, m *Manifest) error {
	keep := map[string]bool{"manifest.json": true}
	for _, s := range m.Shards {
		keep[s.File] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		ours := strings.HasPrefix(name, "shard-") && strings.HasSuffix(name, ".bin") ||
			strings.HasPrefix(name, ".shard-") && strings.HasSuffix(name, ".tmp") ||
			strings.HasPrefix(name, ".tmp-manifest.json-")
		if ours && !keep[name] && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}
