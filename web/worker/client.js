// HearthEngine: the page-side API of the engine worker (an ES module).
//
//   const engine = new HearthEngine(workerURL, { threads });   // threads: 0 = automatic
//   await engine.load(manifestURL, { onProgress: ({ loaded, total }) => …, signal });
//   await engine.loadFile(file);                                 // a File, read locally
//   const stats = await engine.generate(messages, { maxTokens, temperature, … }, (ev) => …);
//   engine.cancel();
//
// Shards are downloaded by download.js (in parallel, into Cache Storage, resumable,
// checked against the manifest's sha256: a corrupt shard is fetched once more, then the
// load fails naming it) and transferred to the worker without a copy; the worker copies
// them into the engine's memory once.

import { downloadModel, checkFits } from "./download.js";

// The download and cache functions, for pages that import only this module.
export {
  downloadModel, probeModelURL, listCachedModels, deleteCachedModel, storageInfo, requestPersistence, checkFits,
} from "./download.js";

const TERMINAL = new Set(["ready", "loaded", "done", "unloaded", "info", "error"]);

export class HearthEngine {
  // splitBytes: the smallest product (bytes of weights) split across threads (0: the
  // worker's default, 256 KiB); tests set 1 so a tiny model runs every product threaded.
  constructor(workerURL, { threads = 0, simd = true, relaxed = true, splitBytes = 0 } = {}) {
    const url = new URL(workerURL, self.location ? self.location.href : undefined);
    if (threads > 0) url.searchParams.set("threads", String(threads));
    if (splitBytes > 0) url.searchParams.set("split", String(splitBytes));
    if (!simd) url.searchParams.set("simd", "0");
    if (!relaxed) url.searchParams.set("relaxed", "0");
    this.worker = new Worker(url.href);
    this.nextId = 1;
    this.calls = new Map(); // id -> {resolve, reject, onEvent}
    this.simd = false;
    this.relaxed = false;
    this.threads = 1;
    this.ready = new Promise((resolve, reject) => {
      this.calls.set(0, {
        resolve: (m) => { this.simd = !!m.simd; this.relaxed = !!m.relaxed; this.threads = m.threads || 1; resolve(); },
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

  // load downloads a model (download.js: a manifest URL or a raw .gguf URL; shards in
  // parallel, cached, resumed, verified) and hands it to the engine. The options besides
  // contextSize are downloadModel's: onProgress gets {loaded, total, bytesPerSecond,
  // etaSeconds, cachedBytes}; signal stops the download (an AbortError; what came stays
  // cached); parallel; pieceSize. Resolves with the model's info (verified: false for a raw
  // file, which has no sha256 to check).
  async load(source, { contextSize = 0, ...download } = {}) {
    const { buffers, verified } = await downloadModel(source, download);
    const info = await this.#loadBuffers(buffers, contextSize);
    info.verified = verified;
    return info;
  }

  // loadFile loads a model from a File (an <input type=file> pick): read here in slices,
  // never sent anywhere. onProgress and signal as for load.
  async loadFile(file, { onProgress = null, contextSize = 0, signal = undefined } = {}) {
    checkFits(file.size, file.name);
    const magic = new Uint8Array(await file.slice(0, 4).arrayBuffer());
    if (String.fromCharCode(...magic) !== "GGUF") throw new Error(`${file.name} is not a GGUF file`);
    const buffers = [];
    const started = performance.now();
    for (let at = 0; at < file.size; at += FILE_SLICE) {
      if (signal && signal.aborted) throw new DOMException("the load was stopped", "AbortError");
      buffers.push(await file.slice(at, Math.min(file.size, at + FILE_SLICE)).arrayBuffer());
      const loaded = Math.min(file.size, at + FILE_SLICE);
      const bytesPerSecond = loaded / Math.max(1e-3, (performance.now() - started) / 1000);
      if (onProgress) onProgress({ loaded, total: file.size, cachedBytes: 0, bytesPerSecond, etaSeconds: (file.size - loaded) / bytesPerSecond });
    }
    const info = await this.#loadBuffers(buffers, contextSize);
    info.verified = false;
    return info;
  }

  async #loadBuffers(buffers, contextSize) {
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

// FILE_SLICE is how much of a local file is read at a time (the engine takes the model
// as several buffers in file order).
const FILE_SLICE = 64 * 2 ** 20;
