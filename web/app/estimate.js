// How fast a model would run on this device, before any of it downloads: the engine worker
// measures, for about a second, its matrix products for the model's quantization type at
// the chosen thread count (the worker's estimate request: wasm/speedbench), and the
// measurement becomes tokens per second from the model's parameter count. A measurement
// is made once per quantization type, thread count and engine build, and kept in
// localStorage.
//
//   const meter = new SpeedMeter({ workerURL, threads: 0 });
//   const m = await meter.measure("Q4_K_M");
//   estimateSpeed(m, parametersOf(model))   // {decodeTPS, prefillSeconds}

import { HearthEngine } from "../worker/client.js";

const STORE = "hearth.speed.v1:";

// PROMPT_TOKENS is the conversation the prefill estimate reads.
export const PROMPT_TOKENS = 500;

// Bits per weight of each file type, llama.cpp's mixes included: a model whose parameter
// count is not known is sized from its file.
const BITS = {
  F32: 32, F16: 16, BF16: 16, Q8_0: 8.5, Q6_K: 6.5625, Q5_K_M: 5.7, Q5_K_S: 5.5, Q5_0: 5.5, Q5_1: 6,
  Q4_K_M: 4.85, Q4_K_S: 4.58, Q4_0: 4.5, Q4_1: 5,
};

// DECODE_SHARE is the part of a decode step spent in the matrix products the worker
// measures; the rest is attention, norms, RoPE, sampling and the messages to the page.
// Fitted to Chromium's decode of SmolLM2-135M-shaped files (Q8_0, Q4_K_M, Q4_0 at 1 and 2
// threads: web/catalogtest TestSpeedEstimate).
export const DECODE_SHARE = 0.8;
// PREFILL_SHARE is the same for reading a prompt of PROMPT_TOKENS tokens (attention over
// the prompt takes a larger part).
export const PREFILL_SHARE = 0.75;

// fileTypeOf names a model's quantization as the worker's measurement does ("Q4_K_M").
export function fileTypeOf(quant) {
  return String(quant || "").toUpperCase().replace(/^MOSTLY_/, "");
}

// parametersOf is a model's parameter count: given, else from its size and file type.
export function parametersOf({ parameters = 0, size = 0, quant = "" }) {
  if (parameters > 0) return parameters;
  const bits = BITS[fileTypeOf(quant)];
  return bits && size > 0 ? (size * 8) / bits : 0;
}

// estimateSpeed turns a measurement into a model's speed: decode tokens per second, and
// seconds to read a PROMPT_TOKENS-token conversation.
export function estimateSpeed(m, parameters) {
  if (!m || !(parameters > 0) || !(m.decode_elements_per_second > 0)) return null;
  const decodeTPS = (DECODE_SHARE * m.decode_elements_per_second) / parameters;
  const prefillSeconds = (PROMPT_TOKENS * parameters) / (PREFILL_SHARE * m.prefill_elements_per_second);
  return { decodeTPS, prefillSeconds };
}

// SpeedMeter measures file types in a worker of its own (started when first needed and
// stopped when idle), one at a time, and keeps the results.
export class SpeedMeter {
  constructor({ workerURL, threads = 0, build = "", storage = globalThis.localStorage, seconds = 1 }) {
    this.workerURL = workerURL;
    this.threads = threads;
    this.build = build || String(workerURL).split("/").pop();
    this.storage = storage;
    this.seconds = seconds;
    this.engine = null;
    this.queue = Promise.resolve();
    this.pending = new Map(); // key -> promise
    this.idle = null;
  }

  key(fileType) {
    const cores = globalThis.navigator?.hardwareConcurrency || 0;
    return `${STORE}${this.build}|threads=${this.threads || `auto/${cores}`}|${fileTypeOf(fileType)}`;
  }

  // kept is the stored measurement of fileType, or null.
  kept(fileType) {
    try {
      const v = JSON.parse(this.storage?.getItem(this.key(fileType)) || "null");
      return v && v.decode_elements_per_second > 0 ? v : null;
    } catch {
      return null;
    }
  }

  // measure resolves with the measurement of fileType: kept, or made now.
  measure(fileType) {
    const ft = fileTypeOf(fileType);
    const have = this.kept(ft);
    if (have) return Promise.resolve(have);
    const key = this.key(ft);
    if (this.pending.has(key)) return this.pending.get(key);
    const p = (this.queue = this.queue.catch(() => {}).then(async () => {
      clearTimeout(this.idle);
      if (!this.engine) this.engine = new HearthEngine(this.workerURL, { threads: this.threads });
      try {
        const { result, threads, simd } = await this.engine.estimate(ft, this.seconds);
        const m = { ...result, threads, simd, measured_at: new Date().toISOString() };
        try {
          this.storage?.setItem(key, JSON.stringify(m));
        } catch {}
        return m;
      } finally {
        this.pending.delete(key);
        this.idle = setTimeout(() => this.stop(), 5000);
      }
    }));
    this.pending.set(key, p);
    return p;
  }

  // setThreads changes the thread count later measurements are made (and kept) for.
  setThreads(threads) {
    if (threads === this.threads) return;
    this.threads = threads;
    this.queue = this.queue.catch(() => {}).then(() => this.stop());
  }

  stop() {
    clearTimeout(this.idle);
    if (this.engine) this.engine.terminate();
    this.engine = null;
  }
}
