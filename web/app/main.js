// Hearth's page: pick a model (served by this host, a .gguf from disk, or a URL), download it
// into this browser once, chat with it; conversations are kept in IndexedDB. All model work
// goes through the Hearth API (api.js), the same one other pages can use.

import { Hearth } from "./api.js";
import { loadCatalog, ModelCard, withCatalog } from "./catalog.js";
import {
  ConversationStore, download, fileName, newConversation, titleFrom, toJSON, toMarkdown,
} from "./conversations.js";
import { formatBytes, formatDuration, formatPercent, formatRate } from "./format.js";
import { copyText } from "./markdown.js";
import { fetchModelIndex, fillPicker, pickerEntries, preflight } from "./models.js";
import { ModelSlot } from "./loading.js";
import { registerServiceWorker } from "./offline.js";
import { bindForm, Settings } from "./settings.js";
import { Transcript } from "./transcript.js";

const $ = (id) => document.getElementById(id);

// The build writes the content-hashed asset names into a JSON block of index.html.
function readAssets() {
  const el = $("hearth-assets");
  if (!el) throw new Error("index.html has no hearth-assets block");
  return JSON.parse(el.textContent);
}

const assets = readAssets();
const abs = (rel) => new URL(rel, document.baseURI).href;

registerServiceWorker(abs("sw.js")); // offline: the app shell and cached models (offline.js)
const LAST_MODEL = "hearth.lastModel";
const LAST_CHAT = "hearth.lastConversation";

const ui = {
  app: $("app"),
  toggleChats: $("toggle-chats"),
  picker: $("model"),
  load: $("load"),
  openFile: $("open-file"),
  file: $("model-file"),
  urlPanel: $("url-panel"),
  urlForm: $("url-form"),
  url: $("model-url"),
  urlInfo: $("url-info"),
  urlLoad: $("url-load"),
  progressRow: $("progress-row"),
  progress: $("progress"),
  progressText: $("progress-text"),
  pause: $("pause"),
  cancelDownload: $("cancel-download"),
  status: $("status"),
  newChat: $("new-chat"),
  conversations: $("conversations"),
  chatTitle: $("chat-title"),
  modeBadge: $("mode-badge"),
  rename: $("rename-chat"),
  exportMD: $("export-md"),
  exportJSON: $("export-json"),
  deleteChat: $("delete-chat"),
  empty: $("empty"),
  emptyMode: $("empty-mode"),
  emptyNext: $("empty-next"),
  form: $("composer"),
  message: $("message"),
  send: $("send"),
  stop: $("stop"),
  settings: $("settings"),
  settingsForm: $("settings-form"),
  openSettings: $("open-settings"),
  storage: $("storage"),
  openStorage: $("open-storage"),
  storageSummary: $("storage-summary"),
  cached: $("cached-models"),
  storageClose: $("storage-close"),
};

const settings = new Settings();
const fillSettings = bindForm(ui.settingsForm, settings, $("settings-error"), $("settings-reset"));

const state = {
  served: [], // the host's models (index.json)
  entries: [], // the picker's entries
  gen: null, // the reply being written: {controller, view, done}
  store: null, // ConversationStore (null when IndexedDB is unavailable)
  conv: newConversation(),
  list: [], // stored conversations, newest first
};

const transcript = new Transcript($("transcript"), $("scroller"), $("live"), {
  copy: copyText,
  regenerate: () => regenerate(),
  edit: (text) => editLast(text),
});

// ---- status and controls ----

function setStatus(text, kind = "") {
  ui.status.textContent = text;
  ui.status.classList.toggle("error", kind === "error");
  ui.status.classList.toggle("warn", kind === "warn");
}

// The current model (slot.current) and its mode: "completion" for a base model (no chat
// template), else "chat".
const current = () => slot.current;
const engineNow = () => slot.engine;
const modelName = () => slot.current?.name ?? "";
const modeOf = (engine) => (engine?.model && engine.model.has_chat_template === false ? "completion" : "chat");
const currentMode = () => modeOf(slot.engine);

function refreshControls() {
  const phase = slot.phase;
  const loadBusy = phase === "loading" || phase === "switching";
  const engine = engineNow();
  ui.picker.disabled = loadBusy || state.entries.length === 0;
  ui.load.disabled = loadBusy || state.entries.length === 0 || state.gen !== null;
  ui.openFile.disabled = loadBusy;
  ui.urlLoad.disabled = loadBusy;
  ui.message.disabled = engine === null;
  ui.send.disabled = engine === null || state.gen !== null;
  ui.stop.disabled = state.gen === null;
  const hasMessages = state.conv.messages.length > 0;
  ui.exportMD.disabled = !hasMessages;
  ui.exportJSON.disabled = !hasMessages;
  ui.deleteChat.disabled = !hasMessages;
  ui.empty.hidden = hasMessages;
  const completion = engine !== null && currentMode() === "completion";
  ui.modeBadge.hidden = !completion;
  ui.message.placeholder = engine === null
    ? (loadBusy ? "The model is loading…" : "Load a model, then type a message")
    : completion ? "Type the start of a text: the model continues it" : `Message ${modelName()}`;
  ui.emptyNext.textContent = emptyNext(phase, completion);
  ui.emptyMode.textContent = completion
    ? `${modelName()} is a base model (no chat template): it does not answer questions, it continues the text you type.`
    : "";
}

// emptyNext is what the empty conversation tells a person to do next.
function emptyNext(phase, completion) {
  const name = modelName();
  switch (phase) {
    case "loading":
      return `${slot.load.job.name} is loading. When it is ready, type below.`;
    case "switching":
      return `${name} is ready: type below. ${slot.load.job.name} is loading and takes over when it is ready.`;
    case "ready":
    case "paused":
      if (name) return completion ? `${name} is ready: type the start of a text below.` : `${name} is ready: type a message below.`;
      return "The download is paused: Resume finishes it.";
    default:
      return "Pick a model and press Load: it is downloaded once, kept in this browser, and runs on your CPU.";
  }
}

// ---- models ----

async function refreshModels() {
  let cached = [];
  try {
    cached = await Hearth.storage.list();
  } catch {
    // No Cache Storage (a private window may refuse it): the served models only.
  }
  const entries = pickerEntries(state.served, cached);
  state.entries = withCatalog(entries, cached); // plus the catalog's models (catalog.js)
  markCurrent();
}

// fileEntry is the picker entry of a model read from a local file.
function fileEntry(job) {
  return { source: job.source, name: job.name, size: job.size, file: job.file, cached: 0, complete: false,
    label: `${job.name} (local file ${job.file.name}, ${formatBytes(job.size)})` };
}

// markCurrent fills the picker: the model in use is marked and selected (the one loading,
// while a load runs).
function markCurrent() {
  // A model read from a local file has no cache entry: it is listed while it is in use.
  state.entries = state.entries.filter((e) => !e.file || e.source === slot.current?.job.source || e.source === slot.load?.job.source);
  for (const e of [slot.current?.job, slot.load?.job]) {
    if (e && e.file && !state.entries.some((x) => x.source === e.source)) state.entries.push(fileEntry(e));
  }
  const inUse = slot.current?.job.source;
  const entries = state.entries.map((e) => (e.source === inUse ? { ...e, label: `${e.label} · in use` } : e));
  const keep = slot.load?.job.source || inUse || ui.picker.value || localStorage.getItem(LAST_MODEL);
  fillPicker(ui.picker, entries, keep);
  refreshControls();
}

// RateMeter estimates speed and time left when the download layer does not report them.
class RateMeter {
  constructor() {
    this.samples = [];
  }
  update(loaded, total) {
    const now = performance.now();
    this.samples.push([now, loaded]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 3000) this.samples.shift();
    const [t0, l0] = this.samples[0];
    const bps = now - t0 > 250 ? ((loaded - l0) * 1000) / (now - t0) : 0;
    return { bytesPerSecond: bps, etaSeconds: bps > 0 ? (total - loaded) / bps : NaN };
  }
}

function showProgress(p, job) {
  if (p.storageRefused && !job.inMemory) {
    job.inMemory = true;
    setStatus(`${job.name}: ${MEMORY_NOTICE}`, "warn");
  }
  ui.progressRow.hidden = false;
  const total = p.total > 0 ? p.total : job.size > 0 ? job.size : 0;
  const loaded = Math.min(p.loaded ?? 0, total || Infinity);
  ui.progress.max = total > 0 ? total : 1;
  ui.progress.value = total > 0 ? loaded : 0;
  let bps = p.bytesPerSecond;
  let eta = p.etaSeconds;
  if (bps === undefined) ({ bytesPerSecond: bps, etaSeconds: eta } = job.meter.update(loaded, total));
  const parts = [total > 0 ? `${formatBytes(loaded)} of ${formatBytes(total)} (${formatPercent(loaded, total)})` : formatBytes(loaded)];
  if (p.cachedBytes > 0) parts.push(`${formatBytes(p.cachedBytes)} already here`);
  if (loaded < total && !p.paused) {
    if (bps > 0) parts.push(formatRate(bps));
    if (Number.isFinite(eta) && eta > 0) parts.push(`${formatDuration(eta)} left`);
  }
  if (p.paused) parts.push("paused");
  ui.progressText.textContent = parts.join(" · ");
  if (total > 0 && loaded >= total && slot.load?.job === job) {
    setStatus(`Starting ${job.name} in the engine…` + keeping());
  }
}

// MEMORY_NOTICE is the one line shown when the browser refuses this page storage (Cache
// Storage throws: a private window, blocked site data): the model still runs.
const MEMORY_NOTICE = "this browser does not let this page store the model, so it runs from memory for this visit and downloads again next time.";

// keeping says which model stays in use while another loads.
function keeping() {
  return slot.current ? ` ${modelName()} stays in use until then.` : "";
}

function progressButtons({ pause = false, paused = false, cancel = false } = {}) {
  ui.pause.hidden = !pause;
  ui.pause.textContent = paused ? "Resume" : "Pause";
  ui.pause.setAttribute("aria-label", paused ? "Resume the download" : "Pause the download");
  ui.cancelDownload.hidden = !cancel;
}

// slot holds the current model and the load that may replace it (loading.js).
const slot = new ModelSlot({
  loadEngine: (job, { signal, onProgress }) => Hearth.load(job.file || job.source, {
    onProgress, signal, threads: settings.values.threads,
  }),
  whenIdle: () => genDone(),
  onChange: () => markCurrent(),
});

// loadModel downloads (or reads from the cache, or from a local file) and starts a model
// beside the current one, which it replaces once ready; job: {source, name, size, file}.
// how: "" or a sentence that says why this load started (a returning visitor's model).
async function loadModel(job, how = "") {
  if (slot.load) return;
  job.meter = new RateMeter();
  ui.progressRow.hidden = true; // the last load's bar
  let warning = "";
  if (!job.file) {
    const [info, list] = await Promise.all([
      Hearth.storage.info().catch(() => ({ usage: 0, quota: 0, persisted: false })),
      Hearth.storage.list().catch(() => []),
    ]);
    const c = list.find((m) => m.manifestURL === job.source || m.source === job.source);
    job.cached = c ? c.bytes : 0;
    job.complete = !!(c && c.complete);
    const check = preflight(job, info, navigator.deviceMemory);
    if (check.refuse) {
      setStatus(check.refuse + keepingNow(), "error");
      return;
    }
    warning = check.warn;
    if ((job.cached ?? 0) < job.size && !info.persisted) {
      // Ask the browser to keep the model under storage pressure (it may say no).
      await Hearth.storage.persist().catch(() => false);
    }
  }
  if (slot.load) return;
  const verb = job.file ? "Reading" : job.complete ? "Loading" : "Downloading";
  const start = slot.start(job, (p) => showProgress(p, job));
  progressButtons({ pause: !job.file, cancel: true });
  showProgress({ loaded: job.cached || 0, total: job.size }, job);
  const what = how || `${verb} ${job.name}…`;
  setStatus(warning ? `Warning: ${warning} ${what}` : what + keeping(), warning ? "warn" : "");
  const { outcome, error } = await start;
  switch (outcome) {
    case "ready":
      ui.progressRow.hidden = true;
      progressButtons();
      if (!job.file) localStorage.setItem(LAST_MODEL, job.source);
      attached();
      break;
    case "paused":
      progressButtons({ pause: true, paused: true, cancel: true });
      showProgress({ loaded: ui.progress.value, total: job.size, paused: true }, job);
      setStatus(`Paused: ${job.name}. Resume continues where it stopped.` + keepingNow());
      break;
    case "cancelled":
      // Cancel: the download has stopped; its partial shards are forgotten.
      await forget(job);
      break;
    case "failed":
      ui.progressRow.hidden = true;
      progressButtons();
      if (isQuotaError(error)) {
        setStatus(`Could not load ${job.name}: this browser's storage is full for this page (${error.message}). What was downloaded is kept; delete cached models (Storage) or free disk space, then Load again.` + keepingNow(), "error");
      } else {
        setStatus(`Could not load ${job.name}: ${sentence(String(error?.message || error))}` + keepingNow(), "error");
      }
      break;
  }
  await refreshModels();
}

// sentence ends a message with a full stop when it has none.
const sentence = (s) => (/[.!?]$/.test(s) ? s : s + ".");

// keepingNow says which model is still in use after a load did not replace it.
function keepingNow() {
  return slot.current ? ` Still using ${modelName()}.` : "";
}

function isQuotaError(err) {
  return !!err && (err.name === "QuotaExceededError" || /quota/i.test(err.message || ""));
}

// attached tells what the new current model is and focuses the composer.
function attached() {
  const engine = engineNow();
  // One name for the model everywhere: its picker entry's.
  const how = [engine.threads > 1 ? `${engine.threads} threads` : "1 thread", engine.simd ? "SIMD" : "no SIMD"].join(", ");
  const memory = current().job.inMemory ? ` Note: ${MEMORY_NOTICE}` : "";
  setStatus(currentMode() === "completion"
    ? `${modelName()} is ready (${how}). It is a base model with no chat template: completion mode, the reply continues your text.${memory}`
    : `${modelName()} is ready (${how}).${memory}`, memory ? "warn" : "");
  refreshControls();
  ui.message.focus();
}

function pauseOrResume() {
  if (slot.load) slot.pause();
  else if (slot.paused) loadModel(slot.paused);
}

// cancelDownload stops a download (or drops a paused one) and forgets what it fetched.
async function cancelDownload() {
  const running = !!slot.load;
  const job = slot.cancel(); // a running load: loadModel forgets the job when it ends
  if (job && !running) await forget(job);
}

async function forget(job) {
  ui.progressRow.hidden = true;
  progressButtons();
  if (!job.file && !job.complete) {
    await Hearth.storage.delete(job.source).catch(() => false);
    await refreshModels();
  }
  setStatus(`Cancelled: ${job.name}.` + keepingNow());
  refreshControls();
}

function selectedJob() {
  const e = state.entries.find((x) => x.source === ui.picker.value);
  return e && { source: e.source, name: e.name, size: e.size, file: e.file };
}

// ---- conversations ----

async function save(conv) {
  conv.updated = Date.now();
  if (!state.store) return;
  try {
    await state.store.put(conv);
    localStorage.setItem(LAST_CHAT, conv.id);
  } catch (err) {
    setStatus(`Could not save the conversation: ${err.message || err}`, "error");
  }
  await refreshList();
}

async function refreshList() {
  if (!state.store) return;
  state.list = await state.store.list().catch(() => []);
  const items = state.list.map((c) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "conversation";
    if (c.id === state.conv.id) b.setAttribute("aria-current", "true");
    const t = document.createElement("span");
    t.className = "title";
    t.textContent = c.title;
    const d = document.createElement("span");
    d.className = "when";
    d.textContent = new Date(c.updated).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    b.append(t, d);
    b.addEventListener("click", () => switchTo(c.id));
    li.append(b);
    return li;
  });
  ui.conversations.replaceChildren(...items);
}

function showConversation(conv) {
  state.conv = conv;
  ui.chatTitle.textContent = conv.title;
  transcript.mode = conv.mode;
  transcript.render(conv);
  refreshControls();
}

// focusComposerUnlessMoved gives the composer the keyboard at the end of an action that
// began with focus on before, unless the person has moved it meanwhile: the action awaits
// the store, and on a slow device they may already be typing a title into Rename's field
// (taking focus from it would save the title half typed).
function focusComposerUnlessMoved(before) {
  const now = document.activeElement;
  if (!ui.message.disabled && (now === before || now === document.body || !now || !now.isConnected)) ui.message.focus();
}

async function switchTo(id) {
  const before = document.activeElement;
  await stopGeneration();
  const conv = id ? await state.store?.get(id) : null;
  showConversation(conv || newConversation());
  if (conv) localStorage.setItem(LAST_CHAT, conv.id);
  if (ui.app.classList.contains("show-sidebar")) showDrawer(false);
  await refreshList();
  focusComposerUnlessMoved(before);
}

async function newChat() {
  const before = document.activeElement;
  await stopGeneration();
  localStorage.removeItem(LAST_CHAT);
  showConversation(newConversation());
  await refreshList();
  focusComposerUnlessMoved(before);
}

function startRename() {
  const conv = state.conv;
  const input = document.createElement("input");
  input.type = "text";
  input.value = conv.title;
  input.className = "rename";
  input.setAttribute("aria-label", "Conversation title");
  let done = false;
  const finish = async (keep) => {
    if (done) return;
    done = true;
    const title = input.value.trim();
    // Focus goes back to Rename now, and only from the title field: after the save it
    // would take the keyboard from wherever the person went meanwhile (typing a message:
    // a space then pressed Rename and the rest of the message became the title).
    const hadFocus = document.activeElement === input;
    input.replaceWith(ui.chatTitle);
    if (hadFocus) ui.rename.focus();
    if (keep && title && title !== conv.title) {
      conv.title = title;
      conv.renamed = true; // a title of the person's: the first message no longer sets it
      ui.chatTitle.textContent = title;
      await save(conv);
    }
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      finish(true);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      finish(false);
    }
  });
  input.addEventListener("blur", () => finish(true));
  ui.chatTitle.replaceWith(input);
  input.focus();
  input.select();
}

let deleteArmed = null;
async function deleteChat() {
  if (!deleteArmed) {
    // The first press asks; a second press within 4 s deletes.
    ui.deleteChat.textContent = "Delete for good?";
    deleteArmed = setTimeout(() => {
      deleteArmed = null;
      ui.deleteChat.textContent = "Delete";
    }, 4000);
    return;
  }
  clearTimeout(deleteArmed);
  deleteArmed = null;
  ui.deleteChat.textContent = "Delete";
  await stopGeneration();
  const id = state.conv.id;
  await state.store?.delete(id).catch(() => {});
  localStorage.removeItem(LAST_CHAT);
  await refreshList();
  const next = state.list[0];
  if (next) await switchTo(next.id);
  else showConversation(newConversation());
  setStatus("Conversation deleted.");
}

function exportChat(kind) {
  const conv = state.conv;
  if (kind === "md") download(toMarkdown(conv), fileName(conv.title, "md"), "text/markdown;charset=utf-8");
  else download(toJSON(conv), fileName(conv.title, "json"), "application/json");
}

// ---- chatting ----

const keptStats = ["prompt_tokens", "cached_tokens", "generated_tokens", "prefill_tps", "decode_tps", "trimmed_messages", "stop_reason",
  "max_tokens", "capped_from", "context_size"];

// replyBudget is a reply's max tokens: the setting, but in a chat at most half the model's
// context, so a long reply leaves room for the conversation before it (a base model's
// continuation has no conversation to keep). {max_tokens, capped_from (the setting, when
// capped), context_size}.
function replyBudget(maxTokens, contextSize, mode) {
  const out = { max_tokens: maxTokens, context_size: contextSize || 0 };
  if (mode === "chat" && contextSize > 0 && maxTokens > Math.floor(contextSize / 2)) {
    out.max_tokens = Math.floor(contextSize / 2);
    out.capped_from = maxTokens;
  }
  return out;
}

function pickStats(st) {
  if (!st) return null;
  const o = {};
  for (const k of keptStats) if (st[k] !== undefined) o[k] = st[k];
  return o;
}

async function send() {
  const text = ui.message.value;
  if (!engineNow() || state.gen || text.trim() === "") return;
  ui.message.value = "";
  const conv = state.conv;
  if (conv.messages.length === 0) {
    if (!conv.renamed) conv.title = titleFrom(text);
    conv.mode = currentMode();
    ui.chatTitle.textContent = conv.title;
  }
  conv.messages.push({ role: "user", content: text });
  transcript.mode = conv.mode;
  transcript.addUser(text, { editable: true });
  refreshControls();
  await save(conv);
  await reply();
}

// reply streams the model's answer to the conversation so far into a new reply view.
async function reply() {
  const conv = state.conv;
  const engine = engineNow();
  const mode = currentMode();
  const last = conv.messages[conv.messages.length - 1];
  if (!engine || !last || last.role !== "user") return;
  conv.model = { name: modelName(), source: current().job.source || current().job.name };
  conv.system = mode === "chat" ? settings.values.system : "";
  const view = transcript.addReply({ last: true });
  view.setPending(true);
  const controller = new AbortController();
  let ended;
  state.gen = { controller, view, done: new Promise((r) => { ended = r; }) };
  refreshControls();
  let stats = null;
  let error = "";
  const budget = replyBudget(settings.values.max_tokens, engine.model?.context_size, mode);
  const req = { ...settings.request(), max_tokens: budget.max_tokens, stream: true, signal: controller.signal };
  try {
    const stream = mode === "completion"
      ? await engine.completions.create({ ...req, prompt: last.content })
      : await engine.chat.completions.create({ ...req, messages: chatMessages(conv) });
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (chunk.hearth) stats = chunk.hearth;
      if (c.text) view.append(c.text);
      if (c.delta?.reasoning_content) view.appendReasoning(c.delta.reasoning_content);
      if (c.delta?.content) view.append(c.delta.content);
    }
  } catch (err) {
    if (err && err.name === "AbortError") stats = err.hearth || { stop_reason: "cancelled" };
    else error = err?.message || String(err);
  }
  if (stats) stats = { ...stats, ...budget };
  // A message the context cannot hold: say how big the context is and what to do; a
  // Regenerate would fail the same way.
  const tooLong = /too long for the model's context/.test(error);
  if (tooLong) error = tooLongMessage(engine, budget, mode);
  view.finish(stats, error, !tooLong);
  if (!error || view.text() !== "") {
    const msg = { role: "assistant", content: view.text() };
    if (view.reasoning()) msg.reasoning = view.reasoning();
    const st = pickStats(stats);
    if (st) msg.stats = st;
    if (error) msg.error = error;
    if (tooLong) msg.retry = false;
    conv.messages.push(msg);
  }
  state.gen = null;
  ended();
  refreshControls();
  if (conv === state.conv) await save(conv);
  if (document.activeElement === document.body || document.activeElement === ui.stop) ui.message.focus();
}

// tooLongMessage explains, with the numbers, a message the model's context cannot hold.
function tooLongMessage(engine, budget, mode) {
  const ctx = engine.model?.context_size || budget.context_size || 0;
  const what = ctx > 0 ? `${modelName()}'s context of ${ctx} tokens` : `${modelName()}'s context`;
  if (mode === "completion") {
    return `The text is too long for ${what}: the prompt alone must be shorter than that. Edit it to shorten it.`;
  }
  const reserve = Math.min(Math.max(budget.max_tokens, 64), Math.floor(ctx / 4));
  return `The message is too long for ${what}: with ${reserve} tokens kept for the reply, it must fit in ${ctx - reserve} tokens (about ${Math.round((ctx - reserve) * 3.5)} characters of English). Edit it to shorten it.`;
}

function chatMessages(conv) {
  const out = [];
  if (conv.system) out.push({ role: "system", content: conv.system });
  for (const m of conv.messages) out.push({ role: m.role, content: m.content });
  return out;
}

// genDone resolves when no reply is being written.
async function genDone() {
  while (state.gen) await state.gen.done;
}

async function stopGeneration() {
  const g = state.gen;
  if (!g) return;
  g.view.flush();
  g.controller.abort();
  while (state.gen === g) await new Promise((r) => setTimeout(r, 10));
}

async function regenerate() {
  if (!engineNow() || state.gen) {
    if (!engineNow()) setStatus("Load a model to regenerate the reply.", "warn");
    return;
  }
  const conv = state.conv;
  if (conv.messages.length && conv.messages[conv.messages.length - 1].role === "assistant") conv.messages.pop();
  transcript.render(conv);
  await reply();
}

async function editLast(text) {
  if (!engineNow() || state.gen) {
    if (!engineNow()) setStatus("Load a model to resend the message.", "warn");
    return;
  }
  const conv = state.conv;
  let i = conv.messages.length - 1;
  while (i >= 0 && conv.messages[i].role !== "user") i--;
  if (i < 0) return;
  conv.messages.splice(i);
  conv.messages.push({ role: "user", content: text });
  if (i === 0 && !conv.renamed) {
    conv.title = titleFrom(text);
    ui.chatTitle.textContent = conv.title;
  }
  transcript.render(conv);
  await save(conv);
  await reply();
}

// ---- storage panel ----

async function showStorage() {
  ui.storageSummary.textContent = "Reading the cache…";
  ui.cached.replaceChildren();
  if (!ui.storage.open) ui.storage.showModal();
  let info;
  let models;
  try {
    [info, models] = await Promise.all([Hearth.storage.info(), Hearth.storage.list()]);
  } catch (err) {
    ui.storageSummary.textContent = `Could not read the cache: ${err.message || err}`;
    return;
  }
  const parts = [`This page stores ${formatBytes(info.usage)}`];
  if (info.quota > 0) parts.push(`of the ${formatBytes(info.quota)} the browser allows`);
  ui.storageSummary.textContent = parts.join(" ") + ". " +
    (info.persisted ? "The browser keeps it under storage pressure (persistent)." : "The browser may evict it when space runs low (not persistent).");
  if (models.length === 0) {
    const li = document.createElement("li");
    li.className = "hint";
    li.textContent = "No models are downloaded.";
    ui.cached.append(li);
    return;
  }
  for (const m of models) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = m.name;
    const size = document.createElement("span");
    size.className = "size";
    size.textContent = m.complete ? formatBytes(m.bytes) : `${formatBytes(m.bytes)} of ${formatBytes(m.total)} (partial)`;
    const del = document.createElement("button");
    del.type = "button";
    del.className = "secondary small";
    del.textContent = "Delete";
    del.setAttribute("aria-label", `Delete ${m.name}`);
    const loadingThis = slot.load && slot.load.job.source === m.source;
    del.disabled = !!loadingThis;
    del.addEventListener("click", async () => {
      del.disabled = true;
      await Hearth.storage.delete(m.manifestURL).catch((err) => setStatus(`Could not delete ${m.name}: ${err.message}`, "error"));
      if (slot.paused && slot.paused.source === m.source) {
        slot.cancel();
        ui.progressRow.hidden = true;
        progressButtons();
      }
      await refreshModels();
      await showStorage();
    });
    li.append(name, size, del);
    ui.cached.append(li);
  }
}

// ---- events ----

ui.load.addEventListener("click", () => {
  const job = selectedJob();
  if (job) loadModel(job);
});
ui.openFile.addEventListener("click", () => ui.file.click());
ui.file.addEventListener("change", () => {
  const f = ui.file.files && ui.file.files[0];
  ui.file.value = "";
  if (f) loadModel({ file: f, source: `file:${f.name}:${f.size}:${f.lastModified}`, name: f.name, size: f.size, cached: 0 });
});
let probed = null;
ui.urlForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  probed = null;
  ui.urlLoad.hidden = true;
  ui.urlInfo.classList.remove("error");
  ui.urlInfo.textContent = "Asking the host…";
  try {
    const p = await Hearth.probe(ui.url.value.trim());
    probed = p;
    ui.urlInfo.textContent = `${p.name}: ${formatBytes(p.size)}` +
      (p.verified === false ? " (a raw file: its bytes cannot be checked against a manifest)" : "");
    ui.urlLoad.hidden = false;
    ui.urlLoad.focus();
  } catch (err) {
    ui.urlInfo.textContent = err.message || String(err);
    ui.urlInfo.classList.add("error");
  }
});
ui.url.addEventListener("input", () => {
  probed = null;
  ui.urlLoad.hidden = true;
});
ui.urlLoad.addEventListener("click", () => {
  if (probed) loadModel({ source: probed.url, name: probed.name, size: probed.size });
});
ui.pause.addEventListener("click", pauseOrResume);
ui.cancelDownload.addEventListener("click", cancelDownload);

ui.form.addEventListener("submit", (e) => {
  e.preventDefault();
  send();
});
// Enter sends, Shift+Enter is a new line. A keyboard whose Enter still inserts a line break
// after keydown was cancelled (some virtual keyboards and synthetic key events do) is
// stopped at beforeinput.
let enterSent = false;
ui.message.addEventListener("keydown", (e) => {
  enterSent = false;
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    enterSent = true;
    send();
  }
});
ui.message.addEventListener("beforeinput", (e) => {
  if (enterSent && (e.inputType === "insertLineBreak" || e.inputType === "insertParagraph")) e.preventDefault();
});
ui.message.addEventListener("keyup", () => {
  enterSent = false;
});
ui.stop.addEventListener("click", () => stopGeneration());
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && state.gen && !document.querySelector("dialog[open]")) {
    e.preventDefault();
    stopGeneration();
  }
});

ui.newChat.addEventListener("click", newChat);
ui.rename.addEventListener("click", startRename);
ui.deleteChat.addEventListener("click", deleteChat);
ui.exportMD.addEventListener("click", () => exportChat("md"));
ui.exportJSON.addEventListener("click", () => exportChat("json"));
// On a narrow screen the conversation list is a drawer: Chats opens it; Esc, a click
// outside it or picking a conversation closes it.
function showDrawer(open) {
  ui.app.classList.toggle("show-sidebar", open);
  ui.toggleChats.setAttribute("aria-expanded", String(open));
  if (open) (ui.conversations.querySelector("[aria-current]") || ui.newChat).focus();
}
ui.toggleChats.addEventListener("click", () => showDrawer(!ui.app.classList.contains("show-sidebar")));
document.addEventListener("click", (e) => {
  if (ui.app.classList.contains("show-sidebar") && !$("sidebar").contains(e.target) && !ui.toggleChats.contains(e.target)) {
    showDrawer(false);
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && ui.app.classList.contains("show-sidebar")) {
    showDrawer(false);
    ui.toggleChats.focus();
  }
});

ui.openSettings.addEventListener("click", () => {
  fillSettings();
  ui.settings.showModal();
});
ui.openStorage.addEventListener("click", showStorage);
ui.storageClose.addEventListener("click", () => ui.storage.close());

// HearthPage lets a script on this page chat through the page with an engine it loaded
// itself with Hearth.load (another worker, a context size of its choosing).
window.HearthPage = {
  async use(engine) {
    if (slot.load || state.gen) throw new Error("the page is busy");
    ui.progressRow.hidden = true;
    await slot.adopt(engine, { name: engine.id, source: String(engine.source) });
    attached();
  },
  get engine() {
    return engineNow();
  },
};

// ---- start ----

async function start() {
  refreshControls();
  try {
    state.store = await ConversationStore.open();
  } catch (err) {
    // IndexedDB refused (a private window, blocked site data): the chat still works.
    console.info("hearth: conversations are not stored:", err);
    setStatus("This browser does not let this page store conversations: they last while the page is open.", "warn");
  }
  if (state.store) {
    const last = localStorage.getItem(LAST_CHAT);
    const conv = last ? await state.store.get(last).catch(() => null) : null;
    if (conv) showConversation(conv);
    await refreshList();
  }
  try {
    state.served = await fetchModelIndex(abs(assets.models));
  } catch (err) {
    setStatus(`Could not read the model list: ${err.message || err}`, "error");
  }
  // the model catalog (catalog.js), and the card under the picker: size, fit, speed here
  await loadCatalog(abs("catalog.json"));
  new ModelCard(ui.picker, { entries: () => state.entries, threads: () => settings.values.threads });
  await refreshModels();
  if (state.entries.length === 0) {
    if (!ui.status.textContent) setStatus("No models on this host yet: open a .gguf file or load one from a URL.");
    return;
  }
  await resumeLastModel();
}

// resumeLastModel loads the model of the last visit by itself when this browser holds all
// of it (Settings: "Load the last model when the page opens"), and otherwise says what to do.
async function resumeLastModel() {
  if (slot.load || slot.current) return;
  const last = localStorage.getItem(LAST_MODEL);
  const entry = last && state.entries.find((e) => e.source === last);
  const next = "Pick a model and press Load.";
  if (!entry) {
    if (!ui.status.textContent) setStatus(next);
    return;
  }
  if (!entry.complete) {
    setStatus(`You used ${entry.name} last time; it is not fully downloaded in this browser. Press Load to download it.`);
    return;
  }
  if (!settings.values.auto_load) {
    setStatus(`${entry.name} is downloaded: press Load to use it (loading it by itself is off in Settings).`);
    return;
  }
  ui.picker.value = entry.source;
  await loadModel(selectedJob(), `Loading ${entry.name}, the model you used last time, from this browser's storage… (Settings can turn this off.)`);
}

start();
