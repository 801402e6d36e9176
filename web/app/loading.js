// The model slot: the model the page chats with (the current one) and the load that may
// replace it, as an explicit state machine.
//
//   phase      current   load      what the page can do
//   "empty"    none      none      pick a model and load it
//   "loading"  none      running   wait, pause, cancel
//   "ready"    model     none      chat; load another
//   "switching" model    running   chat with the current model while the new one loads
//   "paused"   any       paused    resume or cancel (and chat, if there is a current model)
//
// A new model loads in its own engine worker beside the current one and replaces it only
// once it is ready (the current one is unloaded then, after its reply in progress ends).
// A load that fails, is cancelled or paused leaves the current model as it was.
//
// loadEngine(job, {signal, onProgress}) starts an engine for a job ({source, name, size,
// file, …}; Hearth.load in the app); whenIdle() resolves when no reply is being written;
// onChange(slot) runs after every transition.

export class ModelSlot {
  #loadEngine;
  #whenIdle;
  #onChange;

  constructor({ loadEngine, whenIdle = async () => {}, onChange = () => {} }) {
    this.#loadEngine = loadEngine;
    this.#whenIdle = whenIdle;
    this.#onChange = onChange;
    this.current = null; // {engine, job, name}
    this.load = null; // {job, controller, paused, cancelled}: the load running now
    this.paused = null; // the job of a paused load
  }

  get phase() {
    if (this.load) return this.current ? "switching" : "loading";
    if (this.paused) return "paused";
    return this.current ? "ready" : "empty";
  }

  get engine() {
    return this.current ? this.current.engine : null;
  }

  // start loads job beside the current model. It resolves with {outcome, error}: outcome
  // "ready" (the job's model is current now), "paused", "cancelled", "failed" (error says
  // why) or "busy" (another load runs; nothing was done).
  async start(job, onProgress = () => {}) {
    if (this.load) return { outcome: "busy" };
    const controller = new AbortController();
    const load = { job, controller, paused: false, cancelled: false };
    this.load = load;
    this.paused = null;
    this.#onChange(this);
    let engine;
    try {
      engine = await this.#loadEngine(job, { signal: controller.signal, onProgress });
    } catch (err) {
      this.load = null;
      let outcome = "failed";
      if (err && err.name === "AbortError") outcome = load.paused ? "paused" : "cancelled";
      if (outcome === "paused") this.paused = job;
      this.#onChange(this);
      return { outcome, error: outcome === "failed" ? err : null };
    }
    if (load.cancelled) {
      // Cancelled as the engine came up: the new model is dropped, the current one stays.
      this.load = null;
      await engine.unload().catch(() => {});
      this.#onChange(this);
      return { outcome: "cancelled" };
    }
    await this.#whenIdle();
    const old = this.current;
    this.current = { engine, job, name: job.name };
    this.load = null;
    this.#onChange(this);
    if (old) await old.engine.unload().catch(() => {});
    return { outcome: "ready" };
  }

  // adopt makes an engine loaded elsewhere the current model (the old one is unloaded).
  async adopt(engine, job) {
    if (this.load) throw new Error("a model is loading");
    await this.#whenIdle();
    const old = this.current;
    this.current = { engine, job, name: job.name };
    this.paused = null;
    this.#onChange(this);
    if (old && old.engine !== engine) await old.engine.unload().catch(() => {});
  }

  // pause stops the running download; start(slot.paused) resumes it.
  pause() {
    if (!this.load || this.load.cancelled) return false;
    this.load.paused = true;
    this.load.controller.abort();
    return true;
  }

  // cancel stops the running load (or drops the paused one) and returns its job.
  cancel() {
    if (this.load) {
      this.load.paused = false;
      this.load.cancelled = true;
      this.load.controller.abort();
      return this.load.job;
    }
    const job = this.paused;
    this.paused = null;
    if (job) this.#onChange(this);
    return job;
  }
}
