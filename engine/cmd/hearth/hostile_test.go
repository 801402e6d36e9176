package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run runs the command for at most 20 s and returns its combined output and error.
func run(t *testing.T, bin string, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after 20 s\n%s", args, out)
	}
	return string(out), err
}

// TestHostileFiles: files that are not model files on disk, and hostile templates, end
// at once with a clear error.
func TestHostileFiles(t *testing.T) {
	bin := buildHearth(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.gguf")
	os.WriteFile(junk, []byte(strings.Repeat("not a model ", 1000)), 0o644)
	msgs := filepath.Join(dir, "msgs.json")
	os.WriteFile(msgs, []byte(`[{"role": "user", "content": "hi"}]`), 0o644)
	loop := filepath.Join(dir, "loop.jinja")
	os.WriteFile(loop, []byte("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}"), 0o644)
	big := filepath.Join(dir, "big.jinja")
	os.WriteFile(big, []byte("{{ 'a' * 10000000000 }}"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "-m", "/dev/zero", "-prompt", "hi"}, "not a regular file (a character device)"},
		{[]string{"generate", "-m", fifo, "-prompt", "hi"}, "not a regular file (a named pipe)"},
		{[]string{"generate", "-m", dir, "-prompt", "hi"}, "not a regular file (a folder)"},
		{[]string{"generate", "-m", junk, "-prompt", "hi"}, "not a GGUF file"},
		{[]string{"chat", "-m", "/dev/zero"}, "not a regular file"},
		{[]string{"template", "--template", "/dev/zero", "--messages", msgs}, "not a regular file"},
		{[]string{"template", "--template", loop, "--messages", msgs}, "steps limit exceeded"},
		{[]string{"template", "--template", big, "--messages", msgs}, "string limit exceeded"},
		{[]string{"template", "--template", loop, "--messages", "/dev/zero"}, "not a regular file"},
		{[]string{"add-model", "/dev/zero", "--static", dir}, "not a regular file"},
	} {
		t0 := time.Now()
		out, err := run(t, bin, "", c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("hearth %s: %v\n%s\nwant an error saying %q", strings.Join(c.args, " "), err, out, c.want)
		}
		if took := time.Since(t0); took > 5*time.Second {
			t.Errorf("hearth %s took %v", strings.Join(c.args, " "), took)
		}
	}
}

// TestHostileModelCLI: a model whose chat template goes over its limits chats with the
// ChatML fallback and a note; add-model refuses it; --shard-size is bounded.
func TestHostileModelCLI(t *testing.T) {
	bin := buildHearth(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny.gguf")
	if out, err := run(t, bin, "", "synth", "--shape", "tiny", "-o", model); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	out, err := run(t, bin, "", "add-model", model, "--static", filepath.Join(dir, "s1"), "--shard-size", "1")
	if err == nil || !strings.Contains(out, "out of range") {
		t.Errorf("--shard-size 1: %v\n%s", err, out)
	}
	out, err = run(t, bin, "", "add-model", model, "--static", filepath.Join(dir, "s2"), "--shard-size", "1GiB")
	if err == nil || !strings.Contains(out, "out of range") {
		t.Errorf("--shard-size 1GiB: %v\n%s", err, out)
	}
	if out, err := run(t, bin, "", "add-model", model, "--static", filepath.Join(dir, "s3"), "--shard-size", "1MiB"); err != nil {
		t.Errorf("add-model of a runnable model: %v\n%s", err, out)
	}
}
