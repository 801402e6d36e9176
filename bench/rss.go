package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// renderer is one Chromium renderer process and its peak resident set.
type renderer struct {
	Pid   int
	HWM   int64 // VmHWM, bytes
	WebUI bool  // --top-chrome-webui: Chromium's own UI, not a page
}

// renderers lists the renderer processes of the Chromium whose browser process is root:
// every descendant of root whose command line holds --type=renderer, with VmHWM ("high
// water mark", the largest RSS the process ever had) from /proc/<pid>/status. Linux only.
func renderers(root int) ([]renderer, error) {
	children, err := processTree()
	if err != nil {
		return nil, err
	}
	var out []renderer
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		queue = append(queue, children[pid]...)
		if pid == root {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte("--type=renderer")) {
			continue
		}
		hwm, err := statusKB(pid, "VmHWM")
		if err != nil {
			continue // it ended meanwhile
		}
		out = append(out, renderer{pid, hwm * 1024, bytes.Contains(cmd, []byte("--top-chrome-webui"))})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no renderer process below Chromium's pid %d in /proc", root)
	}
	return out, nil
}

// pagePeak is the largest VmHWM of the renderers that can hold a page: all but Chromium's
// own WebUI renderer (headless Chromium keeps one, --top-chrome-webui, of 100-160 MB,
// which would outweigh a small model's page). A page's dedicated workers (Hearth's engine
// worker and its thread helpers, wllama's worker and its pthreads) run inside the page's
// renderer process, so that renderer holds everything an engine allocates; the others
// (the spare renderer Chromium starts for the next navigation) are small.
func pagePeak(rs []renderer) int64 {
	var peak int64
	for _, r := range rs {
		if !r.WebUI {
			peak = max(peak, r.HWM)
		}
	}
	return peak
}

// describe lists the renderers' peaks for the progress line.
func describe(rs []renderer) string {
	var parts []string
	for _, r := range rs {
		s := fmt.Sprintf("%.0f", float64(r.HWM)/mib)
		if r.WebUI {
			s += " webui"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ") + " MiB"
}

// processTree maps each pid to its children, from /proc/<pid>/stat.
func processTree() (map[int][]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	return children, nil
}

// statusKB reads a "Name:   N kB" line of /proc/<pid>/status.
func statusKB(pid int, name string) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, name)
}
