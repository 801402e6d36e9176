package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

var memoryFlag = flag.Bool("gen.memory", false, "run TestKernelsFromMemory: each decode kernel's GB/s over weights in cache (256 KiB) and streamed from memory (200 MiB) in Chromium, beside a plain v128 sum (a measurement, nothing asserted about speed)")

// streamSum is stream(p, lines) -> i32: the i32x4 sum of lines 64-byte lines at p, four
// v128 loads a line in four accumulators: how fast this browser and machine stream memory.
func streamSum() *Func {
	f := NewFunc("stream", true, []byte{i32, i32}, []byte{i32})
	p, n := f.Param(0), f.Param(1)
	var acc [4]Local
	for i := range acc {
		acc[i] = f.Local(v128)
	}
	f.Repeat(n, func() {
		for i := range acc {
			f.Get(acc[i])
			f.Get(p)
			f.VLoad(uint32(16 * i))
			f.V(i32x4Add)
			f.Set(acc[i])
		}
		f.Add(p, 64)
	})
	f.sum4(acc, i32x4Add)
	f.Lane(i32x4ExtractLane, 0)
	return f
}

// TestKernelsFromMemory measures (with -gen.memory) the relaxed module's one-token
// kernels in Chromium on weights that fit in a core's cache and on 200 MiB that stream
// from memory, as a model's decode does, beside a plain sum of the same 200 MiB. A kernel
// far slower from memory than from cache, while the plain sum is not, reads memory in a
// way the CPU's prefetchers do not follow: the pair kernels did with neighbouring rows
// (gen/pairs.go), which benchmarks on cache-sized matrices never showed. Every byte is
// 0x11 (normal fp16 and f32 scales, small quants): the kernels' speed does not depend on
// the values. It checks only that each kernel ran and wrote its outputs.
func TestKernelsFromMemory(t *testing.T) {
	if !*memoryFlag {
		t.Skip("a measurement: run with -gen.memory")
	}
	relaxed, err := Build(false, true)
	if err != nil {
		t.Fatal(err)
	}
	stream := (&Module{Funcs: []*Func{streamSum()}}).Encode()
	b := webtest.NewBrowser(t, webtest.BrowserOptions{Timeout: 5 * time.Minute})
	b.Do("open a blank page", chromedp.Navigate("about:blank"))
	var rows []struct {
		Kernel string     `json:"kernel"`
		Cols   int        `json:"cols"`
		GBs    [2]float64 `json:"gbs"` // cache, memory
		Wrote  bool       `json:"wrote"`
	}
	b.Eval(fmt.Sprintf(memoryJS, base64.StdEncoding.EncodeToString(stream), base64.StdEncoding.EncodeToString(relaxed)), &rows)
	if len(rows) == 0 {
		t.Fatal("nothing measured")
	}
	for _, r := range rows {
		t.Logf("%-16s %5d columns: %6.1f GB/s in cache, %6.1f GB/s from memory (%.2f)", r.Kernel, r.Cols, r.GBs[0], r.GBs[1], r.GBs[1]/r.GBs[0])
		if r.Kernel != "v128 sum" && !r.Wrote {
			t.Errorf("%s wrote no outputs", r.Kernel)
		}
	}
}

// memoryJS runs in the page: %s are the stream module and the relaxed kernels, base64.
const memoryJS = `(() => {
  const mod = (b) => new WebAssembly.Module(Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));
  const mem = new WebAssembly.Memory({ initial: 4000 }); // 250 MiB
  const s = new WebAssembly.Instance(mod("%s"), { env: { memory: mem } }).exports;
  const k = new WebAssembly.Instance(mod("%s"), { env: { memory: mem } }).exports;
  const u8 = new Uint8Array(mem.buffer);
  u8.fill(0x11);
  const sizes = [256 << 10, 200 << 20], W = 1 << 20, Y = 230 << 20;
  // rate runs fn (which reads bytes bytes) for at least 0.3 s after three warm-up calls: GB/s
  const rate = (fn, bytes) => {
    for (let i = 0; i < 3; i++) fn();
    const t0 = performance.now();
    let n = 0;
    while (n === 0 || performance.now() - t0 < 300) { fn(); n++; }
    return (n * bytes) / (performance.now() - t0) / 1e6;
  };
  const out = [{ kernel: "v128 sum", cols: 0, gbs: sizes.map((size) => rate(() => s.stream(W, size / 64), size)), wrote: true }];
  // (kernel, columns, bytes a row): the 576- and 1536-wide rows of SmolLM2-135M and a 4096-wide one
  const kernels = [["matvec_q8_0x2", 576, 612], ["matvec_q8_0x2", 4096, 4352], ["matvec_q4_0x2", 576, 324], ["matvec_q4_0x2", 1536, 864],
    ["matvec_q5_0x2", 576, 396], ["matvec_q4_k", 1536, 864], ["matvec_q5_k", 1536, 1056], ["matvec_q6_k", 1536, 1260]];
  for (const [name, cols, rb] of kernels) {
    const gbs = [];
    let wrote = true;
    for (const size of sizes) {
      const rows = Math.floor(size / rb);
      new Float32Array(mem.buffer, Y, rows).fill(NaN);
      gbs.push(rate(() => k[name](W, rb, 0, cols, Y, 0, rows), rows * rb));
      wrote = wrote && !new Float32Array(mem.buffer, Y, rows).some(Number.isNaN);
    }
    out.push({ kernel: name, cols, gbs, wrote });
  }
  return out;
})()`
