// The engine's Web Worker: loads Go's wasm_exec.js and the engine (engine.wasm), wires the
// SIMD kernel module (hearth-kernels.wasm) in when the browser has WebAssembly SIMD, starts
// helper threads when the page is cross-origin isolated, and relays messages between the
// page and the engine (protocol: wasm/README.md).
//
// Threads: engine.wasm is built with an ordinary memory. When threads are wanted and
// SharedArrayBuffer is available, its memory section is rewritten to a shared memory
// (limits flag 0x03, maximum 4 GiB) before it is compiled, and the kernel module's shared
// variant is used. Every helper worker instantiates the same kernel module over the same
// Memory. The engine calls a kernel through a JS trampoline here, which splits the rows:
// it writes the job into a small control SharedArrayBuffer, wakes the helpers
// (Atomics.notify), runs its own share, then waits for them — spinning first, since an
// Atomics.wait round trip costs ~50 µs and a token makes hundreds of calls.
//
// The build defines HEARTH_ENGINE_URL, HEARTH_WASM_EXEC_URL and HEARTH_ENGINE_FILES (base
// name -> content-hashed name, relative to this script). ?threads=N overrides the thread
// count (default: the physical cores estimated from navigator.hardwareConcurrency); ?simd=0
// runs the Go kernels as a browser without WebAssembly SIMD does; ?relaxed=0 keeps the
// simd128 kernels where relaxed SIMD is available (as Safari runs).
/* global HEARTH_ENGINE_URL, HEARTH_WASM_EXEC_URL, HEARTH_ENGINE_FILES, Go */

const here = (name) => new URL(name, self.location.href).href;
const files = typeof HEARTH_ENGINE_FILES === "string" ? JSON.parse(HEARTH_ENGINE_FILES) : {};
const engineURL = here(typeof HEARTH_ENGINE_URL === "string" && HEARTH_ENGINE_URL ? HEARTH_ENGINE_URL : "engine.wasm");
const wasmExecURL = here(typeof HEARTH_WASM_EXEC_URL === "string" && HEARTH_WASM_EXEC_URL ? HEARTH_WASM_EXEC_URL : "wasm_exec.js");
// The kernel module: shared memory or not (threads), relaxed SIMD or simd128.
const kernelsURL = (shared, relaxed) => {
  const name = `hearth-kernels${relaxed ? "-relaxed" : ""}${shared ? "-shared" : ""}.wasm`;
  return here(files[name] || name);
};

// loadKernels compiles the relaxed-SIMD kernel module where the browser validates it
// (Chromium; its dot products are i32x4.relaxed_dot_i8x16_i7x16_add_s), else the simd128
// one. ?relaxed=0 forces simd128.
async function loadKernels(shared, allowRelaxed) {
  if (allowRelaxed) {
    try {
      const bytes = await (await fetch(kernelsURL(shared, true))).arrayBuffer();
      if (WebAssembly.validate(bytes)) return { module: await WebAssembly.compile(bytes), relaxed: true };
    } catch (err) {
      console.warn("hearth: relaxed-SIMD kernels unavailable:", err);
    }
  }
  return { module: await WebAssembly.compile(await (await fetch(kernelsURL(shared, false))).arrayBuffer()), relaxed: false };
}

const pending = [];
let ready = false;
self.onmessage = (e) => {
  if (ready) self.hearthHandle(e.data);
  else pending.push(e.data);
};

// A tiny module using one simd128 instruction: validates only where SIMD is supported.
const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

function defaultThreads() {
  const logical = navigator.hardwareConcurrency || 1;
  // Hyper-threads share a core's vector units: count physical cores (two logical each on
  // machines with 4 or more), at most 8.
  return Math.max(1, Math.min(8, logical >= 4 ? Math.floor(logical / 2) : logical));
}

function readLEB(b, p) {
  let v = 0, shift = 0, byte;
  do { byte = b[p++]; v += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
  return [v, p];
}
function writeLEB(v) {
  const out = [];
  do { let byte = v & 0x7f; v = Math.floor(v / 128); if (v) byte |= 0x80; out.push(byte); } while (v);
  return out;
}

// makeMemoryShared rewrites the module's memory section (id 5) so its one memory is shared
// with a maximum of 65536 pages (4 GiB).
function makeMemoryShared(bytes) {
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p];
    const [size, body] = readLEB(bytes, p + 1);
    if (id === 5) {
      let [count, q] = readLEB(bytes, body);
      if (count !== 1) throw new Error("engine.wasm: expected one memory");
      const flags = bytes[q++];
      let min;
      [min, q] = readLEB(bytes, q);
      if (flags & 1) [, q] = readLEB(bytes, q);
      const content = [1, 0x03, ...writeLEB(min), ...writeLEB(65536)];
      const section = [5, ...writeLEB(content.length), ...content];
      const out = new Uint8Array(p + section.length + (bytes.length - (body + size)));
      out.set(bytes.subarray(0, p), 0);
      out.set(section, p);
      out.set(bytes.subarray(body + size), p + section.length);
      return out;
    }
    p = body + size;
  }
  throw new Error("engine.wasm has no memory section");
}

// The helpers' code, started from a Blob URL (CSP: worker-src 'self' blob:).
// Control words: c[0] job counter, c[1] helpers done, c[2] kernel index, c[3] argument
// count, c[4..16) the arguments before (row_lo, row_hi), c[16 + 2i], c[17 + 2i] helper i's rows.
// A batch (c[2] = -1): c[3] calls, call j at c[BATCH + 12j]: kernel index, argument count,
// eight arguments, row_lo, row_hi; helper i runs share i+1 of every call's rows (the
// engine thread share 0), so the calls of a batch cost one synchronisation.
const BATCH = 64, MAX_BATCH = 8;
const helperSource = `
const BATCH = ${BATCH};
self.onmessage = async (e) => {
  const { module, memory, ctrl, index, names } = e.data;
  const k = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  const fns = names.map((n) => k[n]);
  // attn_* kernels take (params, scratch, stride, lo, hi): each thread its own scratch
  const ownScratch = names.map((n) => n.startsWith("attn_"));
  const c = new Int32Array(ctrl);
  self.postMessage("ready");
  let seen = Atomics.load(c, 0);
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, 0) === seen) {
      if (++spins > 2000000) { Atomics.wait(c, 0, seen); spins = 0; }
    }
    seen = Atomics.load(c, 0);
    if (c[2] === -1) {
      const threads = c[4];
      for (let j = 0; j < c[3]; j++) {
        const b = BATCH + 12 * j, lo0 = c[b + 10], hi0 = c[b + 11];
        const chunk = Math.ceil((hi0 - lo0) / threads);
        const lo = Math.min(hi0, lo0 + (index + 1) * chunk), hi = Math.min(hi0, lo0 + (index + 2) * chunk);
        if (lo < hi) fns[c[b]](...Array.from(c.subarray(b + 2, b + 2 + c[b + 1])), lo, hi);
      }
    } else {
      const lo = c[16 + 2 * index], hi = c[17 + 2 * index];
      if (lo < hi) {
        const args = Array.from(c.subarray(4, 4 + c[3]));
        if (ownScratch[c[2]]) args[1] += (index + 1) * args[2];
        fns[c[2]](...args, lo, hi);
      }
    }
    Atomics.add(c, 1, 1);
    Atomics.notify(c, 1);
  }
};`;

async function start() {
  importScripts(wasmExecURL);
  const params = new URL(self.location.href).searchParams;
  const requested = Number(params.get("threads")) || 0;
  const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer === "function";
  // ?simd=0 forces the pure-Go kernels (what a browser without SIMD runs).
  const hasSimd = params.get("simd") !== "0" && WebAssembly.validate(simdProbe);
  let nThreads = hasSimd && isolated ? (requested || defaultThreads()) : 1;

  let goBytes = new Uint8Array(await (await fetch(engineURL)).arrayBuffer());
  if (nThreads > 1) goBytes = makeMemoryShared(goBytes);
  const goModule = await WebAssembly.compile(goBytes);
  const go = new Go();

  // Trampolines for the kernel imports: the kernel module needs the Go instance's memory,
  // which exists only after the Go module is instantiated.
  let kernels = null;
  let parallel = null;
  const names = WebAssembly.Module.imports(goModule).filter((i) => i.module === "hearth_simd").map((i) => i.name);
  const simd = {};
  // The matvec_* kernels, (w, row_bytes, a, n, y, row_lo, row_hi), and matmul_* (w,
  // row_bytes, a, a_row_bytes, ntok, n, y, y_rows, row_lo, row_hi) split their rows across
  // the threads when the product is large enough; the others (weighted_rows_f32) run here.
  // A product is split only when its weights are big enough (~25 µs of kernel time at 1
  // thread) that the helpers' share outweighs waking them and waiting for them; smaller
  // ones (a tiny model's every product) run here alone.
  // ?split=N overrides the threshold (tests set 1 so a tiny model exercises the threads).
  const splitBytes = Number(params.get("split")) || 256 << 10;
  let splitProducts = 0;
  self.hearthSplitProducts = () => splitProducts;
  const split = (bytes, rows) => {
    if (!parallel || bytes < splitBytes || rows < 4 * nThreads) return false;
    splitProducts++;
    return true;
  };
  // batch_begin() ... batch_end(): the engine's products of one input (Q/K/V, gate/up)
  // are recorded between the two and run as one threaded job, whose size decides the
  // split (so K and V, too small alone, go with Q); outside a batch each product decides
  // alone. Without helpers nothing is recorded.
  let batch = null;
  let goMemory = null; // the Go instance's Memory, once it exists
  const runBatch = (calls) => {
    let bytes = 0, rows = 0;
    for (const [, args, , lo, hi] of calls) { bytes += (hi - lo) * args[1] * (args.length > 5 ? args[4] : 1); rows = Math.max(rows, hi - lo); }
    if (calls.length <= MAX_BATCH && split(bytes, rows)) return parallel.batch(calls);
    for (const [, args, fn, lo, hi] of calls) fn(...args, lo, hi);
  };
  names.forEach((name, idx) => {
    if (name === "batch_begin") {
      simd[name] = () => { if (parallel) batch = []; };
    } else if (name === "batch_end") {
      simd[name] = () => { const calls = batch; batch = null; if (calls && calls.length) runBatch(calls); };
    } else if (name.startsWith("attn_")) {
      // (params, scratch, stride, lo, hi): pairs [lo, hi) of a layer's attention; params[0]
      // is the bytes they read, which decides the split like a product's weights
      simd[name] = (params, scratch, stride, lo, hi) => {
        const work = new Int32Array(goMemory().buffer, params, 1)[0];
        if (split(work, hi - lo)) return parallel(idx, [params, scratch, stride], lo, hi);
        return kernels[name](params, scratch, stride, lo, hi);
      };
    } else if (name.startsWith("matvec_")) {
      simd[name] = (w, rb, a, n, y, lo, hi) => {
        if (batch) return void batch.push([idx, [w, rb, a, n, y], kernels[name], lo, hi]);
        if (split((hi - lo) * rb, hi - lo)) return parallel(idx, [w, rb, a, n, y], lo, hi);
        return kernels[name](w, rb, a, n, y, lo, hi);
      };
    } else if (name.startsWith("matmul_")) {
      simd[name] = (w, rb, a, arb, ntok, n, y, yRows, lo, hi) => {
        if (batch) return void batch.push([idx, [w, rb, a, arb, ntok, n, y, yRows], kernels[name], lo, hi]);
        if (split((hi - lo) * rb * ntok, hi - lo)) return parallel(idx, [w, rb, a, arb, ntok, n, y, yRows], lo, hi);
        return kernels[name](w, rb, a, arb, ntok, n, y, yRows, lo, hi);
      };
    } else {
      simd[name] = (...args) => kernels[name](...args);
    }
  });
  const goInstance = await WebAssembly.instantiate(goModule, Object.assign({}, go.importObject, { hearth_simd: simd }));
  goMemory = () => goInstance.exports.mem;
  let useSimd = false;
  let useRelaxed = false;
  if (hasSimd && names.length > 0) {
    try {
      const loaded = await loadKernels(nThreads > 1, params.get("relaxed") !== "0");
      const km = loaded.module;
      kernels = (await WebAssembly.instantiate(km, { env: { memory: goInstance.exports.mem } })).exports;
      useSimd = true;
      useRelaxed = loaded.relaxed;
      if (nThreads > 1) parallel = await startHelpers(km, goInstance.exports.mem, names, kernels, nThreads);
    } catch (err) {
      console.warn("hearth: SIMD kernels or threads unavailable:", err);
      nThreads = 1;
    }
  }
  if (!parallel) nThreads = 1;
  self.hearthMemoryBytes = () => goInstance.exports.mem.buffer.byteLength;
  self.hearthKernels = useSimd;
  self.hearthRelaxed = useRelaxed;
  self.hearthThreads = nThreads;
  go.run(goInstance);
  // main() has set hearthHandle synchronously before blocking.
  ready = true;
  for (const m of pending.splice(0)) self.hearthHandle(m);
}

async function startHelpers(module, memory, names, kernels, nThreads) {
  const nHelpers = nThreads - 1;
  const ctrlBuf = new SharedArrayBuffer(4 * (BATCH + 12 * MAX_BATCH));
  if (16 + 2 * nHelpers > BATCH) throw new Error(`at most ${(BATCH - 16) / 2 + 1} threads`);
  const c = new Int32Array(ctrlBuf);
  const url = URL.createObjectURL(new Blob([helperSource], { type: "text/javascript" }));
  const started = [];
  for (let i = 0; i < nHelpers; i++) {
    const h = new Worker(url);
    started.push(new Promise((resolve, reject) => {
      h.onmessage = () => resolve();
      h.onerror = (e) => reject(new Error(e.message || "helper failed"));
    }));
    h.postMessage({ module, memory, ctrl: ctrlBuf, index: i, names });
  }
  await Promise.all(started);
  const fns = names.map((n) => kernels[n]);
  // wait spins until the helpers have finished the job, then waits.
  const wait = () => {
    let spins = 0;
    for (;;) {
      const done = Atomics.load(c, 1);
      if (done >= nHelpers) break;
      if (++spins > 200000) { Atomics.wait(c, 1, done, 1); }
    }
  };
  const go = () => {
    Atomics.store(c, 1, 0);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
  };
  // parallel runs kernel idx on rows [lo, hi): the first share here, the others on the
  // helpers; args are the kernel's arguments before (row_lo, row_hi).
  const parallel = (idx, args, lo, hi) => {
    const rows = hi - lo;
    const chunk = Math.ceil(rows / nThreads);
    c[2] = idx;
    c[3] = args.length;
    for (let i = 0; i < args.length; i++) c[4 + i] = args[i];
    for (let i = 0; i < nHelpers; i++) {
      c[16 + 2 * i] = Math.min(hi, lo + (i + 1) * chunk);
      c[17 + 2 * i] = Math.min(hi, lo + (i + 2) * chunk);
    }
    go();
    fns[idx](...args, lo, Math.min(hi, lo + chunk));
    wait();
  };
  // parallel.batch runs recorded calls [idx, args, fn, lo, hi] as one job: each thread its
  // share of every call.
  parallel.batch = (calls) => {
    c[2] = -1;
    c[3] = calls.length;
    c[4] = nThreads;
    calls.forEach(([idx, args, , lo, hi], j) => {
      const b = BATCH + 12 * j;
      c[b] = idx;
      c[b + 1] = args.length;
      for (let i = 0; i < args.length; i++) c[b + 2 + i] = args[i];
      c[b + 10] = lo;
      c[b + 11] = hi;
    });
    go();
    for (const [, args, fn, lo, hi] of calls) {
      const chunk = Math.ceil((hi - lo) / nThreads);
      if (chunk > 0) fn(...args, lo, Math.min(hi, lo + chunk));
    }
    wait();
  };
  return parallel;
}

start().catch((err) => {
  self.postMessage({ type: "error", id: 0, message: `the engine failed to start: ${err && err.message ? err.message : err}` });
});
