// HearthEngine: the page-side API of the engine worker (an ES module).
//
//   const engine = new HearthEngine(workerURL, { threads });   // threads: 0 = automatic
//   await engine.load(manifestURL, { onProgress: ({ loaded, total }) => … });
//   const stats = await engine.generate(messages, { maxTokens, temperature, … }, (ev) => …);
//   engine.cancel();
//
// Shards are downloaded in parallel, checked against the manifest's sha256 (a corrupt
// shard is fetched once more, then the load fails naming it), and transferred to the
// worker without a copy; the worker copies them into the engine's memory once.

const TERMINAL = new Set(["ready", "loaded", "done", "unloaded", "info", "error"]);

export class HearthEngine {
  constructor(workerURL, { threads = 0, simd = true } = {}) {
    const url = new URL(workerURL, self.location ? self.location.href : undefined);
    if (threads > 0) url.searchParams.set("threads", String(threads));
    if (!simd) url.searchParams.set("simd", "0");
    this.worker = new Worker(url.href);
    this.nextId = 1;
    this.calls = new Map(); // id -> {resolve, reject, onEvent}
    this.simd = false;
    this.threads = 1;
    this.ready = new Promise((resolve, reject) => {
      this.calls.set(0, {
        resolve: (m) => { this.simd = !!m.simd; this.threads = m.threads || 1; resolve(); },
        reject,
        onEvent: null,
      });
    });
    this.worker.onmessage = (e) => this.#receive(e.data);
    this.worker.onerror = (e) => {
      const err = new Error(`engine worker failed: ${e.message || "unknown error"}`);
      for (const c of this.calls.values()) c.reject(err);
      this.calls.clear();
    };
  }

  #receive(m) {
    const id = m.type === "ready" ? 0 : m.id;
    const call = this.calls.get(id);
    if (!call) return;
    if (!TERMINAL.has(m.type)) {
      if (call.onEvent) call.onEvent(m);
      return;
    }
    this.calls.delete(id);
    if (m.type === "error") call.reject(new Error(m.message));
    else call.resolve(m);
  }

  async #request(msg, transfer = [], onEvent = null) {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject, onEvent });
      this.worker.postMessage(Object.assign({ id }, msg), transfer);
    });
  }

  // load downloads the model of manifestURL and hands it to the engine.
  async load(manifestURL, { onProgress = null, parallel = 3, contextSize = 0, signal = undefined } = {}) {
    const res = await fetch(manifestURL, { signal });
    if (!res.ok) throw new Error(`manifest ${manifestURL}: HTTP ${res.status}`);
    const manifest = await res.json();
    const shards = manifest.shards || [];
    const total = manifest.file_size || shards.reduce((n, s) => n + (s.end - s.start), 0);
    checkFits(total, manifest.name || manifest.id || manifestURL);
    const got = new Array(shards.length).fill(0);
    const report = () => onProgress && onProgress({ loaded: got.reduce((a, b) => a + b, 0), total });
    const buffers = new Array(shards.length);
    let next = 0;
    const fetchOne = async (i) => {
      const s = shards[i];
      const url = new URL(s.file, new URL(manifestURL, self.location ? self.location.href : undefined)).href;
      for (let attempt = 0; ; attempt++) {
        got[i] = 0;
        const r = await fetch(url, { signal });
        if (!r.ok) throw new Error(`shard ${s.file}: HTTP ${r.status}`);
        const parts = [];
        const reader = r.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          got[i] += value.length;
          report();
        }
        const buf = new Uint8Array(got[i]);
        let off = 0;
        for (const p of parts) { buf.set(p, off); off += p.length; }
        const want = s.end - s.start;
        const ok = buf.length === want && (!s.sha256 || (await sha256Hex(buf)) === s.sha256);
        if (ok) { buffers[i] = buf.buffer; return; }
        if (attempt >= 1) {
          throw new Error(`shard ${s.file} is corrupt: ${buf.length !== want ? `${buf.length} bytes, want ${want}` : "sha256 does not match the manifest"}`);
        }
      }
    };
    const workers = [];
    for (let w = 0; w < Math.min(parallel, shards.length); w++) {
      workers.push((async () => { while (next < shards.length) await fetchOne(next++); })());
    }
    await Promise.all(workers);
    report();
    const m = await this.#request({ type: "load", shards: buffers, contextSize }, buffers);
    this.model = m.info;
    return m.info;
  }

  // generate answers a conversation ([{role, content}]); onEvent gets {type: "text" |
  // "reasoning" | "token", text, token}. Resolves with the stats (plus tokens, stopped).
  async generate(messages, options = {}, onEvent = null) {
    const m = await this.#request({ type: "generate", messages, options }, [], onEvent);
    const st = m.stats || {};
    return Object.assign({}, st, { tokens: st.generated_tokens, stopped: st.stop_reason === "cancelled" });
  }

  // complete continues raw text or token ids without a chat template; with stopAtEOG it
  // ends at the model's end-of-generation token (a base model's story ends there).
  async complete(prompt, options = {}, onEvent = null, stopAtEOG = false) {
    const req = Array.isArray(prompt) ? { tokens: prompt } : { prompt };
    const m = await this.#request(Object.assign({ type: "complete", options, stopAtEOG: !!stopAtEOG }, req), [], onEvent);
    return { tokens: m.tokens, promptTokens: m.prompt_tokens, stats: m.stats };
  }

  cancel() {
    this.worker.postMessage({ id: this.nextId++, type: "cancel" });
  }

  async unload() { await this.#request({ type: "unload" }); }

  async info() { return (await this.#request({ type: "info" })).info; }

  terminate() { this.worker.terminate(); }
}

// The engine's memory is 32-bit WebAssembly memory (4 GiB, of which the weights may use
// 3 GiB), and a device reports roughly how much RAM it has (navigator.deviceMemory, GiB,
// capped at 8): refuse a model that cannot fit before downloading any of it.
const WASM_LIMIT = 3 * 2 ** 30;
function checkFits(bytes, name) {
  const gib = (n) => (n / 2 ** 30).toFixed(2) + " GiB";
  if (bytes > WASM_LIMIT) {
    throw new Error(`${name} is ${gib(bytes)}: the in-browser engine can hold at most ${gib(WASM_LIMIT)} of weights; choose a smaller model or quantization`);
  }
  const dm = typeof navigator !== "undefined" && navigator.deviceMemory;
  if (dm && bytes > dm * 2 ** 30 * 0.6) {
    throw new Error(`${name} is ${gib(bytes)} but this device reports about ${dm} GiB of memory; choose a smaller model`);
  }
}

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
