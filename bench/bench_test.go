package main

import (
	"os"
	"slices"
	"testing"

	"hearth/internal/shared"
)

// The prompt builder reaches 512 tokens (the passage is repeated) and gives exactly the
// asked count, with BOS.
func TestFitPrompt(t *testing.T) {
	p := shared.Path(t, "models", "stories260K.gguf")
	for _, n := range []int{64, 512} {
		pr, err := fitPrompt(p, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(pr.Tokens) != n {
			t.Fatalf("prompt %d: %d tokens", n, len(pr.Tokens))
		}
		if n == 512 && len(pr.Text) <= len(passage) {
			t.Errorf("a 512-token prompt of %d bytes did not repeat the %d-byte passage", len(pr.Text), len(passage))
		}
	}
	m := benchModel{Path: p}
	if err := m.open(); err != nil {
		t.Fatal(err)
	}
	// stories260K: 5 layers, 4 KV heads of 8: 320 values a token.
	if m.CtxTrain != 512 || m.kvBytes(512, 2) != 512*320*2 || m.Size == 0 {
		t.Errorf("stories260K: ctx %d, kv %d, size %d", m.CtxTrain, m.kvBytes(512, 2), m.Size)
	}
	if m.fits(512, 64, 64) || !m.fits(64, 64, 64) || m.context(1024) != 512 {
		t.Errorf("stories260K: fits(512) %v fits(64) %v context %d", m.fits(512, 64, 64), m.fits(64, 64, 64), m.context(1024))
	}
}

// /proc reading: this process is among its parent's children and has a VmHWM.
func TestProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	tree, err := processTree()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tree[os.Getppid()], os.Getpid()) {
		t.Errorf("pid %d is not among the children of %d: %v", os.Getpid(), os.Getppid(), tree[os.Getppid()])
	}
	if kb, err := statusKB(os.Getpid(), "VmHWM"); err != nil || kb <= 0 {
		t.Errorf("VmHWM: %d, %v", kb, err)
	}
	rs := []renderer{{1, 100 * mib, true}, {2, 80 * mib, false}, {3, 40 * mib, false}}
	if got := pagePeak(rs); got != 80*mib {
		t.Errorf("pagePeak = %d, want the largest non-WebUI renderer", got)
	}
}

func TestRatios(t *testing.T) {
	rep := &Report{EmptyPageRSSBytes: 100, Rows: []Result{
		{Engine: "wllama", Model: "m", Threads: 1, Prompt: 64, Decode: 64, PrefillTPS: 50, DecodeTPS: 20, RSSBytes: 500, FileBytes: 150, KVBytes: 50},
		{Engine: "hearth", Model: "m", Threads: 1, Prompt: 64, Decode: 64, PrefillTPS: 100, DecodeTPS: 30, RSSBytes: 300, FileBytes: 150, KVBytes: 50},
		{Engine: nativeEngine, Model: "m", Threads: 1, Prompt: 64, Decode: 64, PrefillTPS: 400, DecodeTPS: 60, RSSBytes: 200, FileBytes: 150, KVBytes: 50},
		{Engine: "hearth", Model: "m", Threads: 1, Prompt: 512, PrefillTPS: 90, RSSBytes: 300, FileBytes: 150, KVBytes: 50},
		{Engine: rawEngine, Model: "m", Threads: 1, Prompt: 64, Decode: 64, LoadS: 3, PrefillTPS: 100, DecodeTPS: 30, RSSBytes: 300, FileBytes: 150, KVBytes: 50},
	}}
	rep.Rows[0].LoadS, rep.Rows[1].LoadS = 4, 2
	rep.finish([]benchModel{{Name: "m"}}, knownEngines)
	if e := []string{rep.Rows[0].Engine, rep.Rows[1].Engine, rep.Rows[2].Engine, rep.Rows[3].Engine}; !slices.Equal(e, knownEngines) {
		t.Errorf("row order %v", e)
	}
	want := []Ratio{
		{Model: "m", Threads: 1, Prompt: 64, PrefillVsNative: 0.25, PrefillVsWllama: 2, DecodeVsNative: 0.5, DecodeVsWllama: 1.5,
			LoadVsWllama: 0.5, RawLoadVsWllama: 0.75},
	}
	if !slices.Equal(rep.Ratios, want) {
		t.Errorf("ratios %+v, want %+v", rep.Ratios, want)
	}
	if h := rep.Rows[1]; h.RSSVsModel != 1.5 || h.RSSAbovePageVsModel != 1 {
		t.Errorf("hearth RSS ratios %v %v, want 1.5 and 1", h.RSSVsModel, h.RSSAbovePageVsModel)
	}
	if n := rep.Rows[0]; n.RSSVsModel != 1 || n.RSSAbovePageVsModel != 0 {
		t.Errorf("native RSS ratios %v %v, want 1 and none", n.RSSVsModel, n.RSSAbovePageVsModel)
	}
}
