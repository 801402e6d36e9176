//go:build !js

package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Expected is what a downloaded file must be.
type Expected struct {
	SHA256 string // lowercase hex
	Size   int64  // bytes
	From   string // where the hub said so: "X-Linked-Etag" or "tree API"
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Lookup asks the hub at base for the sha256 and size of ref's file, before downloading it.
//
// First a HEAD of the resolve URL that follows only relative redirects (a renamed
// repository), not the redirect to the CDN: Hugging Face puts X-Linked-Etag (the LFS sha256,
// quoted) and X-Linked-Size on that redirect, and the CDN's answer does not carry them (this
// is what huggingface_hub does). When they are absent, the tree API
// (/api/models/{repo}/tree/{rev}) gives lfs.oid and lfs.size. A hub that gives neither (a
// file not stored in LFS, a plain mirror) is an error: the file could not be verified.
func Lookup(ctx context.Context, client *http.Client, base string, ref Ref) (Expected, error) {
	if client == nil {
		client = http.DefaultClient
	}
	u, err := ref.URL(base)
	if err != nil {
		return Expected{}, permanent("%v", err)
	}
	exp, ok, err := lookupHead(ctx, client, u)
	if err != nil || ok {
		return exp, err
	}
	tree, err := ref.TreeURL(base)
	if err != nil {
		return Expected{}, permanent("%v", err)
	}
	exp, ok, err = lookupTree(ctx, client, tree, ref.File)
	var perm *permanentError
	switch {
	case err != nil && !errors.As(err, &perm):
		return Expected{}, err // transient: worth retrying
	case err != nil:
		return Expected{}, permanent("the hub gives no sha256 for %s/%s (no X-Linked-Etag on %s; tree API: %v): it cannot be verified; pass the sha256 yourself", ref.Repo, ref.File, u, err)
	case !ok:
		return Expected{}, permanent("the hub gives no sha256 for %s/%s (no X-Linked-Etag on %s, no lfs.oid in %s): it cannot be verified; pass the sha256 yourself", ref.Repo, ref.File, u, tree)
	}
	return exp, nil
}

func lookupHead(ctx context.Context, client *http.Client, u string) (Expected, bool, error) {
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		loc := req.Response.Header.Get("Location")
		if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
			return http.ErrUseLastResponse // the CDN: its answer has no X-Linked-*
		}
		if len(via) >= 5 {
			return fmt.Errorf("more than 5 redirects")
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return Expected{}, false, permanent("%v", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return Expected{}, false, fmt.Errorf("asking the hub for the file's sha256: %w", err)
	}
	resp.Body.Close()
	if err := statusError(resp, u); err != nil {
		return Expected{}, false, err
	}
	etag := resp.Header.Get("X-Linked-Etag")
	if etag == "" {
		return Expected{}, false, nil
	}
	sha := normalizeETag(etag)
	if !sha256Hex.MatchString(sha) {
		return Expected{}, false, nil // a git blob id (a file outside LFS): ask the tree
	}
	size, err := strconv.ParseInt(resp.Header.Get("X-Linked-Size"), 10, 64)
	if err != nil || size <= 0 {
		return Expected{}, false, permanent("the hub's X-Linked-Size for %s is %q, not a size", u, resp.Header.Get("X-Linked-Size"))
	}
	return Expected{SHA256: sha, Size: size, From: "X-Linked-Etag"}, true, nil
}

// treeEntry is one entry of the hub's tree API.
type treeEntry struct {
	Type string `json:"type"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	LFS  *struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	} `json:"lfs"`
}

func lookupTree(ctx context.Context, client *http.Client, u, file string) (Expected, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Expected{}, false, permanent("%v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Expected{}, false, fmt.Errorf("asking the hub's tree API for the file's sha256: %w", err)
	}
	defer resp.Body.Close()
	if err := statusError(resp, u); err != nil {
		return Expected{}, false, err
	}
	var entries []treeEntry
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&entries); err != nil {
		return Expected{}, false, fmt.Errorf("the hub's tree API (%s) sent no listing: %v", u, err)
	}
	for _, e := range entries {
		if e.Type != "file" || e.Path != file {
			continue
		}
		if e.LFS == nil || !sha256Hex.MatchString(strings.ToLower(e.LFS.OID)) || e.LFS.Size <= 0 {
			return Expected{}, false, nil
		}
		return Expected{SHA256: strings.ToLower(e.LFS.OID), Size: e.LFS.Size, From: "tree API"}, true, nil
	}
	return Expected{}, false, permanent("%s is not in the hub's listing %s (404)", file, u)
}

// statusError turns the hub's refusals into errors; nil for an answer to read.
func statusError(resp *http.Response, u string) error {
	switch {
	case resp.StatusCode < 400:
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return permanent("%s: not found on the hub (404%s): check the repository, revision and file name", u, errorCode(resp))
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return permanent("%s: %s%s: the repository may not exist, or be private or gated (accept its terms on the hub)", u, resp.Status, errorCode(resp))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("server error: %s", resp.Status)
	default:
		return permanent("%s: unexpected answer %s", u, resp.Status)
	}
}

func errorCode(resp *http.Response) string {
	if c := resp.Header.Get("X-Error-Code"); c != "" {
		return ", " + c
	}
	return ""
}

// normalizeETag strips a weak prefix and the quotes: `W/"abc"` → abc (lowercased).
func normalizeETag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.ToLower(strings.Trim(s, `"`))
}
