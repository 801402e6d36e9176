// The model index: static/models/index.json, written by `hearth add-model`.
//
// {"format": 1, "models": [{"id", "name", "architecture", "parameters", "quant",
//   "context_length", "file_size", "has_chat_template", "manifest": "<id>/manifest.json"}]}

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

// describeModel is the picker's label: name, size, parameters and quantization.
export function describeModel(m) {
  const parts = [formatBytes(m.file_size)];
  if (m.parameters > 0) parts.push(formatCount(m.parameters) + " params");
  if (m.quant) parts.push(m.quant);
  return `${m.name || m.id} (${parts.join(", ")})`;
}

// fillPicker replaces the options of a <select> with the models; text goes in through
// textContent, so a model's name can never become markup.
export function fillPicker(select, models) {
  select.replaceChildren();
  if (models.length === 0) {
    const opt = document.createElement("option");
    opt.textContent = "No models installed (hearth add-model FILE.gguf)";
    opt.value = "";
    select.append(opt);
    select.disabled = true;
    return;
  }
  for (const m of models) {
    const opt = document.createElement("option");
    opt.value = m.id;
    opt.textContent = describeModel(m);
    select.append(opt);
  }
  select.disabled = false;
}
