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
// load fails naming it). Their bytes stream to the worker as they arrive, in a few buffers
// that are transferred to the worker and back: the worker copies them into the engine's
// memory (one buffer of the file's size, made when the load starts), so the model is held
// once and the page holds only a few MiB of it at any time.

import { downloadModel, checkFits, byteReader, fill } from "./download.js";
import { wholeFileCheck } from "./hub.js";

// The download and cache functions, for pages that import only this module.
export {
  downloadModel, probeModelURL, listCachedModels, deleteCachedModel, storageInfo, requestPersistence, checkFits,
} from "./download.js";

const TERMINAL = new Set(["ready", "loaded", "done", "unloaded", "info", "estimate", "logits", "profile", "error"]);

export class HearthEngine {
  // splitBytes: the smallest product (bytes of weights) split across threads (0: the
  // worker's default, 256 KiB); tests set 1 so a tiny model runs every product threaded.
  // relaxed: false keeps the simd128 kernels where the browser has relaxed SIMD.
  // profile: time the kernels (profile()). warmUp: false skips the engine's warm-up pass
  // after a load (a made-up prompt run while the page is idle, so the first message runs
  // the browser's optimized code; any request stops it).
  constructor(workerURL, { threads = 0, simd = true, relaxed = true, splitBytes = 0, profile = false, warmUp = true } = {}) {
    const url = new URL(workerURL, self.location ? self.location.href : undefined);
    if (threads > 0) url.searchParams.set("threads", String(threads));
    if (splitBytes > 0) url.searchParams.set("split", String(splitBytes));
    if (!simd) url.searchParams.set("simd", "0");
    if (!relaxed) url.searchParams.set("relaxed", "0");
    if (profile) url.searchParams.set("profile", "1");
    if (!warmUp) url.searchParams.set("warmup", "0");
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
  // A Hugging Face resolve URL (or any URL given sha256) is verified whole (hub.js): its
  // pieces come one at a time, in order, through a SHA-256 of the file, and a file that
  // does not match is deleted before the engine opens it.
  async load(source, { contextSize = 0, signal = undefined, sha256 = "", ...download } = {}) {
    const check = await wholeFileCheck(source, sha256, { signal, pieceSize: download.pieceSize });
    if (check) download.parallel = 1;
    const stop = new AbortController(); // the user's signal, or the engine refusing the load
    const onAbort = () => stop.abort(signal.reason);
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    let load = null;
    let verified = false;
    let ended = null; // the engine's answer, asked for once every byte is verified
    try {
      await downloadModel(source, {
        ...download,
        signal: stop.signal,
        onStart: async ({ size, verified: v }) => {
          verified = v;
          load = await this.#startLoad(size, contextSize, stop);
        },
        onData: (bytes, offset) => {
          if (check) check.update(bytes, offset); // before the bytes are transferred
          return load.send(bytes, offset);
        },
        // the engine opens the model while the last shards are stored whole in the cache
        onVerified: () => {
          if (check && !check.ok(load.size)) return;
          ended = load.end();
          ended.catch(() => {});
        },
      });
    } catch (err) {
      if (load) {
        load.abort();
        if (load.failure) throw load.failure; // the engine refused the model
      }
      throw err;
    } finally {
      if (signal) signal.removeEventListener("abort", onAbort);
    }
    if (check) {
      if (!check.ok(load.size)) {
        load.abort();
        throw await check.fail();
      }
      verified = true;
    }
    const info = await (ended || load.end());
    info.verified = verified;
    return info;
  }

  // loadFile loads a model from a File (an <input type=file> pick): read here in slices,
  // never sent anywhere; the bytes go to the engine as they are read. onProgress and signal
  // as for load.
  async loadFile(file, { onProgress = null, contextSize = 0, signal = undefined } = {}) {
    checkFits(file.size, file.name);
    const magic = new Uint8Array(await file.slice(0, 4).arrayBuffer());
    if (String.fromCharCode(...magic) !== "GGUF") throw new Error(`${file.name} is not a GGUF file`);
    const load = await this.#startLoad(file.size, contextSize, null);
    const started = performance.now();
    try {
      let buf = new ArrayBuffer(FILE_BUFFER);
      for (let at = 0; at < file.size; at += FILE_SLICE) {
        const end = Math.min(file.size, at + FILE_SLICE);
        // each slice read as a stream into one buffer, which goes to the engine and comes
        // back (a slice read whole with arrayBuffer() would stay in memory until a garbage
        // collection)
        const rd = byteReader(file.slice(at, end).stream());
        let off = at;
        for (;;) {
          if (signal && signal.aborted) {
            rd.r.cancel().catch(() => {});
            throw new DOMException("the load was stopped", "AbortError");
          }
          const { bytes, done, error } = await fill(rd, buf, null);
          if (error) throw error;
          const n = bytes.length;
          if (n > 0) {
            const back = await load.send(bytes, off); // transfers bytes
            buf = back instanceof ArrayBuffer ? back : new ArrayBuffer(FILE_BUFFER);
            off += n;
          }
          if (done) break;
        }
        if (off !== end) throw new Error(`${file.name}: reading bytes ${at}–${end} gave ${off - at}`);
        const bytesPerSecond = end / Math.max(1e-3, (performance.now() - started) / 1000);
        if (onProgress) onProgress({ loaded: end, total: file.size, cachedBytes: 0, bytesPerSecond, etaSeconds: (file.size - end) / bytesPerSecond });
      }
    } catch (err) {
      load.abort();
      throw load.failure || err;
    }
    const info = await load.end();
    info.verified = false;
    return info;
  }

  // #startLoad begins a streamed load of size bytes (protocol: wasm/README.md): send(bytes,
  // offset) transfers a buffer's bytes to the worker and resolves with the buffer, given
  // back once the worker has copied them; end() resolves with the model's info; abort()
  // stops it. When the engine refuses the model (too big, not a GGUF, …) failure is set,
  // every send rejects with it, and stop (an AbortController, or null) is aborted.
  async #startLoad(size, contextSize, stop) {
    await this.ready;
    const id = this.nextId++;
    let sent = []; // {resolve, reject} of each send, in order: the worker copies in order
    const load = { failure: null, size };
    const answer = new Promise((resolve, reject) => {
      this.calls.set(id, {
        resolve,
        reject,
        onEvent: (m) => {
          if (m.type === "stored" && sent.length > 0) sent.shift().resolve(m.data);
        },
      });
    });
    let answered = false; // a worker that answers before loadEnd wants no more bytes
    answer.then(() => {
      answered = true;
      for (const s of sent) s.resolve(null);
      sent = [];
    }, (err) => {
      load.failure = err;
      for (const s of sent) s.reject(err);
      sent = [];
      if (stop) stop.abort(err);
    });
    this.worker.postMessage({ id, type: "load", size, contextSize });
    load.send = (bytes, offset) => new Promise((resolve, reject) => {
      if (load.failure) return reject(load.failure);
      if (answered) return resolve(null);
      sent.push({ resolve, reject });
      // transferred, not copied; the worker sends the buffer back
      this.worker.postMessage({ id, type: "loadData", offset, data: bytes }, [bytes.buffer]);
    });
    load.abort = () => {
      this.worker.postMessage({ id, type: "loadEnd", abort: true });
      answer.catch(() => {});
    };
    load.end = async () => {
      this.worker.postMessage({ id, type: "loadEnd" });
      const m = await answer;
      this.model = m.info;
      return m.info;
    };
    return load;
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

  // logits returns the logits of the last of tokens (ids) as a Float32Array, computed
  // afresh by the engine's shipped numerics (the conversation's cache is untouched): for
  // checking the engine's numbers from outside, as `hearth logits` does natively.
  async logits(tokens) { return Float32Array.from((await this.#request({ type: "logits", tokens })).logits); }

  // estimate measures, for about seconds, how fast this device multiplies by the weights of
  // a GGUF file type (Q8_0, Q4_K_M, …) at this engine's thread count (wasm/speedbench):
  // {result: {decode_elements_per_second, prefill_elements_per_second, …}, threads, simd}.
  async estimate(fileType, seconds = 1) {
    const m = await this.#request({ type: "estimate", fileType, seconds });
    return { result: m.result, threads: m.threads, simd: m.simd, relaxed: m.relaxed };
  }

  // profile returns the kernel time the engine thread spent since the last call, by
  // kernel: {name: {calls, ms, splitCalls, splitMs}} (split: run across the threads);
  // empty unless the engine was made with { profile: true } (the worker's ?profile=1).
  async profile() { return (await this.#request({ type: "profile" })).profile; }

  terminate() { this.worker.terminate(); }
}

// FILE_SLICE is how much of a local file is read at a time; FILE_BUFFER the buffer its
// bytes go to the engine in.
const FILE_SLICE = 64 * 2 ** 20;
const FILE_BUFFER = 4 * 2 ** 20;
