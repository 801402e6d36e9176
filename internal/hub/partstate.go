package hub

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
)

// partState is kept next to a .part file: what it is a prefix of, so a later run resumes
// only the same file (If-Range with the same validator) from the same URL.
type partState struct {
	URL       string `json:"url"`
	Validator string `json:"validator"`        // strong ETag or Last-Modified; "" when neither was sent
	Total     int64  `json:"total"`            // full size in bytes, -1 when unknown
	SHA256    string `json:"sha256,omitempty"` // the hash the file must have, when known
}

func loadPartState(path string) (partState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return partState{}, err
	}
	st := partState{Total: -1}
	err = json.Unmarshal(b, &st)
	return st, err
}

// save writes the state atomically (temp file + rename).
func (st partState) save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// parseContentRange reads "bytes START-END/TOTAL" (TOTAL may be "*": -1).
func parseContentRange(s string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	span, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	if size == "*" {
		return start, -1, true
	}
	total, err := strconv.ParseInt(size, 10, 64)
	if err != nil || total <= end {
		return 0, 0, false
	}
	return start, total, true
}

// unsatisfiedLength reads the "bytes */TOTAL" of a 416 answer.
func unsatisfiedLength(s string) (int64, bool) {
	rest, ok := strings.CutPrefix(s, "bytes */")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n >= 0
}
