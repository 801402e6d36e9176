package modelstore

import (
	"fmt"
	"path/filepath"
	"strings"
)

// ValidID checks that id can name a model folder and a URL path segment: 1 to 128 of
// A-Z a-z 0-9 . _ -, starting with a letter or digit.
func ValidID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("model id %q: want 1 to 128 characters", id)
	}
	for i, r := range id {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if i == 0 && !alnum {
			return fmt.Errorf("model id %q: must start with a letter or digit", id)
		}
		if !alnum && r != '.' && r != '_' && r != '-' {
			return fmt.Errorf("model id %q: only letters, digits, '.', '_' and '-' are allowed", id)
		}
	}
	if id == "index.json" {
		return fmt.Errorf("model id %q is reserved", id)
	}
	return nil
}

// IDFromPath derives a model id from a file name: "models/SmolLM2-135M-Q8_0.gguf" gives
// "SmolLM2-135M-Q8_0"; characters an id may not hold become '-'.
func IDFromPath(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	for _, r := range base {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			r = '-'
		}
		b.WriteRune(r)
	}
	id := strings.TrimLeft(b.String(), "._-")
	if len(id) > 128 {
		id = id[:128]
	}
	return id
}
