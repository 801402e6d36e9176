// Package hub downloads model files from a Hugging Face–style model hub
// (`<hub>/<owner>/<repo>/resolve/<revision>/<file>`) into a local file and verifies them:
// Lookup learns a file's sha256 and size from the hub (X-Linked-Etag / X-Linked-Size on the
// resolve URL, or lfs.oid / lfs.size from the tree API); Download fetches it resumably
// (Range + If-Range, following redirects), hashing it as it arrives, restarting when the
// hub's file changes, dropping an idle connection and resuming, retrying a bounded number of
// times, and reporting what happens; Fetch does both and deletes a file that does not match.
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
	Repo     string // "owner/repo"
	File     string // "file.gguf" or "sub/dir/file.gguf"
	Revision string // branch, tag or commit; "" means main
}

func (r Ref) revision() string {
	if r.Revision == "" {
		return "main"
	}
	return r.Revision
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

// URL is the download address of r on the hub at base: <base>/<repo>/resolve/<rev>/<file>,
// each path segment escaped.
func (r Ref) URL(base string) (string, error) {
	return hubURL(base, r.Repo+"/resolve/"+r.revision()+"/"+r.File)
}

// TreeURL is the hub's listing of the folder that holds r's file:
// <base>/api/models/<repo>/tree/<rev>[/<dir>].
func (r Ref) TreeURL(base string) (string, error) {
	p := "api/models/" + r.Repo + "/tree/" + r.revision()
	if i := strings.LastIndex(r.File, "/"); i > 0 {
		p += "/" + r.File[:i]
	}
	return hubURL(base, p)
}

func hubURL(base, p string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("hub URL %q: %v", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("hub URL %q: want http(s)://host[/path]", base)
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(u.String(), "/") + "/" + strings.Join(segs, "/"), nil
}
