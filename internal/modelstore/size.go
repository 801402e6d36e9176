package modelstore

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DefaultShardSize keeps each shard a comfortable single fetch and under the 64 MiB the
// loader assumes.
const DefaultShardSize = 64 << 20

// ParseSize reads a byte count: plain bytes ("65536"), decimal units ("1MB" = 1,000,000,
// "2GB", "512kB") or binary units ("64MiB" = 67,108,864, "512KiB"; "K", "M", "G" alone are
// binary too). Case and a space before the unit do not matter; fractions are allowed
// ("1.5MiB") and round down to whole bytes. The result must be positive.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if num == "" || !ok {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit (B, KB, MB, GB, KiB, MiB, GiB)", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %v", s, err)
	}
	n := v * float64(mult)
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if int64(n) < 1 {
		return 0, fmt.Errorf("size %q: must be at least 1 byte", s)
	}
	return int64(n), nil
}

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}
