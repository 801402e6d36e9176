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
// simd128 kernels where relaxed SIMD is available (as Safari runs); ?warmup=0 skips the
// engine's warm-up pass after a load.
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
// profileEntry is profile's totals for key, made on first use.
function profileEntry(key) {
  return profile[key] || (profile[key] = { calls: 0, ms: 0, splitCalls: 0, splitMs: 0 });
}
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
// (a batch: chunks per call), c[17] 1 while profiling (?profile=1: thread t <
// PROFILED_THREADS adds its microseconds and chunks run to c[18 + 2t], c[19 + 2t]); a
// batch's call j at c[BATCH + 12j]: kernel index, argument count, eight arguments, row_lo,
// row_hi. A job's words are written before its tag is
// published, and the next job's only once every chunk of this one is finished, so a
// claim that succeeds under a tag read the words of that tag's job.
const BATCH = 32, MAX_BATCH = 8, MAX_CHUNKS = 255;
// PROFILED_THREADS: the threads whose chunk times fit the control words before BATCH.
const PROFILED_THREADS = (BATCH - 18) >> 1;

// rowsPerChunk: a product of rows rows split across nThreads threads goes in chunks of
// this many rows (about four chunks a thread); batchChunks: each of a batch's calls calls
// goes in this many chunks (about two a thread). Jobs and the queue cut alike.
const rowsPerChunk = (rows, nThreads) => Math.ceil(rows / Math.min(MAX_CHUNKS, 4 * nThreads));
const batchChunks = (calls, nThreads) => Math.max(1, Math.min(2 * nThreads, Math.floor(MAX_CHUNKS / calls)));

// slicedKernel returns, for a kernel without a row range of its own whose work is
// independent rows, blocks or groups of elements (a prompt's SwiGLU and activation
// quantization), {run, size}: run(...args, lo, hi) runs units [lo, hi) of the call fn(...args)
// by offsetting its pointers, so a job cuts it across the threads like a product (each unit
// is computed by the same code whichever call runs it, so the results do not depend on the
// split); size(...args) gives the call's units and the bytes that decide its split, as a
// product's weights do (SwiGLU's three arrays; a quantizer's input: a 576-wide prompt
// chunk's quantization measured slower split, the 1536-wide one faster). null for the
// others (not rmsnorm: a job's arguments are i32 words, and its eps is an f32). (It goes to
// the helpers as source text.)
function slicedKernel(name, fn) {
  switch (name) {
    case "swiglu": // (g, u, out, n): groups of 4 elements
      return {
        run: (g, u, out, n, lo, hi) => fn(g + 16 * lo, u + 16 * lo, out + 16 * lo, 4 * (hi - lo)),
        size: (g, u, out, n) => [n >> 2, 12 * n],
      };
    case "quantize_prep_q8_0": // (x, nb, rows, out, prep): rows (34·nb bytes in out, 40·nb in prep)
      return {
        run: (x, nb, rows, out, prep, lo, hi) => fn(x + 128 * nb * lo, nb, hi - lo, out + 34 * nb * lo, prep + 40 * nb * lo),
        size: (x, nb, rows) => [rows, 128 * nb * rows],
      };
    case "quantize_q8_k": // (x, nb, out): blocks of 256 floats (292 bytes in out)
      return {
        run: (x, nb, out, lo, hi) => fn(x + 1024 * lo, hi - lo, out + 292 * lo),
        size: (x, nb) => [nb, 1024 * nb],
      };
    default:
      return null;
  }
}

// runChunks claims and runs the current job's chunks as thread t (0: the engine thread,
// helper i: i + 1; fns: the kernels, slicedKernel's run where there is one; attn_*
// kernels take (params, scratch, stride, lo, hi) and each thread uses its own scratch)
// until none is left or the job is over; a batch's calls are at c[callsAt + 12j].
function runChunks(c, fns, ownScratch, t, callsAt) {
  const w0 = Atomics.load(c, 2);
  const tag = w0 >>> 16, n = (w0 >>> 8) & 0xff, kind = c[4];
  // (PROFILED_THREADS from its argument: the helpers run this function's source text)
  const timed = c[17] === 1 && t < (callsAt - 18) >> 1;
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
    const t0 = timed ? performance.now() : 0;
    if (kind >= 0) {
      const a = lo + k * per;
      fns[kind](...args, a, Math.min(hi, a + per));
    } else {
      const call = calls[Math.floor(k / per)];
      const size = Math.ceil((call.hi - call.lo) / per), a = call.lo + (k % per) * size, b = Math.min(call.hi, a + size);
      if (a < b) fns[call.idx](...call.args, a, b);
    }
    if (timed) {
      Atomics.add(c, 18 + 2 * t, Math.round(1000 * (performance.now() - t0)));
      Atomics.add(c, 19 + 2 * t, 1);
    }
    if (Atomics.add(c, 1, 1) + 1 === n) Atomics.notify(c, 1);
  }
}

// The deferred queue (queue_begin ... queue_end, ops.QueueBegin in Go): the engine records
// its kernel calls as steps and every thread runs them in order while the engine goes on
// recording, so the Go code between calls overlaps the kernels and the helpers are not
// woken once per product. A step is one call, cut into chunks (row ranges) like a job;
// no chunk of a step starts before every chunk of the steps before it is finished (the
// calls of one batch, which do not depend on one another, run together).
// Queue words (Int32Array qi): qi[0] steps published, qi[1] the claim word: step << 8 |
// next chunk, qi[2] chunks finished, qi[3] 1 once the queue is over (helpers leave),
// qi[4] 1 when a step's check failed, qi[5] 1 while profiling (?profile=1: thread t adds
// its microseconds and chunks of split and of one-chunk steps to qi[16 + 4t ..]); step
// s's words at QSTEPS + 8s: kernel index,
// argument count, row_lo, row_hi, chunks, check (0 none, 1 the result must be 0 —
// scale_f32 —, 2 an attn_* kernel's flags at params[14] must be 0, unless that word is 0: none), chunks that must be finished before it
// starts, ranged (the kernel takes row_lo, row_hi after its arguments); its arguments at
// qa[QARGS·s] (Float64Array: i32 and f32 arguments both exact in a double).
const QSTEPS = 64, QARGS = 10, QCAP = 4096;

// runQueue runs the queue's steps as thread t (as runChunks does a job's chunks). A helper
// (seen: the job counter it was woken by) leaves when the queue is over or another job has
// started; the engine thread (seen < 0) when the first len steps, total chunks, are done.
function runQueue(c, qi, qa, fns, ownScratch, t, memory, seen, len, total) {
  const QSTEPS = 64, QARGS = 10; // the module's, again: the helpers run this function's source text
  const timed = qi[5] === 1;
  const v = new Array(QARGS + 2);
  // callWith calls fn with the first n values of v (no array made per call); it is inside
  // runQueue so that runQueue's source text, the helpers' copy, is self-contained.
  const callWith = (fn, v, n) => {
    switch (n) {
      case 0: return fn();
      case 1: return fn(v[0]);
      case 2: return fn(v[0], v[1]);
      case 3: return fn(v[0], v[1], v[2]);
      case 4: return fn(v[0], v[1], v[2], v[3]);
      case 5: return fn(v[0], v[1], v[2], v[3], v[4]);
      case 6: return fn(v[0], v[1], v[2], v[3], v[4], v[5]);
      case 7: return fn(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
      case 8: return fn(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
      case 9: return fn(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
      case 10: return fn(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
      default: return fn(...v.slice(0, n));
    }
  };
  let spins = 0;
  for (;;) {
    const w = Atomics.load(qi, 1), s = w >>> 8, k = w & 0xff;
    if (seen < 0) {
      if (s >= len && Atomics.load(qi, 2) >= total) return;
    } else {
      len = Atomics.load(qi, 0);
      if (s >= len) {
        if (Atomics.load(qi, 3) === 1 || Atomics.load(c, 0) !== seen) return;
        if (++spins > 2000000) { Atomics.wait(qi, 0, len, 1); spins = 0; }
        continue;
      }
    }
    if (s >= len) continue;
    const m = QSTEPS + 8 * s;
    if (Atomics.load(qi, 2) < qi[m + 6]) continue; // the steps before it are still running
    const chunks = qi[m + 4];
    if (k >= chunks) { Atomics.compareExchange(qi, 1, w, (s + 1) << 8); continue; }
    if (Atomics.compareExchange(qi, 1, w, w + 1) !== w) continue;
    spins = 0;
    const idx = qi[m], n = qi[m + 1], check = qi[m + 5];
    for (let i = 0; i < n; i++) v[i] = qa[QARGS * s + i];
    if (ownScratch[idx]) v[1] += t * v[2];
    let lo = 0, hi = 0, r;
    const t0 = timed ? performance.now() : 0;
    if (qi[m + 7]) {
      const per = Math.ceil((qi[m + 3] - qi[m + 2]) / chunks);
      lo = qi[m + 2] + k * per;
      hi = Math.min(qi[m + 3], lo + per);
      v[n] = lo;
      v[n + 1] = hi;
      if (lo < hi) r = callWith(fns[idx], v, n + 2);
    } else {
      r = callWith(fns[idx], v, n);
    }
    if (timed) {
      const at = 16 + 4 * t + (chunks > 1 ? 0 : 1);
      Atomics.add(qi, at, Math.round(1000 * (performance.now() - t0)));
      Atomics.add(qi, at + 2, 1);
    }
    if (check === 1 && r !== 0) Atomics.store(qi, 4, 1);
    // an attn_* kernel's flags: params[14] (0: it has none, as attn_tile_f32)
    const flagsAt = check === 2 && lo < hi ? new Int32Array(memory.buffer, v[0], 16)[14] : 0;
    if (flagsAt !== 0 && new Int32Array(memory.buffer, flagsAt + 4 * lo, hi - lo).some((f) => f !== 0)) Atomics.store(qi, 4, 1);
    Atomics.add(qi, 2, 1);
  }
}

// The helpers' code, started from a Blob URL (CSP: worker-src 'self' blob:): wait for a
// job (spinning first: a token makes hundreds of jobs and an Atomics.wait round trip
// costs ~50 µs), run chunks of it, wait for the next.
// (runChunks goes in as its source text, self-contained, whatever the minifier names it.)
const helperSource = `
const BATCH = ${BATCH};
const runChunks = (${runChunks.toString()});
const slicedKernel = (${slicedKernel.toString()});
const runQueue = (${runQueue.toString()});
self.onmessage = async (e) => {
  const { module, memory, ctrl, queueWords, queueArgs, index, names } = e.data;
  const k = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  const fns = names.map((n) => k[n]);
  const jobFns = names.map((n) => (slicedKernel(n, k[n]) || { run: k[n] }).run);
  const ownScratch = names.map((n) => n.startsWith("attn_"));
  const c = new Int32Array(ctrl), qi = new Int32Array(queueWords), qa = new Float64Array(queueArgs);
  self.postMessage("ready");
  let seen = Atomics.load(c, 0);
  let spinFor = 2000000;
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, 0) === seen) {
      if (++spins > spinFor) { Atomics.wait(c, 0, seen); spins = 0; }
    }
    seen = Atomics.load(c, 0);
    if (c[4] === -2) {
      runQueue(c, qi, qa, fns, ownScratch, index + 1, memory, seen, 0, 0);
      // after a queue (a whole decode step, or a part of a prompt's layer) the next job is
      // a token's sampling and events away, or a moment: spin briefly, then sleep, leaving
      // the cores to the page's own threads
      spinFor = 20000;
    } else {
      runChunks(c, jobFns, ownScratch, index + 1, BATCH);
      spinFor = 2000000;
    }
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
  // the threads when the product is large enough, and so do slicedKernel's (a prompt's
  // SwiGLU and activation quantization); the others (norms, RoPE, adds) run here.
  // A product is split only when its weights are big enough (~25 µs of kernel time at 1
  // thread) that the helpers' share outweighs waking them and waiting for them; smaller
  // ones (a tiny model's every product) run here alone.
  // ?split=N overrides the threshold (tests set 1 so a tiny model exercises the threads).
  // A queued step (a decode step's) costs no wake-up, only its last chunk's wait: it is
  // split from a quarter of that (an attention output projection of a 576-wide Q4_0 or
  // Q5_0 model, ~35 µs, no longer runs on one thread while the others wait).
  const splitParam = Number(params.get("split"));
  const splitBytes = splitParam || 256 << 10;
  const queueSplitBytes = splitParam || 64 << 10;
  let splitProducts = 0;
  self.hearthSplitProducts = () => splitProducts;
  let lastSplit = false; // whether the last kernel call was split (for ?profile=1)
  const split = (bytes, rows, least = splitBytes) => {
    if (!parallel || bytes < least || rows < 4 * nThreads) return (lastSplit = false);
    splitProducts++;
    return (lastSplit = true);
  };
  // batch_begin() ... batch_end(): the engine's products of one input (Q/K/V, gate/up)
  // are recorded between the two and run as one threaded job, whose size decides the
  // split (so K and V, too small alone, go with Q); outside a batch each product decides
  // alone. Without helpers nothing is recorded.
  let batch = null;
  let goMemory = null; // the Go instance's Memory, once it exists
  let queue = null; // the deferred queue (makeQueue), once the helpers run
  const runBatch = (calls) => {
    let bytes = 0, rows = 0;
    for (const [, args, , lo, hi] of calls) { bytes += (hi - lo) * args[1] * (args.length > 5 ? args[4] : 1); rows = Math.max(rows, hi - lo); }
    if (calls.length <= MAX_BATCH && split(bytes, rows)) return parallel.batch(calls);
    for (const [, args, fn, lo, hi] of calls) fn(...args, lo, hi);
  };
  // While a queue is recording (queue.on), every kernel call becomes a step of it.
  names.forEach((name, idx) => {
    const sliced = slicedKernel(name, null);
    if (name === "queue_begin") {
      simd[name] = () => queue.begin();
    } else if (name === "queue_end") {
      simd[name] = () => queue.end();
    } else if (name === "batch_begin") {
      simd[name] = () => { if (queue && queue.on) queue.batchBegin(); else if (parallel) batch = []; };
    } else if (name === "batch_end") {
      simd[name] = () => {
        if (queue && queue.on) return void queue.batchEnd();
        if (queue) queue.inBatch = false; // a batch whose queue ended inside it (ops.GoCode)
        const calls = batch; batch = null; if (calls && calls.length) runBatch(calls);
      };
    } else if (name.startsWith("attn_")) {
      // (params, scratch, stride, lo, hi): pairs [lo, hi) of a layer's attention; params[0]
      // is the bytes they read, which decides the split like a product's weights
      simd[name] = (params, scratch, stride, lo, hi) => {
        const work = new Int32Array(goMemory().buffer, params, 1)[0];
        if (queue && queue.on) return queue.record(idx, [params, scratch, stride], lo, hi, work, 2);
        if (split(work, hi - lo)) return parallel(idx, [params, scratch, stride], lo, hi);
        return kernels[name](params, scratch, stride, lo, hi);
      };
    } else if (name.startsWith("matvec_")) {
      simd[name] = (w, rb, a, n, y, lo, hi) => {
        if (queue && queue.on) return queue.record(idx, [w, rb, a, n, y], lo, hi, (hi - lo) * rb, 0);
        if (batch) return void batch.push([idx, [w, rb, a, n, y], kernels[name], lo, hi]);
        if (split((hi - lo) * rb, hi - lo)) return parallel(idx, [w, rb, a, n, y], lo, hi);
        return kernels[name](w, rb, a, n, y, lo, hi);
      };
    } else if (name.startsWith("matmul_")) {
      simd[name] = (w, rb, a, arb, ntok, n, y, yRows, lo, hi) => {
        if (queue && queue.on) return queue.record(idx, [w, rb, a, arb, ntok, n, y, yRows], lo, hi, (hi - lo) * rb * ntok, 0);
        if (batch) return void batch.push([idx, [w, rb, a, arb, ntok, n, y, yRows], kernels[name], lo, hi]);
        if (split((hi - lo) * rb * ntok, hi - lo)) return parallel(idx, [w, rb, a, arb, ntok, n, y, yRows], lo, hi);
        return kernels[name](w, rb, a, arb, ntok, n, y, yRows, lo, hi);
      };
    } else if (sliced) {
      // a prompt's rows (or elements) split like a product's; queued (a decode step's
      // one row) a step of one chunk
      simd[name] = (...args) => {
        if (queue && queue.on) return queue.record(idx, args, -1, -1, 0, 0);
        const [units, work] = sliced.size(...args);
        if (split(work, units)) return parallel(idx, args, 0, units);
        return kernels[name](...args);
      };
    } else {
      // scale_f32 returns 1 on an overflow: queued, queue_end reports it
      const check = name === "scale_f32" ? 1 : 0;
      simd[name] = (...args) => (queue && queue.on ? queue.record(idx, args, -1, -1, 0, check) : kernels[name](...args));
    }
  });
  if (params.get("profile") === "1") {
    profile = {};
    for (const name of names) {
      const run = simd[name];
      if (name === "batch_begin" || name === "queue_begin") continue;
      simd[name] = (...args) => {
        lastSplit = false;
        const t0 = performance.now();
        const r = run(...args);
        const dt = performance.now() - t0;
        // a call recorded into a batch costs nothing here: its time is batch_end's
        const key = name === "batch_end" ? "batch" : name;
        const p = profileEntry(key);
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
      if (nThreads > 1) {
        parallel = await startHelpers(km, goInstance.exports.mem, names, kernels, nThreads);
        // ?queue=0 runs every kernel call when made, as before the queue (for comparison)
        if (params.get("queue") !== "0") {
          queue = makeQueue(parallel, (bytes, rows) => split(bytes, rows, queueSplitBytes), nThreads, goInstance.exports.mem);
          self.hearthQueue = true; // read by the engine's simd.Install (decode steps; prompts measured slower queued)
        }
      }
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
  // ?warmup=0: no warm-up pass after a load (wasm/warm.go)
  self.hearthWarmUp = params.get("warmup") !== "0";
  go.run(goInstance);
  // main() has set hearthHandle synchronously before blocking.
  ready = true;
  for (const m of pending.splice(0)) self.hearthHandle(m);
}

async function startHelpers(module, memory, names, kernels, nThreads) {
  const nHelpers = nThreads - 1;
  const ctrlBuf = new SharedArrayBuffer(4 * (BATCH + 12 * MAX_BATCH));
  const c = new Int32Array(ctrlBuf);
  if (profile) c[17] = 1;
  const queueWords = new SharedArrayBuffer(4 * (QSTEPS + 8 * QCAP)), queueArgs = new SharedArrayBuffer(8 * QARGS * QCAP);
  const url = URL.createObjectURL(new Blob([helperSource], { type: "text/javascript" }));
  const started = [];
  for (let i = 0; i < nHelpers; i++) {
    const h = new Worker(url);
    started.push(new Promise((resolve, reject) => {
      h.onmessage = () => resolve();
      h.onerror = (e) => reject(new Error(e.message || "helper failed"));
    }));
    h.postMessage({ module, memory, ctrl: ctrlBuf, queueWords, queueArgs, index: i, names });
  }
  await Promise.all(started);
  const fns = names.map((n) => kernels[n]);
  const jobFns = names.map((n) => (slicedKernel(n, kernels[n]) || { run: kernels[n] }).run);
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
    runChunks(c, jobFns, ownScratch, 0, BATCH);
    let spins = 0;
    for (;;) {
      const done = Atomics.load(c, 1);
      if (done >= n) break;
      if (++spins > 200000) Atomics.wait(c, 1, done, 1);
    }
    if (c[17] === 1) {
      // each thread's time in the job's chunks (the job's wall time is its kernel's, or
      // batch's, split time)
      for (let t = 0; t < Math.min(nThreads, PROFILED_THREADS); t++) {
        const p = profileEntry(`job thread ${t}`);
        p.ms += c[18 + 2 * t] / 1000;
        p.calls += c[19 + 2 * t];
        c[18 + 2 * t] = 0;
        c[19 + 2 * t] = 0;
      }
    }
  };
  // parallel runs kernel idx on rows [lo, hi) in about four chunks per thread; args are
  // the kernel's arguments before (row_lo, row_hi).
  const parallel = (idx, args, lo, hi) => {
    const per = rowsPerChunk(hi - lo, nThreads);
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
    const per = batchChunks(calls.length, nThreads);
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
  Object.assign(parallel, { c, fns, ownScratch, qi: new Int32Array(queueWords), qa: new Float64Array(queueArgs) });
  return parallel;
}

// makeQueue returns the engine side of the deferred queue (runQueue): begin, record a
// call (its arguments before row_lo/row_hi; ranged calls' row range, else -1; the bytes
// that decide its split; its check), batches (their calls' chunks decided together at
// batchEnd, then published at once), end (runs what is left here too; 1, or 0 when a
// check failed). A full queue runs and starts afresh.
function makeQueue(parallel, split, nThreads, memory) {
  const { c, qi, qa, fns, ownScratch } = parallel;
  let rec = 0, total = 0, failed = false;
  let group = -1, groupBytes = 0, groupRows = 0;
  const q = { on: false, inBatch: false };
  const publish = () => Atomics.store(qi, 0, rec);
  if (profile) qi[5] = 1;
  const finishGroup = () => {
    if (group < 0) return;
    const n = rec - group;
    const per = n > 0 && split(groupBytes, groupRows) ? batchChunks(n, nThreads) : 1;
    for (let s = group; s < rec; s++) {
      const m = QSTEPS + 8 * s;
      qi[m + 4] = qi[m + 7] ? Math.max(1, Math.min(per, qi[m + 3] - qi[m + 2])) : 1;
      total += qi[m + 4];
    }
    group = -1;
    publish();
  };
  const start = () => {
    Atomics.store(qi, 0, 0);
    Atomics.store(qi, 1, 0);
    Atomics.store(qi, 2, 0);
    Atomics.store(qi, 4, 0);
    Atomics.store(qi, 3, 0);
    rec = 0;
    total = 0;
    q.on = true;
    if (q.inBatch) { group = 0; groupBytes = 0; groupRows = 0; }
    c[4] = -2;
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
  };
  const finish = () => {
    finishGroup();
    runQueue(c, qi, qa, fns, ownScratch, 0, memory, -1, rec, total);
    if (Atomics.load(qi, 4) === 1) failed = true;
    if (profile) {
      // each thread's work in the queue: {calls: chunks, ms, splitCalls, splitMs} (split:
      // in steps cut across the threads, the rest in one-chunk steps)
      for (let t = 0; t < nThreads; t++) {
        const at = 16 + 4 * t, p = profileEntry(`queue thread ${t}`);
        p.splitMs += qi[at] / 1000;
        p.ms += (qi[at] + qi[at + 1]) / 1000;
        p.splitCalls += qi[at + 2];
        p.calls += qi[at + 2] + qi[at + 3];
        for (let i = 0; i < 4; i++) qi[at + i] = 0;
      }
    }
    Atomics.store(qi, 3, 1);
    q.on = false;
  };
  let ended = 0; // when the last queue ended (profiling: the gaps between queues)
  q.begin = () => {
    if (profile && ended) {
      const p = profileEntry("queue gaps");
      const gap = performance.now() - ended;
      p.calls++;
      p.ms += gap;
      if (gap < 5) { p.splitCalls++; p.splitMs += gap; } // (split: the gaps under 5 ms, a decode's)
    }
    failed = false;
    start();
  };
  q.end = () => {
    finish();
    if (profile) ended = performance.now();
    return failed ? 0 : 1;
  };
  q.batchBegin = () => { q.inBatch = true; group = rec; groupBytes = 0; groupRows = 0; };
  q.batchEnd = () => { finishGroup(); q.inBatch = false; };
  q.record = (idx, args, lo, hi, bytes, check) => {
    if (rec === QCAP) { finish(); start(); }
    if (group >= 0 && lo < 0) {
      // not a product (the batch's activations being quantized): a step of its own
      // between the batch's products before it and those after it
      finishGroup();
      const r = q.record(idx, args, lo, hi, bytes, check);
      q.batchBegin();
      return r;
    }
    const m = QSTEPS + 8 * rec, ranged = lo >= 0;
    qi[m] = idx;
    qi[m + 1] = args.length;
    qi[m + 2] = lo;
    qi[m + 3] = hi;
    qi[m + 5] = check;
    qi[m + 6] = total; // a batch's calls: the chunks before the batch (none are published in it)
    qi[m + 7] = ranged ? 1 : 0;
    for (let i = 0; i < args.length; i++) qa[QARGS * rec + i] = args[i];
    if (group >= 0) {
      groupBytes += bytes;
      groupRows = Math.max(groupRows, hi - lo);
      rec++;
      return 0;
    }
    let chunks = 1;
    if (ranged && split(bytes, hi - lo)) {
      chunks = Math.ceil((hi - lo) / rowsPerChunk(hi - lo, nThreads));
    }
    qi[m + 4] = chunks;
    total += chunks;
    rec++;
    publish();
    return 0;
  };
  return q;
}

start().catch((err) => {
  self.postMessage({ type: "error", id: 0, message: `the engine failed to start: ${err && err.message ? err.message : err}` });
});
