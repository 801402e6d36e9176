// The page side of `go run ./bench`: one run of one engine, called by the Go program
// through chromedp in a fresh Chromium. Each run loads the model, measures the prefill of
// the prompt and, when decode > 0, `decode` decoded tokens (greedy), reads the engine's
// own account of its wasm memory, then frees everything. (The Go side reads the
// renderer's peak RSS from /proc afterwards.) decode 0: a prefill-only run (one token is
// sampled; no decode speed is reported).

const assets = JSON.parse(document.getElementById("hearth-assets").textContent);
const abs = (u) => new URL(u, document.baseURI).href;
const now = () => performance.now() / 1000;

// prompt holds the prompt's token ids (for Hearth), text the same prompt as text (for
// wllama, which tokenizes it with llama.cpp's tokenizer; the run checks the count).
//
// warmup: before the measured call, WARMUP_RUNS completions of other prompts of up to 64
// tokens, WARMUP_DECODE tokens decoded each, as llama-bench runs a warm-up before its
// measured repetitions. A fresh page runs its wasm in V8's baseline tier (Liftoff) and
// compiles the hot functions with TurboFan in the background as they get used; measured
// in Chromium on this 2-core machine (SmolLM2-135M-shaped Q8_0, one page, the same
// 64-token prompt + 64 tokens seven times), Hearth reached its steady speed on the third
// call: prefill / decode tok/s 170 / 110, 225 / 126, 252 / 128 at 1 thread and 215 / 93,
// 305 / 156, 440 / 175 at 2; with V8's eager TurboFan (--no-liftoff) the second call was
// already at 255 / 130 and 470 / 195. One short warm-up (16 tokens in, 16 out, as before)
// left the measured call at about the second call's speed. So two warm-ups of a prompt's
// size, the same for both engines; the measured call sees the steady state, as native
// code does from its first. (-warmup=false measures the cold first call instead.)
const WARMUP_RUNS = 2, WARMUP_DECODE = 32;

// Hearth: new HearthEngine(worker, {threads}) is all a thread count takes; the engine
// reports how many threads it really started (1 when the worker cannot start helpers).
// url: the raw .gguf instead of the bundle's manifest (the hearth-raw rows).
window.benchHearth = async ({ model, url, threads, prompt, decode, contextSize, warmup }) => {
  const { HearthEngine } = await import(abs(assets.client));
  const t0 = now();
  const engine = new HearthEngine(abs(assets.worker), { threads });
  try {
    await engine.load(abs(url || `models/${model}/manifest.json`), { contextSize });
    const loadS = now() - t0;
    if (engine.threads !== threads) {
      return { available: false, reason: `asked for ${threads} threads, the engine started ${engine.threads}` };
    }
    const want = decode || 1;
    // (the prompt's tokens 1-64 backwards, then forwards, without its first, BOS: nothing of
    // them is reused as a prefix of the measured prompt)
    if (warmup) {
      const w = prompt.slice(1, 65);
      for (let i = 0; i < WARMUP_RUNS; i++) {
        await engine.complete(i % 2 ? w : w.slice().reverse(), { temperature: 0, maxTokens: WARMUP_DECODE });
      }
    }
    const r = await engine.complete(prompt, { temperature: 0, maxTokens: want });
    const st = r.stats;
    if (st.prompt_tokens !== prompt.length || st.cached_tokens !== 0 || r.tokens.length !== want) {
      throw new Error(`hearth ran ${st.prompt_tokens} prompt tokens (${st.cached_tokens} cached) and decoded ${r.tokens.length}, want ${prompt.length}, 0 and ${want}`);
    }
    const info = await engine.info();
    return {
      available: true, threads: engine.threads, simd: engine.simd, load_s: loadS,
      prefill_tps: st.prefill_tps, decode_tps: decode ? st.decode_tps : 0,
      // The WebAssembly.Memory's size; the Go runtime's Sys when the worker does not say.
      wasm_memory_bytes: info.wasm_memory_bytes || info.memory_bytes,
      prompt_n: st.prompt_tokens, decode_n: r.tokens.length,
    };
  } finally {
    engine.terminate();
  }
};

// wllama 3.x (llama.cpp's server code compiled to wasm) has no token-level call: its
// createCompletion takes a text prompt only (a list of token ids fails inside the wasm) and
// answers with llama.cpp's own timings. Prefill: the text, which tokenizes to the prompt
// length, with cache_prompt off and max_tokens 1. Decode (when decode > 0): the same text
// with cache_prompt on (so the cached prompt is not evaluated again), then `decode` tokens
// with ignore_eos; predicted_ms covers the generation only.
window.benchWllama = async ({ url, threads, prompt, text, decode, contextSize, warmup }) => {
  const { Wllama } = await import(abs("wllama/esm/index.js"));
  const t0 = now();
  const wllama = new Wllama({ default: abs("wllama/esm/wasm/wllama.wasm") }, { suppressNativeLog: true });
  let step = "load";
  try {
    const blob = await (await fetch(abs(url))).blob();
    await wllama.loadModel([blob], { n_threads: threads, n_ctx: contextSize, n_gpu_layers: 0, n_parallel: 1 });
    const loadS = now() - t0;
    const got = wllama.getNumThreads();
    if (got !== threads) {
      return { available: false, reason: `asked for ${threads} threads, wllama runs ${got} (multithread: ${wllama.isMultithread()})` };
    }
    if (warmup) {
      step = "warm-up";
      // (the text's words backwards, as many as make up to 64 of its tokens)
      const all = text.split(" ");
      const words = all.slice(0, Math.max(1, Math.round(all.length * Math.min(1, 64 / prompt.length)))).reverse().join(" ");
      for (let i = 0; i < WARMUP_RUNS; i++) {
        await wllama.createCompletion({ prompt: words, max_tokens: WARMUP_DECODE, temperature: 0, cache_prompt: false, ignore_eos: true });
      }
    }
    step = "prefill";
    const pre = await wllama.createCompletion({ prompt: text, max_tokens: 1, temperature: 0, cache_prompt: false, ignore_eos: true });
    const tp = pre.timings;
    if (!tp || tp.prompt_n !== prompt.length) {
      throw new Error(`llama.cpp tokenized the prompt to ${tp && tp.prompt_n} tokens, Hearth to ${prompt.length}: ${JSON.stringify(tp)}`);
    }
    let td = null;
    if (decode > 0) {
      step = "decode";
      const dec = await wllama.createCompletion({ prompt: text, max_tokens: decode, temperature: 0, cache_prompt: true, ignore_eos: true });
      td = dec.timings;
      if (!td || td.predicted_n !== decode) {
        throw new Error(`wllama decoded ${td && td.predicted_n} tokens, want ${decode}: ${JSON.stringify(td)}`);
      }
    }
    step = "memory";
    const mem = await agentMemory();
    return {
      available: true, threads: got, load_s: loadS,
      prefill_tps: tp.prompt_n / (tp.prompt_ms / 1000), decode_tps: td ? td.predicted_n / (td.predicted_ms / 1000) : 0,
      wasm_memory_bytes: mem, prompt_n: tp.prompt_n, decode_n: td ? td.predicted_n : 0,
      decode_prompt_n: td ? td.prompt_n : 0, decode_cache_n: td ? td.cache_n : 0,
    };
  } catch (err) {
    throw new Error(`wllama ${step}: ${err && err.message ? err.message : err}`);
  } finally {
    await wllama.exit().catch(() => {});
  }
};

// agentMemory is the memory of wllama's worker as Chromium measures it
// (performance.measureUserAgentSpecificMemory; its wasm Memory is nearly all of it), or 0
// when the browser does not offer it. With threads, every pthread worker reports the same
// shared Memory again, so this takes the largest worker, not the sum.
async function agentMemory() {
  if (!performance.measureUserAgentSpecificMemory) return 0;
  const m = await performance.measureUserAgentSpecificMemory();
  let worker = 0;
  for (const b of m.breakdown) {
    if (b.attribution.some((a) => a.scope === "DedicatedWorkerGlobalScope")) worker = Math.max(worker, b.bytes);
  }
  return worker;
}
