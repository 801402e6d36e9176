// The model catalog in the picker: real models that download straight from the Hugging
// Face hub (or the host's mirror of it), next to the host's own models, and a card under
// the picker that tells, for the selected model, its size, what it is good for, whether it
// fits this device and how fast it would run here (estimate.js).
//
// The catalog is internal/catalog/catalog.json; the build writes it as catalog.json next to
// index.html, {"format": 1, "hub": URL, "models": [...]}, where hub is the base of the
// download URLs: https://huggingface.co, or the mirror the host built with (go run
// ./web/build --hub URL). Each model: id, name, repo, file, revision, quant, size, sha256,
// parameters, arch, context, license, reasons, description.

import { rememberSha256, resolveURL } from "../worker/hub.js";
import { estimateSpeed, fileTypeOf, parametersOf, PROMPT_TOKENS, SpeedMeter } from "./estimate.js";
import { formatBytes, formatCount } from "./format.js";
import { preflight } from "./models.js";

export const DEFAULT_HUB = "https://huggingface.co";

// normalize reads a catalog entry, tolerating the field names of index.json; null when it
// lacks what a download needs.
function normalize(m, hub) {
  if (!m || typeof m !== "object") return null;
  const repo = m.repo || m.hf_repo;
  const file = m.file;
  if (typeof repo !== "string" || typeof file !== "string" || !repo.includes("/")) return null;
  const size = Number(m.size ?? m.file_size) || 0;
  const entry = {
    id: String(m.id || `${repo}/${file}`),
    name: String(m.name || m.id || file.replace(/\.gguf$/i, "")),
    repo, file, revision: String(m.revision || "main"),
    quant: fileTypeOf(m.quant || m.file_type || ""),
    size,
    sha256: /^[0-9a-f]{64}$/i.test(m.sha256 || "") ? m.sha256.toLowerCase() : "",
    parameters: Number(m.parameters) || 0,
    architecture: m.arch || m.architecture || "",
    context: Number(m.context ?? m.context_length) || 0,
    license: m.license || "",
    reasons: !!(m.reasons ?? m.reasoning),
    description: m.description || "",
  };
  entry.url = resolveURL(hub, repo, file, entry.revision);
  return entry;
}

// loadCatalog reads catalog.json (its absolute URL); a catalog that cannot be read is an
// empty one.
export async function loadCatalog(catalogURL) {
  let hub = DEFAULT_HUB;
  let models = [];
  try {
    const res = await fetch(catalogURL, { cache: "no-cache" });
    if (res.ok) {
      const c = await res.json();
      if (c && typeof c.hub === "string" && /^https?:\/\//.test(c.hub)) hub = c.hub.replace(/\/+$/, "");
      if (c && Array.isArray(c.models)) models = c.models;
    }
  } catch {
    // no catalog: the host's models only
  }
  const out = [];
  for (const m of models) {
    const e = normalize(m, hub);
    if (!e || out.some((x) => x.url === e.url)) continue;
    if (e.sha256) rememberSha256(e.url, e.sha256); // the catalog's hash is the one to check
    out.push(e);
  }
  catalog = { hub, models: out };
  return catalog;
}

let catalog = { hub: DEFAULT_HUB, models: [] };

// describe is a catalog entry's picker label.
function label(e, cached) {
  const parts = [e.size > 0 ? formatBytes(e.size) : "size unknown"];
  const params = parametersOf(e);
  if (params > 0) parts.push(formatCount(params) + " params");
  if (e.quant) parts.push(e.quant);
  if (e.reasons) parts.push("reasons");
  const state = cached && cached.complete ? " · downloaded" : cached && cached.bytes > 0 ? ` · ${formatBytes(cached.bytes)} downloaded` : "";
  return `${e.name} (${parts.join(", ")}) · catalog${state}`;
}

// withCatalog adds the catalog's models to the picker's entries (pickerEntries' shape):
// a catalog model already (partly) downloaded replaces its cached-from-a-URL entry.
export function withCatalog(entries, cached = []) {
  const urls = new Set(catalog.models.map((e) => e.url));
  const out = entries.filter((e) => e.served || !urls.has(e.source));
  for (const e of catalog.models) {
    const c = cached.find((x) => x.source === e.url);
    out.push({
      source: e.url, name: e.name, size: e.size || (c ? c.total : 0), served: null, catalog: e,
      cached: c ? c.bytes : 0, complete: !!(c && c.complete), label: label(e, c),
    });
  }
  return out;
}

// goodFor says what a model is for, in a few words.
function goodFor(e) {
  if (e.catalog) {
    const c = e.catalog;
    const bits = [c.description || "A chat model."];
    if (c.reasons) bits.push("Thinks step by step before it answers (a collapsible Thinking section).");
    const facts = [c.architecture, c.context > 0 ? `${formatCount(c.context)} context` : "", c.license ? `license ${c.license}` : "", `from ${c.repo}`].filter(Boolean);
    return `${bits.join(" ")} ${facts.join(" · ")}`;
  }
  const m = e.served;
  if (m) {
    const facts = [m.architecture, m.context_length > 0 ? `${formatCount(m.context_length)} context` : "", "served by this host"].filter(Boolean);
    return (m.has_chat_template === false ? "A base model: it continues text rather than chatting. " : "A chat model. ") + facts.join(" · ");
  }
  return "Downloaded into this browser from a URL.";
}

// ModelCard is the panel under the picker that describes the selected model. It follows
// the picker by itself (its change events, and its options being refilled).
export class ModelCard {
  constructor(picker, { entries, threads }) {
    this.picker = picker;
    this.entries = entries; // () => the picker's entries
    this.meter = new SpeedMeter({ workerURL: new URL(HEARTH_WORKER_URL, import.meta.url).href, threads: threads() });
    this.threads = threads;
    this.el = document.createElement("div");
    this.el.id = "model-card";
    this.el.className = "model-card";
    this.el.setAttribute("aria-live", "polite");
    (picker.closest(".row") || picker).after(this.el); // under the picker's row
    this.shown = null;
    picker.addEventListener("change", () => this.update());
    new MutationObserver(() => this.update()).observe(picker, { childList: true });
    this.update();
  }

  async update() {
    const e = this.entries().find((x) => x.source === this.picker.value);
    if (!e) {
      this.el.hidden = true;
      this.shown = null;
      return;
    }
    this.el.hidden = false;
    const token = (this.shown = {});
    const model = e.catalog || e.served || {};
    const quant = e.catalog ? e.catalog.quant : model.quant || "";
    const params = parametersOf({ parameters: model.parameters, size: e.size, quant });
    const lines = {
      name: e.name,
      size: `${e.size > 0 ? formatBytes(e.size) : "size unknown"}${params > 0 ? ` · ${formatCount(params)} parameters` : ""}${quant ? ` · ${quant}` : ""}` +
        (e.complete ? " · downloaded" : e.cached > 0 ? ` · ${formatBytes(e.cached)} downloaded` : ""),
      good: goodFor(e),
      fit: "Checking this device…",
      speed: quant ? "Measuring this device's speed…" : "",
    };
    this.render(lines, {});
    const [storage] = await Promise.all([navigator.storage?.estimate ? navigator.storage.estimate().catch(() => ({})) : {}]);
    if (token !== this.shown) return;
    const check = preflight({ name: e.name, size: e.size, cached: e.cached }, storage, navigator.deviceMemory);
    const fit = check.refuse ? "no" : check.warn ? "tight" : "yes";
    lines.fit = check.refuse || check.warn || `Fits this device${navigator.deviceMemory ? ` (about ${navigator.deviceMemory} GB of memory)` : ""}.`;
    this.render(lines, { fit });
    if (!quant || !(params > 0)) return;
    this.meter.setThreads(this.threads());
    let m;
    try {
      m = await this.meter.measure(quant);
    } catch (err) {
      if (token !== this.shown) return;
      lines.speed = `No speed estimate: ${err.message || err}`;
      this.render(lines, { fit });
      return;
    }
    if (token !== this.shown) return;
    const s = estimateSpeed(m, params);
    if (!s) return;
    const tps = s.decodeTPS >= 10 ? Math.round(s.decodeTPS) : s.decodeTPS.toFixed(1);
    const pre = s.prefillSeconds >= 10 ? Math.round(s.prefillSeconds) : s.prefillSeconds.toFixed(1);
    lines.speed = `On this device: about ${tps} tokens/s, ${pre} s to read a ${PROMPT_TOKENS}-token conversation ` +
      `(measured here, ${m.threads} thread${m.threads === 1 ? "" : "s"}${m.simd ? "" : ", no SIMD"}).`;
    this.render(lines, { fit, decodeTps: s.decodeTPS.toFixed(3), prefillS: s.prefillSeconds.toFixed(3), threads: String(m.threads) });
  }

  render(lines, data) {
    const rows = [["name", lines.name], ["size", lines.size], ["good", lines.good], ["fit", lines.fit], ["speed", lines.speed]];
    this.el.replaceChildren(...rows.filter(([, t]) => t).map(([k, t]) => {
      const p = document.createElement(k === "name" ? "strong" : "p");
      p.className = k === "name" ? "card-name" : `card-${k} hint`;
      p.textContent = t; // model names and descriptions are text, never markup
      return p;
    }));
    for (const k of ["fit", "decodeTps", "prefillS", "threads"]) {
      if (data[k] !== undefined) this.el.dataset[k] = data[k];
      else delete this.el.dataset[k];
    }
    this.el.dataset.source = this.picker.value;
  }
}
