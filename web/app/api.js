// Hearth's JavaScript API: an OpenAI-style interface to the in-browser engine, the one the
// page itself uses. An ES module (the build writes it as hearth.js; the page also sets it
// as window.Hearth):
//
//   const engine = await Hearth.load("models/stories260K/manifest.json", { onProgress, threads });
//   const r = await engine.chat.completions.create({ messages, temperature: 0, max_tokens: 64 });
//   r.choices[0].message.content
//   for await (const chunk of await engine.chat.completions.create({ messages, stream: true, signal }))
//     out += chunk.choices[0].delta.content ?? "";
//   await engine.completions.create({ prompt: "Once upon a time", max_tokens: 32 });  // base models
//   await engine.unload();
//
// Structured output: response_format {type: "json_schema", json_schema: {name, schema,
// strict}} or {type: "json_object"} makes the reply JSON that parses (and validates against
// the schema); grammar (GBNF text, llama.cpp's syntax) constrains it to any grammar. Both
// work in chat.completions and completions. Tools: tools and tool_choice ("auto", "none",
// "required" or {type: "function", function: {name}}) as in OpenAI's API; the reply's
// calls come as message.tool_calls (finish_reason "tool_calls") or streamed as
// delta.tool_calls, and role "tool" messages (tool_call_id, content) carry the results back.
//
// Results and chunks have OpenAI's shapes (chat.completion, chat.completion.chunk,
// text_completion); reasoning models' <think> text comes as message.reasoning_content /
// delta.reasoning_content. Each result also carries `hearth`: the engine's stats (prompt,
// cached and generated tokens, prefill and decode tokens/s, trimmed_messages, stop_reason).
// Aborting the signal stops the generation: no chunk is delivered after the abort, and the
// call rejects (or the iterator throws) a DOMException named "AbortError" whose `hearth`
// and `usage` fields hold the stats of the part that was generated.

import { HearthEngine } from "../worker/client.js";
import * as cache from "../worker/download.js";

// HEARTH_WORKER_URL is the engine worker's file name, relative to this module; the build
// defines it (web/build).
const defaultWorkerURL = () => {
  if (!HEARTH_WORKER_URL) throw new Error("this bundle was built without the engine (no web/worker)");
  return new URL(HEARTH_WORKER_URL, import.meta.url).href;
};

let nextID = 1;
const newID = (prefix) => `${prefix}-${Date.now().toString(36)}${(nextID++).toString(36)}`;

// load downloads (or reads from the cache) a model and starts an engine on it. source is a
// manifest URL (models/<id>/manifest.json), a .gguf URL on any CORS host that allows Range
// requests, or a File/Blob (read locally; it never leaves the machine).
//   onProgress({loaded, total, bytesPerSecond, etaSeconds, cachedBytes})
//   threads: 0 or absent = automatic; signal: aborts the download (a later load resumes it);
//   contextSize: tokens (0 = min(model, 4096)); workerURL: another engine worker script.
//   sha256: the file's SHA-256 (a Hugging Face resolve URL is verified against the hub's
//   without it: worker/hub.js).
async function load(source, { onProgress = null, threads = 0, signal, contextSize = 0, workerURL, simd = true, sha256 = "" } = {}) {
  if (source instanceof URL) source = source.href;
  const isFile = typeof Blob !== "undefined" && source instanceof Blob;
  if (!isFile && (typeof source !== "string" || source === "")) {
    throw new TypeError("Hearth.load: source must be a model URL, a manifest URL or a File");
  }
  const he = new HearthEngine(workerURL || defaultWorkerURL(), { threads, simd });
  try {
    const opts = { onProgress, signal, contextSize, sha256 };
    const info = isFile
      ? await he.loadFile(source, opts)
      : await he.load(new URL(source, globalThis.location?.href).href, opts);
    return new Engine(he, info, isFile ? source.name || "file" : source);
  } catch (err) {
    he.terminate();
    throw err;
  }
}

// Engine is a loaded model.
export class Engine {
  #he;
  #queue = Promise.resolve(); // one generation at a time: an abort then cancels only its own
  #unloaded = false;

  constructor(he, info, source) {
    this.#he = he;
    this.model = info; // {name, architecture, quant, context_size, has_chat_template, …}
    this.source = source;
    this.threads = he.threads;
    this.simd = he.simd;
    this.chat = { completions: { create: (req) => this.#create("chat", req) } };
    this.completions = { create: (req) => this.#create("text", req) };
  }

  // id names the model in results: the GGUF's general.name, else the source's file name.
  get id() {
    return this.model?.name || String(this.source).split("/").filter(Boolean).slice(-2).join("/");
  }

  // unload frees the model and stops the engine's worker; the engine cannot be used after.
  async unload() {
    if (this.#unloaded) return;
    this.#unloaded = true;
    try {
      this.#he.cancel();
      await this.#he.unload();
    } finally {
      this.#he.terminate();
    }
  }

  // info returns the engine's current model info with memory use and cached tokens.
  info() {
    return this.#he.info();
  }

  // #create queues a generation behind the ones before it. A bad request rejects (it
  // never throws synchronously), like a network API does.
  #create(kind, req) {
    let job;
    try {
      if (!req || typeof req !== "object") throw new TypeError("create: pass a request object");
      if (this.#unloaded) throw new Error("this engine was unloaded");
      job = kind === "chat" ? chatJob(req) : textJob(req);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = new Run(this.#he, kind, job, req.signal, this.id);
    this.#queue = this.#queue.then(() => (this.#unloaded ? run.fail(new Error("this engine was unloaded")) : run.start()));
    if (req.stream) return Promise.resolve(run.stream());
    return run.result();
  }
}

// options maps an OpenAI-style request onto the worker's options.
function options(req) {
  const o = {};
  const set = (key, v) => {
    if (v !== undefined && v !== null) o[key] = v;
  };
  set("temperature", req.temperature);
  set("topP", req.top_p);
  set("topK", req.top_k);
  set("minP", req.min_p);
  set("repeatPenalty", req.repeat_penalty ?? req.repetition_penalty);
  set("presencePenalty", req.presence_penalty);
  set("frequencyPenalty", req.frequency_penalty);
  set("maxTokens", req.max_tokens ?? req.max_completion_tokens);
  if (req.stop !== undefined && req.stop !== null) o.stop = Array.isArray(req.stop) ? req.stop : [req.stop];
  // OpenAI samples with a fresh seed when none is given; the engine's default is a fixed 0.
  o.seed = req.seed ?? Math.floor(Math.random() * 2 ** 32);
  const schema = responseSchema(req.response_format);
  if (schema !== undefined && req.grammar != null) throw new TypeError("pass response_format or grammar, not both");
  if (schema !== undefined) o.jsonSchema = schema;
  if (req.grammar != null) {
    if (typeof req.grammar !== "string") throw new TypeError("grammar must be GBNF text (a string)");
    o.grammar = req.grammar;
  }
  return o;
}

// responseSchema maps OpenAI's response_format onto a JSON schema (undefined: free text).
function responseSchema(rf) {
  if (rf == null) return undefined;
  if (typeof rf !== "object") throw new TypeError("response_format must be an object {type: ...}");
  switch (rf.type) {
    case "text":
      return undefined;
    case "json_object":
      return { type: "object" };
    case "json_schema": {
      const schema = rf.json_schema?.schema;
      if (schema === undefined || schema === null || (typeof schema !== "object" && typeof schema !== "boolean")) {
        throw new TypeError("response_format json_schema needs json_schema.schema (a JSON schema object)");
      }
      return schema;
    }
  }
  throw new TypeError(`response_format type ${JSON.stringify(rf.type)}: use "text", "json_object" or "json_schema"`);
}

function chatJob(req) {
  if (!Array.isArray(req.messages) || req.messages.length === 0) {
    throw new TypeError("chat.completions.create: messages must be a non-empty array");
  }
  const messages = req.messages.map((m, i) => {
    if (!m || typeof m.role !== "string") throw new TypeError(`messages[${i}] needs a role`);
    const out = { role: m.role, content: contentText(m.content, i) };
    if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) out.tool_calls = m.tool_calls;
    if (typeof m.tool_call_id === "string") out.tool_call_id = m.tool_call_id;
    if (typeof m.name === "string") out.name = m.name;
    if (typeof m.reasoning_content === "string") out.reasoning_content = m.reasoning_content;
    return out;
  });
  const o = options(req);
  if (req.tools != null) {
    if (!Array.isArray(req.tools)) throw new TypeError("tools must be an array of {type: \"function\", function: {name, description, parameters}}");
    if (req.tools.length > 0) o.tools = req.tools;
  }
  if (req.tool_choice != null) o.toolChoice = req.tool_choice;
  return { messages, options: o };
}

// contentText accepts a string or OpenAI's array of content parts (text parts only).
function contentText(c, i) {
  if (typeof c === "string") return c;
  if (c === null || c === undefined) return "";
  if (Array.isArray(c)) {
    return c.map((p) => {
      if (p && p.type === "text" && typeof p.text === "string") return p.text;
      throw new TypeError(`messages[${i}]: only text content parts are supported`);
    }).join("");
  }
  throw new TypeError(`messages[${i}].content must be a string`);
}

function textJob(req) {
  let prompt = req.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === "string") prompt = prompt[0];
  if (typeof prompt !== "string" && !(Array.isArray(prompt) && prompt.every(Number.isInteger))) {
    throw new TypeError("completions.create: prompt must be a string or an array of token ids");
  }
  if (prompt.length === 0) throw new TypeError("completions.create: prompt is empty");
  return { prompt, options: options(req), stopAtEOG: req.ignore_eos !== true };
}

function finishReason(stopReason, toolCalls) {
  if (toolCalls?.length > 0) return "tool_calls";
  switch (stopReason) {
    case "length":
    case "context":
      return "length";
    default:
      return "stop";
  }
}

function usage(st) {
  const p = st?.prompt_tokens ?? 0;
  const c = st?.generated_tokens ?? 0;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

function abortError(stats) {
  const err = new DOMException("the generation was stopped", "AbortError");
  err.hearth = stats || null;
  err.usage = usage(stats);
  return err;
}

// Run is one generation: it starts when the engine is free, turns the worker's events into
// chunks, and stops delivering them the moment its signal aborts.
class Run {
  constructor(he, kind, job, signal, model) {
    this.he = he;
    this.kind = kind;
    this.job = job;
    this.signal = signal;
    this.model = model;
    this.id = newID(kind === "chat" ? "chatcmpl" : "cmpl");
    this.created = Math.floor(Date.now() / 1000);
    this.text = "";
    this.reasoning = "";
    this.toolCalls = []; // OpenAI's {id, type, function: {name, arguments}}
    this.pending = []; // chunks not yet taken by the iterator
    this.wake = null;
    this.stats = null;
    this.error = null;
    this.aborted = false;
    this.done = false;
    this.started = false;
    this.finished = new Promise((resolve) => { this.finish = resolve; });
    // An abort while queued ends the run at once; while running, it cancels the engine's
    // generation, whose done event (with the stats) then ends the run.
    this.onAbort = () => {
      if (this.done || this.aborted) return;
      this.aborted = true;
      this.pending.length = 0;
      if (this.started) this.he.cancel();
      else this.#end(null);
      this.#wake();
    };
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  // fail ends a run that cannot start.
  fail(err) {
    if (!this.done) {
      this.error = err;
      this.#end(null);
    }
    return this.finished;
  }

  start() {
    if (this.done) return this.finished;
    this.started = true;
    const onEvent = (ev) => this.#event(ev);
    const p = this.kind === "chat"
      ? this.he.generate(this.job.messages, this.job.options, onEvent)
      : this.he.complete(this.job.prompt, this.job.options, onEvent, this.job.stopAtEOG).then((r) => r.stats);
    p.then((st) => this.#end(st), (err) => {
      this.error = err;
      this.#end(null);
    });
    return this.finished;
  }

  #event(ev) {
    if (this.aborted || this.done) return;
    if (ev.type === "tool_call" && ev.call) {
      const call = { id: ev.call.id, type: ev.call.type || "function", function: { name: ev.call.function.name, arguments: ev.call.function.arguments } };
      const index = this.toolCalls.length;
      this.toolCalls.push(call);
      this.pending.push(this.#chunk("tool_call", { index, ...call }));
      this.#wake();
      return;
    }
    if (ev.type !== "text" && ev.type !== "reasoning") return;
    if (!ev.text) return;
    if (ev.type === "text") this.text += ev.text;
    else this.reasoning += ev.text;
    this.pending.push(this.#chunk(ev.type, ev.text));
    this.#wake();
  }

  #end(stats) {
    if (this.done) return;
    this.done = true;
    this.stats = stats;
    if (stats && stats.stop_reason === "cancelled") this.aborted = true;
    this.signal?.removeEventListener("abort", this.onAbort);
    this.finish();
    this.#wake();
  }

  #wake() {
    if (this.wake) {
      const w = this.wake;
      this.wake = null;
      w();
    }
  }

  #chunk(type, text) {
    const base = { id: this.id, created: this.created, model: this.model };
    if (this.kind === "chat") {
      const delta = type === "text" ? { content: text } : type === "tool_call" ? { tool_calls: [text] } : { reasoning_content: text };
      if (!this.sentRole) {
        delta.role = "assistant";
        this.sentRole = true;
      }
      return { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: null }] };
    }
    return { ...base, object: "text_completion", choices: [{ index: 0, text, finish_reason: null, logprobs: null }] };
  }

  #final() {
    const base = { id: this.id, created: this.created, model: this.model, usage: usage(this.stats), hearth: this.stats };
    const reason = finishReason(this.stats?.stop_reason, this.toolCalls);
    if (this.kind === "chat") {
      return { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: reason }] };
    }
    return { ...base, object: "text_completion", choices: [{ index: 0, text: "", finish_reason: reason, logprobs: null }] };
  }

  async result() {
    await this.finished;
    if (this.error) throw this.error;
    if (this.aborted) throw abortError(this.stats);
    const base = { id: this.id, created: this.created, model: this.model, usage: usage(this.stats), hearth: this.stats };
    const reason = finishReason(this.stats?.stop_reason, this.toolCalls);
    if (this.kind === "chat") {
      const message = { role: "assistant", content: this.text };
      if (this.reasoning) message.reasoning_content = this.reasoning;
      if (this.toolCalls.length > 0) {
        message.tool_calls = this.toolCalls;
        if (this.text === "") message.content = null; // as OpenAI: a call-only reply has no content
      }
      return { ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason: reason }] };
    }
    return { ...base, object: "text_completion", choices: [{ index: 0, text: this.text, finish_reason: reason, logprobs: null }] };
  }

  // stream is an async iterable of chunks; breaking out of a for-await loop stops the
  // generation like an abort does.
  stream() {
    const run = this;
    let sentFinal = false;
    const it = {
      async next() {
        for (;;) {
          if (run.aborted) {
            await run.finished;
            if (run.error) throw run.error;
            throw abortError(run.stats);
          }
          if (run.pending.length > 0) return { value: run.pending.shift(), done: false };
          if (run.done) {
            if (run.error) throw run.error;
            if (!sentFinal) {
              sentFinal = true;
              return { value: run.#final(), done: false };
            }
            return { value: undefined, done: true };
          }
          await new Promise((resolve) => { run.wake = resolve; });
        }
      },
      async return() {
        run.onAbort();
        await run.finished;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    // As on OpenAI's SDK streams: stream.controller.abort() stops it without a signal.
    it.controller = { abort: () => run.onAbort() };
    return it;
  }
}

// Cached models and storage (Cache Storage, managed by the download layer).
const storage = {
  list: () => cache.listCachedModels(),
  delete: (manifestURL) => cache.deleteCachedModel(manifestURL),
  info: () => cache.storageInfo(),
  persist: () => cache.requestPersistence(),
};

export const Hearth = {
  load,
  probe: (url) => cache.probeModelURL(url), // {url, size, name, manifest} before downloading
  storage,
};

if (typeof window !== "undefined") window.Hearth = Hearth;

export default Hearth;
