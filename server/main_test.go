package main

import (
	"io"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	cfg, err := parseConfig(nil, getenv, io.Discard)
	if err != nil || cfg.Addr != "127.0.0.1:8080" || cfg.Static != "static" || cfg.ShutdownTimeout != 30*time.Second || cfg.WriteStall != time.Minute {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
	env["HEARTH_ADDR"], env["HEARTH_STATIC"] = "0.0.0.0:9000", "/srv/hearth"
	if cfg, err = parseConfig(nil, getenv, io.Discard); err != nil || cfg.Addr != "0.0.0.0:9000" || cfg.Static != "/srv/hearth" {
		t.Errorf("from env: %+v %v", cfg, err)
	}
	cfg, err = parseConfig([]string{"--addr", "127.0.0.1:0", "--static", "./out", "--shutdown-timeout", "5s", "--write-stall-timeout", "90s"}, getenv, io.Discard)
	if err != nil || cfg.Addr != "127.0.0.1:0" || cfg.Static != "./out" || cfg.ShutdownTimeout != 5*time.Second || cfg.WriteStall != 90*time.Second {
		t.Errorf("flags over env: %+v %v", cfg, err)
	}
	for _, bad := range [][]string{{"--nope"}, {"extra"}, {"--shutdown-timeout", "soon"}} {
		if _, err := parseConfig(bad, getenv, io.Discard); err == nil {
			t.Errorf("parseConfig(%q) accepted", bad)
		}
	}
}
