// Package hub downloads model files from a Hugging Face–style model hub
// (`<hub>/<owner>/<repo>/resolve/main/<file>`) into a local file: resumable with Range and
// If-Range, following redirects, retrying dropped connections with a bounded backoff, and
// reporting progress (bytes, speed, ETA) on a terminal or as occasional plain lines.
package hub

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultHub is the hub used when none is configured.
const DefaultHub = "https://huggingface.co"

// Ref names one file in a hub repository: "owner/repo/path/to/file.gguf".
type Ref struct {
	Repo string // "owner/repo"
	File string // "file.gguf" or "sub/dir/file.gguf"
}

// ParseRef splits "owner/repo/file.gguf" into its repository and file path.
func ParseRef(s string) (Ref, error) {
	parts := strings.Split(strings.Trim(s, "/"), "/")
	if len(parts) < 3 {
		return Ref{}, fmt.Errorf("hub reference %q: want OWNER/REPO/FILE.gguf", s)
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return Ref{}, fmt.Errorf("hub reference %q: empty or relative path segment", s)
		}
	}
	return Ref{Repo: parts[0] + "/" + parts[1], File: strings.Join(parts[2:], "/")}, nil
}

// Base is the last path segment of the file: the name it is saved under.
func (r Ref) Base() string {
	return r.File[strings.LastIndex(r.File, "/")+1:]
}

// URL is the download address of r on the hub at base: <base>/<repo>/resolve/main/<file>,
// each path segment escaped.
func (r Ref) URL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("hub URL %q: %v", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("hub URL %q: want http(s)://host[/path]", base)
	}
	segs := strings.Split(r.Repo+"/resolve/main/"+r.File, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(u.String(), "/") + "/" + strings.Join(segs, "/"), nil
}
