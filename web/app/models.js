// The models the picker offers: those this host serves (static/models/index.json, written
// by `hearth add-model`) and those already downloaded into this browser from a URL; and the
// checks made before a download.
//
// index.json: {"format": 1, "models": [{"id", "name", "architecture", "parameters", "quant",
//   "context_length", "file_size", "has_chat_template", "manifest": "<id>/manifest.json"}]}

import { WASM_MEMORY } from "hearth:limits";
import { formatBytes, formatCount } from "./format.js";

// fetchModelIndex returns the models served next to the page, each with the absolute URL of
// its manifest. A missing index (no model installed yet) is an empty list.
export async function fetchModelIndex(indexURL) {
  const res = await fetch(indexURL, { cache: "no-cache" });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`model index ${indexURL}: HTTP ${res.status}`);
  const index = await res.json();
  if (!index || index.format !== 1 || !Array.isArray(index.models)) {
    throw new Error(`model index ${indexURL}: not a format 1 index`);
  }
  return index.models
    .filter((m) => m && typeof m.id === "string" && typeof m.manifest === "string")
    .map((m) => ({ ...m, manifestURL: new URL(m.manifest, indexURL).href }));
}

// describeModel is a picker label: name, size, parameters and quantization.
export function describeModel(m) {
  const parts = [formatBytes(m.file_size)];
  if (m.parameters > 0) parts.push(formatCount(m.parameters) + " params");
  if (m.quant) parts.push(m.quant);
  if (m.has_chat_template === false) parts.push("base model");
  return `${m.name || m.id} (${parts.join(", ")})`;
}

// pickerEntries merges the served models with the cached ones: a served model is marked
// downloaded when the cache holds all of it; a cached model the host does not serve (one
// loaded from a URL) is listed after them. Each entry: {source, label, size, cached, served}.
export function pickerEntries(served, cached) {
  const byURL = new Map(cached.map((c) => [c.manifestURL, c]));
  const out = served.map((m) => {
    const c = byURL.get(m.manifestURL);
    byURL.delete(m.manifestURL);
    return {
      source: m.manifestURL, name: m.name || m.id, size: m.file_size, served: m,
      cached: c ? c.bytes : 0, complete: !!(c && c.complete),
      label: describeModel(m) + (c && c.complete ? " · downloaded" : c && c.bytes > 0 ? ` · ${formatBytes(c.bytes)} downloaded` : ""),
    };
  });
  for (const c of byURL.values()) {
    out.push({
      source: c.source || c.manifestURL, name: c.name, size: c.total, served: null, cached: c.bytes, complete: c.complete,
      label: `${c.name} (${formatBytes(c.total)}, ${c.complete ? "downloaded" : `${formatBytes(c.bytes)} downloaded`})`,
    });
  }
  return out;
}

// fillPicker replaces the options of a <select>; text goes in through textContent, so a
// model's name can never become markup. keep is the source to keep selected.
export function fillPicker(select, entries, keep) {
  select.replaceChildren();
  if (entries.length === 0) {
    const opt = document.createElement("option");
    opt.textContent = "No models on this host: open a .gguf or load one from a URL";
    opt.value = "";
    select.append(opt);
    select.disabled = true;
    return;
  }
  for (const e of entries) {
    const opt = document.createElement("option");
    opt.value = e.source;
    opt.textContent = e.label;
    select.append(opt);
  }
  if (keep && entries.some((e) => e.source === keep)) select.value = keep;
  select.disabled = false;
}

const GiB = 2 ** 30;
const WASM_LIMIT = WASM_MEMORY; // the engine's 32-bit memory holds at most this much of weights (internal/limits)

// preflight decides, before a download, whether a model of size bytes (cached of them
// already here) can be loaded: {refuse: "why"} stops it, {warn: "why"} lets it go with a
// visible warning. storage is navigator.storage.estimate()'s {usage, quota}; deviceMemory
// is navigator.deviceMemory (GiB, rounded and capped at 8 by browsers; absent in some).
export function preflight({ name, size, cached = 0 }, { usage = 0, quota = 0 } = {}, deviceMemory = undefined) {
  const out = { refuse: "", warn: "" };
  if (!(size > 0)) return out;
  if (size > WASM_LIMIT) {
    out.refuse = `${name} is ${formatBytes(size)}: the in-browser engine can hold at most ${formatBytes(WASM_LIMIT)} of weights. Choose a smaller model or quantization.`;
    return out;
  }
  if (deviceMemory > 0 && size > deviceMemory * GiB * 0.6) {
    out.refuse = `${name} is ${formatBytes(size)}, but this device reports about ${deviceMemory} GB of memory. Choose a smaller model.`;
    return out;
  }
  const needed = Math.max(0, size - cached);
  const free = Math.max(0, quota - usage);
  if (needed > 0 && quota > 0 && needed > free) {
    out.refuse = `${name} needs ${formatBytes(needed)} of storage, but this browser lets the page store only ${formatBytes(free)} more. Delete cached models (Storage) or free disk space.`;
    return out;
  }
  const warns = [];
  if (needed > 0 && quota > 0 && needed > free * 0.8) {
    warns.push(`it takes most of the space left for this page (${formatBytes(needed)} of ${formatBytes(free)})`);
  }
  if (deviceMemory > 0 && size > deviceMemory * GiB * 0.35) {
    warns.push(`it is large for a device with about ${deviceMemory} GB of memory, and the tab may run out of memory`);
  }
  if (warns.length) out.warn = `${name}: ${warns.join("; ")}.`;
  return out;
}
