// Hearth's page: pick a model served next to the page, load it into the engine (a Web
// Worker running the Go engine compiled to wasm), chat with it. The full chat UI is built
// on top of this later; this page is the smallest real one.

import { formatBytes, formatPercent } from "./format.js";
import { fetchModelIndex, fillPicker } from "./models.js";
import { Transcript } from "./transcript.js";
import { registerServiceWorker } from "./offline.js";

// The engine client (web/worker/client.js) is its own content-hashed ES module, imported
// when a model is first loaded: the page stays usable (model list, sizes) without it, and
// the same module is the engine API other pages can import.
async function newEngine() {
  if (!assets.client || !assets.worker) {
    throw new Error("this bundle was built without the engine (web/worker was missing at build time)");
  }
  const { HearthEngine } = await import(abs(assets.client));
  return new HearthEngine(abs(assets.worker));
}

// The build writes the content-hashed asset names into a JSON block of index.html.
function readAssets() {
  const el = document.getElementById("hearth-assets");
  if (!el) throw new Error("index.html has no hearth-assets block");
  return JSON.parse(el.textContent);
}

const $ = (id) => document.getElementById(id);

const ui = {
  picker: $("model"),
  load: $("load"),
  progressRow: $("progress-row"),
  progress: $("progress"),
  progressText: $("progress-text"),
  status: $("status"),
  form: $("composer"),
  message: $("message"),
  send: $("send"),
  stop: $("stop"),
};

const assets = readAssets();
const transcript = new Transcript($("transcript"));
const abs = (rel) => new URL(rel, document.baseURI).href;

registerServiceWorker(abs("sw.js")); // offline: the app shell and cached models (offline.js)

let models = [];
let engine = null;
let model = null; // the loaded model's index entry
let busy = false; // loading or generating
const history = []; // {role, content} of the conversation so far

function setStatus(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle("error", isError);
}

function refreshControls() {
  const generating = busy && model !== null;
  ui.picker.disabled = busy || models.length === 0;
  ui.load.disabled = busy || models.length === 0;
  ui.message.disabled = model === null;
  ui.send.disabled = model === null || busy;
  ui.stop.disabled = !generating;
}

function showProgress(loaded, total) {
  ui.progressRow.hidden = false;
  ui.progress.max = total > 0 ? total : 1;
  ui.progress.value = Math.min(loaded, ui.progress.max);
  ui.progressText.textContent = total > 0
    ? `${formatBytes(loaded)} of ${formatBytes(total)} (${formatPercent(loaded, total)})`
    : formatBytes(loaded);
}

async function loadSelected() {
  const entry = models.find((m) => m.id === ui.picker.value);
  if (!entry) return;
  busy = true;
  model = null;
  refreshControls();
  showProgress(0, entry.file_size);
  setStatus(`Loading ${entry.name || entry.id}…`);
  try {
    if (!engine) engine = await newEngine();
    await engine.load(entry.manifestURL, {
      onProgress: (p) => showProgress(p.loaded, p.total || entry.file_size),
    });
    model = entry;
    history.length = 0;
    transcript.clear();
    setStatus(entry.has_chat_template
      ? `${entry.name || entry.id} is ready.`
      : `${entry.name || entry.id} is ready. It is a base model with no chat template: the reply continues your text.`);
  } catch (err) {
    setStatus(`Could not load ${entry.name || entry.id}: ${err.message || err}`, true);
  } finally {
    busy = false;
    refreshControls();
  }
}

// describeStats is the line under a reply: tokens, speed, why it stopped.
function describeStats(st) {
  if (!st) return "";
  const parts = [`${st.generated_tokens ?? 0} tokens`];
  if (st.decode_tps > 0) parts.push(`${st.decode_tps.toFixed(1)} tokens/s`);
  if (st.stop_reason === "cancelled") parts.push("stopped");
  else if (st.stop_reason === "length") parts.push("length limit");
  else if (st.stop_reason === "context") parts.push("context full");
  if (st.trimmed_messages > 0) parts.push(`${st.trimmed_messages} old messages left out to fit the context`);
  return parts.join(" · ");
}

async function send() {
  const text = ui.message.value;
  if (!model || busy || text.trim() === "") return;
  ui.message.value = "";
  history.push({ role: "user", content: text });
  transcript.add("user", text);
  const reply = transcript.add("assistant", "");
  reply.setPending(true);
  busy = true;
  refreshControls();
  const onEvent = (ev) => {
    if (ev.type === "text" && ev.text) reply.append(ev.text);
  };
  const options = { maxTokens: 256 };
  try {
    // A base model (no chat template) continues the text, as llama.cpp prompts one.
    const stats = model.has_chat_template
      ? await engine.generate(history, options, onEvent)
      : (await engine.complete(text, options, onEvent)).stats;
    reply.setMeta(describeStats(stats));
    history.push({ role: "assistant", content: reply.text() });
  } catch (err) {
    reply.setMeta(`Error: ${err.message || err}`);
    history.pop();
  } finally {
    reply.setPending(false);
    busy = false;
    refreshControls();
    ui.message.focus();
  }
}

ui.load.addEventListener("click", loadSelected);
ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  send();
});
ui.message.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
ui.stop.addEventListener("click", () => engine && engine.cancel());
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && busy && model && engine) engine.cancel();
});

fetchModelIndex(abs(assets.models))
  .then((list) => {
    models = list;
    fillPicker(ui.picker, models);
    setStatus(models.length ? "" : "No models are installed on this host.");
  })
  .catch((err) => {
    fillPicker(ui.picker, []);
    setStatus(`Could not read the model list: ${err.message || err}`, true);
  })
  .finally(refreshControls);
