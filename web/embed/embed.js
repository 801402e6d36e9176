// The embed page (embed.html): the chat inside <hearth-chat>'s iframe. It runs on the
// Hearth origin, so the engine worker, the model download and its cache, and the
// conversation belong to this origin; the page that frames it sees only what the channel
// hands over: load progress, readiness, errors, and the replies to the messages it sent
// itself through send(). What the user types here stays here.
//
// Settings come in the URL fragment (never sent to a server): origin (the host page's),
// model, system, placeholder, greeting, theme, accent, mode; later changes come as config
// messages. A base model (no chat template) continues the user's text, as the app does.

import { HearthEngine } from "../worker/client.js";
import { renderMarkdown } from "../app/markdown.js";
import { Channel, hostOrigin } from "./channel.js";
import { formatBytes, formatPercent } from "./format.js";
import { readableOn, validColor } from "../widget/color.js";

const $ = (id) => document.getElementById(id);
const assets = JSON.parse($("hearth-embed-assets").textContent);
const abs = (rel) => new URL(rel, document.baseURI).href;
const params = new URLSearchParams(location.hash.slice(1));

const ui = {
  status: $("status"),
  statusText: $("status-text"),
  progress: $("progress"),
  transcript: $("transcript"),
  form: $("composer"),
  message: $("message"),
  send: $("send"),
  stop: $("stop"),
};

const settings = {
  system: params.get("system") || "",
  placeholder: params.get("placeholder") || "",
  greeting: params.get("greeting") || "",
  theme: params.get("theme") || "auto",
  accent: params.get("accent") || "",
};
const USER_MAX_TOKENS = 512; // a reply to a message typed here

let engine = null;
let model = null; // the model's index entry once loaded
let loadError = null;
let busy = false;
let epoch = 0; // bumped by reset: queued messages of an earlier conversation are dropped
const history = []; // {role, content}: the conversation the model sees (chat models)
const queue = []; // {text, options, id (a host send's, or 0), epoch}

const channel = new Channel(hostOrigin(params.get("origin")), onHostMessage);

function applySettings() {
  const root = document.documentElement;
  root.dataset.theme = ["light", "dark", "auto"].includes(settings.theme) ? settings.theme : "auto";
  // Custom properties through the CSSOM: the CSP allows that, unlike style="".
  if (validColor(settings.accent)) {
    root.style.setProperty("--accent", settings.accent);
    root.style.setProperty("--accent-fg", readableOn(getComputedStyle(ui.send).backgroundColor) || "#ffffff");
  } else {
    root.style.removeProperty("--accent");
    root.style.removeProperty("--accent-fg");
  }
  ui.message.placeholder = settings.placeholder || (model && !model.has_chat_template ? "Start a story…" : "Type a message");
  if (ui.transcript.children.length <= 1) showGreeting();
}

function showGreeting() {
  const first = ui.transcript.firstElementChild;
  if (first && first.classList.contains("greeting")) first.remove();
  if (!settings.greeting || ui.transcript.children.length > 0) return;
  const li = document.createElement("li");
  li.className = "message assistant greeting";
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = settings.greeting;
  li.append(body);
  ui.transcript.append(li);
}

function setStatus(text, { error = false, loaded = -1, total = 0 } = {}) {
  ui.statusText.textContent = text;
  ui.status.classList.toggle("error", error);
  ui.progress.hidden = loaded < 0;
  if (loaded >= 0) {
    ui.progress.max = total > 0 ? total : 1;
    ui.progress.value = Math.min(loaded, ui.progress.max);
  }
}

function refresh() {
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
  ui.send.disabled = loadError !== null;
  ui.message.disabled = loadError !== null;
}

// ---- the model ----

async function pickModel() {
  const indexURL = abs(assets.models);
  const res = await fetch(indexURL, { cache: "no-cache" });
  if (!res.ok) throw new Error(`the model list (${indexURL}): HTTP ${res.status}`);
  const index = await res.json();
  const models = (index && Array.isArray(index.models) ? index.models : [])
    .filter((m) => m && typeof m.id === "string" && typeof m.manifest === "string");
  const want = params.get("model");
  const m = want ? models.find((x) => x.id === want) : models[0];
  if (!m) throw new Error(want ? `this host has no model "${want}"` : "this host serves no model");
  return { ...m, manifestURL: new URL(m.manifest, indexURL).href };
}

// MEMORY_NOTICE is the one line shown when the browser refuses this page storage.
const MEMORY_NOTICE = "this browser keeps no storage for this chat here, so the model runs from memory and downloads again next visit";

async function load() {
  setStatus("Preparing the model…", { loaded: 0, total: 1 });
  const entry = await pickModel();
  const label = entry.name || entry.id;
  engine = new HearthEngine(abs(assets.worker));
  let last = 0;
  let inMemory = false; // the browser refused storage: the model is held for this visit only
  await engine.load(entry.manifestURL, {
    onProgress: ({ loaded, total, storageRefused }) => {
      inMemory = inMemory || !!storageRefused;
      total = total || entry.file_size || 0;
      setStatus(`Downloading ${label}: ${formatBytes(loaded)} of ${formatBytes(total)} ${formatPercent(loaded, total)}`, { loaded, total });
      const now = performance.now();
      if (now - last >= 100 || loaded >= total) {
        last = now;
        channel.post("progress", { loaded, total });
      }
    },
  });
  model = entry;
  const threads = engine.threads || 1;
  setStatus(`${label} · runs on this device · ${threads === 1 ? "1 thread" : `${threads} threads`}` +
    (entry.has_chat_template ? "" : " · a base model: it continues your text") +
    (inMemory ? " · " + MEMORY_NOTICE : ""));
  ui.status.classList.add("loaded");
  applySettings();
  channel.post("ready", { model: entry.id, name: label, baseModel: !entry.has_chat_template, threads, stored: !inMemory });
}

// ---- the conversation ----

function addMessage(role, text) {
  const li = document.createElement("li");
  li.className = `message ${role}`;
  const body = document.createElement("div");
  body.className = "text";
  if (role === "user") body.textContent = text;
  const meta = document.createElement("div");
  meta.className = "meta";
  li.append(body, meta);
  ui.transcript.append(li);
  li.scrollIntoView({ block: "end" });
  return { li, body, meta };
}

// reply shows a streaming answer: Markdown re-rendered at most every 60 ms (model text only
// ever becomes DOM through renderMarkdown's text nodes), reasoning in a closed <details>.
function reply() {
  const m = addMessage("assistant", "");
  m.li.classList.add("pending");
  let text = "";
  let thinking = null;
  let timer = 0;
  const draw = () => {
    timer = 0;
    m.body.replaceChildren(renderMarkdown(text));
    m.li.scrollIntoView({ block: "end" });
  };
  return {
    text: () => text,
    add(t) {
      text += t;
      if (!timer) timer = setTimeout(draw, 60);
    },
    think(t) {
      if (!thinking) {
        const d = document.createElement("details");
        d.className = "thinking";
        const s = document.createElement("summary");
        s.textContent = "Thinking";
        thinking = document.createElement("div");
        d.append(s, thinking);
        m.li.insertBefore(d, m.body);
      }
      thinking.append(document.createTextNode(t));
    },
    end(meta, failed = false) {
      clearTimeout(timer);
      draw();
      m.li.classList.remove("pending");
      m.li.classList.toggle("failed", failed);
      m.meta.textContent = meta;
    },
  };
}

function describe(st) {
  const parts = [`${st.generated_tokens ?? 0} tokens`];
  if (st.decode_tps > 0) parts.push(`${st.decode_tps.toFixed(1)} tokens/s`);
  if (st.stop_reason === "cancelled") parts.push("stopped");
  else if (st.stop_reason === "length") parts.push("length limit");
  else if (st.stop_reason === "context") parts.push("context full");
  if (st.trimmed_messages > 0) parts.push(`${st.trimmed_messages} old messages left out`);
  return parts.join(" · ");
}

function enqueue(text, options, id) {
  queue.push({ text, options, id, epoch });
  pump();
}

let pumping = false;
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length > 0) {
      const job = queue.shift();
      if (job.epoch !== epoch) {
        if (job.id) channel.post("error", { id: job.id, message: "the conversation was reset" });
        continue;
      }
      await turn(job);
    }
  } finally {
    pumping = false;
  }
}

async function turn({ text, options, id }) {
  addMessage("user", text);
  const r = reply();
  busy = true;
  refresh();
  try {
    await loading;
    if (!model) throw loadError || new Error("the model is not loaded");
    const { responseFormat, ...sampling } = options || {};
    // a fresh seed for every reply unless the page gives one (the engine's default is a fixed 0)
    const opts = { maxTokens: USER_MAX_TOKENS, seed: Math.floor(Math.random() * 2 ** 32), ...sampling };
    if (responseFormat?.type === "json_object") opts.jsonSchema = { type: "object" };
    if (responseFormat?.type === "json_schema") opts.jsonSchema = responseFormat.json_schema.schema;
    const onEvent = (ev) => {
      if (ev.type === "text" && ev.text) r.add(ev.text);
      else if (ev.type === "reasoning" && ev.text) r.think(ev.text);
    };
    let stats;
    if (model.has_chat_template) {
      const msgs = settings.system ? [{ role: "system", content: settings.system }] : [];
      history.push({ role: "user", content: text });
      try {
        stats = await engine.generate(msgs.concat(history), opts, onEvent);
      } catch (err) {
        history.pop();
        throw err;
      }
      history.push({ role: "assistant", content: r.text() });
    } else {
      // A base model continues the text, as llama.cpp prompts one (BOS + text), until the
      // end of the story (its end-of-generation token) or maxTokens.
      stats = (await engine.complete(text, opts, onEvent, true)).stats || {};
    }
    r.end(describe(stats));
    if (id) channel.post("message", { id, text: r.text(), stopReason: String(stats.stop_reason || "") });
  } catch (err) {
    const message = String((err && err.message) || err).slice(0, 2000);
    r.end(`Error: ${message}`, true);
    if (id) channel.post("error", { id, message });
  } finally {
    busy = false;
    refresh();
  }
}

function resetConversation() {
  epoch++;
  if (busy && engine) engine.cancel();
  history.length = 0;
  ui.transcript.replaceChildren();
  showGreeting();
  pump();
}

function onHostMessage(m) {
  switch (m.type) {
    case "send":
      enqueue(m.text, m.options, m.id);
      break;
    case "reset":
      resetConversation();
      break;
    case "focus":
      if (!ui.message.disabled) ui.message.focus();
      break;
    case "config":
      for (const k of Object.keys(settings)) if (m[k] !== undefined) settings[k] = m[k];
      applySettings();
      break;
  }
}

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = ui.message.value;
  if (text.trim() === "" || loadError) return;
  ui.message.value = "";
  enqueue(text, {}, 0);
});
ui.message.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.stop.addEventListener("click", () => engine && engine.cancel());
document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  if (busy && engine) engine.cancel();
  else if (params.get("mode") !== "inline") channel.post("close");
});

applySettings();
refresh();
channel.post("hello");
const loading = load().catch((err) => {
  loadError = err instanceof Error ? err : new Error(String(err));
  const message = `Could not load the model: ${loadError.message}`;
  setStatus(message, { error: true });
  refresh();
  channel.post("error", { id: null, message });
});
