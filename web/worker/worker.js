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
  if (e.data && e.data.type === "profile") return void answerProfile(e.data);
  if (ready) self.hearthHandle(e.data);
  else pending.push(e.data);
};

// ?profile=1 times every kernel call on the engine thread (performance.now() around the
// trampoline: a threaded job's whole wait included) by kernel and by whether it was split
// across the threads; a {type: "profile"} request answers with the totals since the last
// one and starts afresh. The time outside kernels is the Go engine's own (norms, RoPE,
// sampling, glue), which no helper shares.
let profile = null;
function answerProfile(m) {
  self.postMessage({ type: "profile", id: m.id, profile: profile || {} });
  if (profile) profile = {};
}

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

// A threaded job is cut into chunks (row ranges) that every thread — the engine's and the
// helpers — claims one at a time from a shared counter until none is left, so a helper the
// system has not scheduled yet (a busy machine, more threads than free cores) delays
// nothing: the others take its chunks, and the engine thread waits only for chunks already
// being run. Each row is computed by the same kernel call whichever thread runs it, so the
// results do not depend on the split.
// Control words (Int32Array c): c[0] job counter (wakes the helpers), c[1] chunks finished,
// c[2] the claim word: tag (16 bits, one per job) << 16 | chunks (8 bits) << 8 | next chunk,
// c[4] the kernel index (-1: a batch), c[5] argument count (a batch: its calls), c[6..14)
// the arguments before (row_lo, row_hi), c[14] row_lo, c[15] row_hi, c[16] rows per chunk
// (a batch: chunks per call); a batch's call j at c[BATCH + 12j]: kernel index, argument
// count, eight arguments, row_lo, row_hi. A job's words are written before its tag is
// published, and the next job's only once every chunk of this one is finished, so a
// claim that succeeds under a tag read the words of that tag's job.
const BATCH = 32, MAX_BATCH = 8, MAX_CHUNKS = 255;

// runChunks claims and runs the current job's chunks as thread t (0: the engine thread,
// helper i: i + 1; attn_* kernels take (params, scratch, stride, lo, hi) and each thread
// uses its own scratch) until none is left or the job is over; a batch's calls are at
// c[callsAt + 12j].
function runChunks(c, fns, ownScratch, t, callsAt) {
  const w0 = Atomics.load(c, 2);
  const tag = w0 >>> 16, n = (w0 >>> 8) & 0xff, kind = c[4];
  const argsAt = (at, count, idx) => {
    const args = Array.from(c.subarray(at, at + count));
    if (ownScratch[idx]) args[1] += t * args[2];
    return args;
  };
  let args, lo, hi, per, calls;
  if (kind >= 0) {
    args = argsAt(6, c[5], kind);
    lo = c[14]; hi = c[15]; per = c[16];
  } else {
    per = c[16];
    calls = [];
    for (let j = 0; j < c[5]; j++) {
      const b = callsAt + 12 * j;
      calls.push({ idx: c[b], args: argsAt(b + 2, c[b + 1], c[b]), lo: c[b + 10], hi: c[b + 11] });
    }
  }
  for (;;) {
    const w = Atomics.load(c, 2);
    if (w >>> 16 !== tag || (w & 0xff) >= n) return;
    if (Atomics.compareExchange(c, 2, w, w + 1) !== w) continue;
    const k = w & 0xff;
    if (kind >= 0) {
      const a = lo + k * per;
      fns[kind](...args, a, Math.min(hi, a + per));
    } else {
      const call = calls[Math.floor(k / per)];
      const size = Math.ceil((call.hi - call.lo) / per), a = call.lo + (k % per) * size, b = Math.min(call.hi, a + size);
      if (a < b) fns[call.idx](...call.args, a, b);
    }
    if (Atomics.add(c, 1, 1) + 1 === n) Atomics.notify(c, 1);
  }
}

// The helpers' code, started from a Blob URL (CSP: worker-src 'self' blob:): wait for a
// job (spinning first: a token makes hundreds of jobs and an Atomics.wait round trip
// costs ~50 µs), run chunks of it, wait for the next.
// (runChunks goes in as its source text, self-contained, whatever the minifier names it.)
const helperSource = `
const BATCH = ${BATCH};
const runChunks = (${runChunks.toString()});
self.onmessage = async (e) => {
  const { module, memory, ctrl, index, names } = e.data;
  const k = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  const fns = names.map((n) => k[n]);
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
    runChunks(c, fns, ownScratch, index + 1, BATCH);
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
  let lastSplit = false; // whether the last kernel call was split (for ?profile=1)
  const split = (bytes, rows) => {
    if (!parallel || bytes < splitBytes || rows < 4 * nThreads) return (lastSplit = false);
    splitProducts++;
    return (lastSplit = true);
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
  if (params.get("profile") === "1") {
    profile = {};
    for (const name of names) {
      const run = simd[name];
      if (name === "batch_begin") continue;
      simd[name] = (...args) => {
        lastSplit = false;
        const t0 = performance.now();
        const r = run(...args);
        const dt = performance.now() - t0;
        // a call recorded into a batch costs nothing here: its time is batch_end's
        const key = name === "batch_end" ? "batch" : name;
        const p = profile[key] || (profile[key] = { calls: 0, ms: 0, splitCalls: 0, splitMs: 0 });
        p.calls++;
        p.ms += dt;
        if (lastSplit) { p.splitCalls++; p.splitMs += dt; }
        return r;
      };
    }
  }
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
  const ownScratch = names.map((n) => n.startsWith("attn_"));
  let tag = 0;
  // run publishes the job whose words are written (n chunks), runs chunks of it here and
  // waits until every chunk is finished (spinning first, then 1 ms waits).
  const run = (n) => {
    Atomics.store(c, 1, 0);
    tag = (tag + 1) & 0xffff;
    Atomics.store(c, 2, (tag << 16) | (n << 8));
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    runChunks(c, fns, ownScratch, 0, BATCH);
    let spins = 0;
    for (;;) {
      const done = Atomics.load(c, 1);
      if (done >= n) break;
      if (++spins > 200000) Atomics.wait(c, 1, done, 1);
    }
  };
  // parallel runs kernel idx on rows [lo, hi) in about four chunks per thread; args are
  // the kernel's arguments before (row_lo, row_hi).
  const parallel = (idx, args, lo, hi) => {
    const per = Math.ceil((hi - lo) / Math.min(MAX_CHUNKS, 4 * nThreads));
    c[4] = idx;
    c[5] = args.length;
    for (let i = 0; i < args.length; i++) c[6 + i] = args[i];
    c[14] = lo;
    c[15] = hi;
    c[16] = per;
    run(Math.ceil((hi - lo) / per));
  };
  // parallel.batch runs recorded calls [idx, args, fn, lo, hi] as one job: each call in
  // about two chunks per thread.
  parallel.batch = (calls) => {
    const per = Math.max(1, Math.min(2 * nThreads, Math.floor(MAX_CHUNKS / calls.length)));
    c[4] = -1;
    c[5] = calls.length;
    c[16] = per;
    calls.forEach(([idx, args, , lo, hi], j) => {
      const b = BATCH + 12 * j;
      c[b] = idx;
      c[b + 1] = args.length;
      for (let i = 0; i < args.length; i++) c[b + 2 + i] = args[i];
      c[b + 10] = lo;
      c[b + 11] = hi;
    });
    run(calls.length * per);
  };
  return parallel;
}

start().catch((err) => {
  self.postMessage({ type: "error", id: 0, message: `the engine failed to start: ${err && err.message ? err.message : err}` });
});
