// widget.js: the <hearth-chat> custom element, Hearth's embeddable chat. A site adds
//
//   <script src="https://HEARTH-HOST/widget.js" defer></script>
//   <hearth-chat mode="bubble" greeting="Hi! Ask me anything."></hearth-chat>
//
// and gets a private, on-device chat. The chat itself runs in an iframe of the Hearth host's
// embed page (embed.html): the engine, its worker, the downloaded model and the conversation
// live on the Hearth origin, out of the host page's reach. The element is only the frame
// around it (a launcher and a panel in bubble mode, a box in inline mode) and a small API:
//
//   el.open(), el.close(), el.send(text, options) → Promise<reply text>, el.reset()
//   events: hearth-ready, hearth-progress, hearth-message, hearth-error (detail objects)
//
// The element and the iframe talk by postMessage; both sides check the other's window, its
// origin and the message's shape, and drop anything else. Nothing but the element's name
// becomes global; its styles live in a closed Shadow DOM as a constructed style sheet (the
// build puts widget.css in HEARTH_WIDGET_CSS), so a host CSP without 'unsafe-inline' works.
/* global HEARTH_WIDGET_CSS */

import { readableOn, validColor } from "./color.js";
import { MAX_TEXT, PROTOCOL, checkOptions, fromFrame } from "./protocol.js";

const TAG = "hearth-chat";

// Where this script came from: the default Hearth host. Read now: currentScript is only set
// while a classic script first runs.
const scriptURL = document.currentScript && document.currentScript.src;

const css = typeof HEARTH_WIDGET_CSS === "string" ? HEARTH_WIDGET_CSS : "";
let sheet = null; // one constructed sheet, shared by every instance

function adoptStyles(root) {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    root.adoptedStyleSheets = [sheet];
    return;
  }
  // Old browsers: a <style> element (a strict host CSP blocks it there).
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style);
}

const SVG = "http://www.w3.org/2000/svg";

// icon builds a stroked SVG icon from path data (no markup parsing anywhere).
function icon(paths) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d);
    svg.append(p);
  }
  return svg;
}

const chatIcon = ["M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z", "M8.5 11h7", "M8.5 14h4.5"];
const closeIcon = ["M6 6l12 12", "M18 6L6 18"];

// The attributes passed on to the embed page, by their names there (protocol.js CONFIG).
const PASSED = { "system-prompt": "system", placeholder: "placeholder", greeting: "greeting", theme: "theme", accent: "accent" };
const THEMES = new Set(["light", "dark", "auto"]);

class HearthChat extends HTMLElement {
  static observedAttributes = ["src", "model", "mode", "theme", "accent", "system-prompt", "placeholder", "greeting"];

  #shadow;
  #root; // the wrapper: mode and theme classes
  #panel;
  #bar;
  #title;
  #launcher;
  #frameBox;
  #frame = null; // the iframe, made on first use
  #origin = ""; // the Hearth host's origin: the only one whose messages count
  #hello = false; // the embed page answered: messages may be posted to it
  #outbox = []; // messages waiting for hello
  #ready = false;
  #info = null;
  #nextId = 1;
  #replies = new Map(); // send id -> {resolve, reject}
  #helloTimer = 0;
  #onMessage = (e) => this.#receive(e);

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: "closed" });
    adoptStyles(this.#shadow);
    this.#root = document.createElement("div");
    this.#root.className = "root";
    this.#launcher = document.createElement("button");
    this.#launcher.type = "button";
    this.#launcher.className = "launcher";
    this.#launcher.setAttribute("aria-label", "Open the chat");
    this.#launcher.setAttribute("aria-expanded", "false");
    this.#launcher.append(icon(chatIcon));
    this.#launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    this.#panel = document.createElement("div");
    this.#panel.className = "panel";
    this.#panel.setAttribute("role", "dialog");
    this.#panel.setAttribute("aria-label", "Chat");
    this.#bar = document.createElement("div");
    this.#bar.className = "bar";
    this.#title = document.createElement("span");
    this.#title.className = "title";
    this.#title.textContent = "Chat";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", "Close the chat");
    close.append(icon(closeIcon));
    close.addEventListener("click", () => this.close());
    this.#bar.append(this.#title, close);
    this.#frameBox = document.createElement("div");
    this.#frameBox.className = "frame";
    this.#panel.append(this.#bar, this.#frameBox);
    this.#panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.#bubble()) this.close();
    });
    this.#root.append(this.#panel, this.#launcher);
    this.#shadow.append(this.#root);
  }

  connectedCallback() {
    window.addEventListener("message", this.#onMessage);
    this.#render();
    if (!this.#bubble()) this.#ensureFrame();
  }

  // Taken out of the page, the element lets its chat go (a moved iframe reloads anyway);
  // put back, it starts a new one as connectedCallback says.
  disconnectedCallback() {
    window.removeEventListener("message", this.#onMessage);
    if (this.#frame) this.#dropFrame(new Error("hearth-chat: removed from the page"));
    this.close();
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    switch (name) {
      case "src":
      case "model":
        // Another host or model: a new embed page.
        if (this.#frame) {
          this.#dropFrame(new Error(`hearth-chat: the ${name} changed`));
          if (!this.#bubble() || this.isOpen) this.#ensureFrame();
        }
        return;
      case "mode":
        this.#render();
        if (this.isConnected && !this.#bubble()) this.#ensureFrame();
        return;
      case "theme":
      case "accent":
        this.#render();
        break;
    }
    if (PASSED[name]) this.#post({ type: "config", ...this.#config() });
  }

  // ---- API ----

  // isOpen says whether the chat is showing (always, in inline mode).
  get isOpen() {
    return !this.#bubble() || this.#root.classList.contains("open");
  }

  // ready says whether the model is loaded and the chat takes messages.
  get ready() {
    return this.#ready;
  }

  // info is what hearth-ready told ({model, name, baseModel, threads, stored}), or null before.
  get info() {
    return this.#info && { ...this.#info };
  }

  // open shows the chat (in bubble mode, the panel) and starts the embed page if needed.
  open() {
    this.#ensureFrame();
    if (this.#bubble()) {
      this.#root.classList.add("open");
      this.#panel.hidden = false;
      this.#launcher.setAttribute("aria-expanded", "true");
      this.#launcher.setAttribute("aria-label", "Close the chat");
    }
    if (this.#frame) this.#frame.focus();
    this.#post({ type: "focus" });
  }

  // close hides the bubble's panel; the conversation stays. Inline mode: nothing to do.
  close() {
    if (!this.#bubble() || !this.#root.classList.contains("open")) return;
    this.#root.classList.remove("open");
    this.#panel.hidden = true;
    this.#launcher.setAttribute("aria-expanded", "false");
    this.#launcher.setAttribute("aria-label", "Open the chat");
    this.#launcher.focus();
  }

  // send puts text in the chat as the user's message and resolves with the reply (also
  // fired as hearth-message). options: maxTokens, temperature, topK, topP, minP,
  // repeatPenalty, seed, responseFormat (OpenAI's response_format: {type: "json_object"} or
  // {type: "json_schema", json_schema: {schema}}: the reply is JSON that parses and
  // validates). Messages wait for the model to load, and for each other.
  send(text, options) {
    if (typeof text !== "string" || text.trim() === "") return Promise.reject(new TypeError("hearth-chat send(): text must be a non-empty string"));
    if (text.length > MAX_TEXT) return Promise.reject(new RangeError(`hearth-chat send(): text longer than ${MAX_TEXT} characters`));
    let opts;
    try {
      opts = checkOptions(options);
    } catch (err) {
      err.message = "hearth-chat send(): " + err.message;
      return Promise.reject(err);
    }
    this.#ensureFrame();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      this.#post({ type: "send", id, text, options: opts });
    });
  }

  // reset starts a new conversation (a reply being written is stopped).
  reset() {
    this.#post({ type: "reset" });
  }

  // ---- internals ----

  #bubble() {
    return this.getAttribute("mode") !== "inline";
  }

  #render() {
    const bubble = this.#bubble();
    const theme = THEMES.has(this.getAttribute("theme")) ? this.getAttribute("theme") : "auto";
    this.#root.className = `root ${bubble ? "bubble" : "inline"} ${theme}${bubble && this.#root.classList.contains("open") ? " open" : ""}`;
    this.#bar.hidden = !bubble;
    this.#launcher.hidden = !bubble;
    this.#panel.hidden = bubble && !this.#root.classList.contains("open");
    // Custom properties set through the CSSOM: a strict CSP allows that (not style="").
    const accent = this.getAttribute("accent");
    if (validColor(accent)) {
      this.#root.style.setProperty("--hc-accent", accent);
      const fg = this.isConnected ? readableOn(getComputedStyle(this.#launcher).backgroundColor) : "";
      if (fg) this.#root.style.setProperty("--hc-accent-fg", fg);
    } else {
      this.#root.style.removeProperty("--hc-accent");
      this.#root.style.removeProperty("--hc-accent-fg");
    }
  }

  // #host is the Hearth host's base URL: the src attribute, or where widget.js came from.
  #host() {
    const src = this.getAttribute("src") || scriptURL;
    if (!src) throw new Error("hearth-chat: no src attribute, and widget.js was not loaded by a classic <script src>");
    const u = new URL(src, document.baseURI);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(`hearth-chat: src ${u.href} is not http(s)`);
    u.search = "";
    u.hash = "";
    // ".../widget.js" means its folder; "https://host/hearth" means the folder "hearth/".
    if (u.pathname.endsWith(".js")) return new URL(".", u);
    if (!u.pathname.endsWith("/")) u.pathname += "/";
    return u;
  }

  // #config is the settings from the attributes; a removed attribute is "" (its default).
  #config() {
    const c = {};
    for (const [attr, key] of Object.entries(PASSED)) {
      const v = this.getAttribute(attr) ?? "";
      if (v.length <= 10000) c[key] = v;
    }
    return c;
  }

  #ensureFrame() {
    if (this.#frame) return;
    let host;
    try {
      host = this.#host();
    } catch (err) {
      this.#fail(null, err.message);
      return;
    }
    this.#origin = host.origin;
    const params = new URLSearchParams({ origin: location.origin, mode: this.#bubble() ? "bubble" : "inline" });
    const model = this.getAttribute("model");
    if (model) params.set("model", model);
    for (const [k, v] of Object.entries(this.#config())) if (v) params.set(k, v);
    const f = document.createElement("iframe");
    f.title = "Chat";
    // Threads need the embed page cross-origin isolated, which it can only be when the host
    // page is too (COOP + COEP) and lets the frame be; otherwise the engine runs one thread.
    f.allow = "cross-origin-isolated; clipboard-write";
    // It may run scripts on its own origin and open links in new tabs; it may not navigate
    // the host page.
    f.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox");
    // The settings go in the fragment: never sent to the server.
    f.src = new URL("embed.html#" + params, host).href;
    f.addEventListener("load", () => {
      clearTimeout(this.#helloTimer);
      if (!this.#hello) {
        this.#helloTimer = setTimeout(() => {
          if (!this.#hello && this.#frame === f) this.#fail(null, `the chat page at ${f.src.split("#")[0]} did not answer`);
        }, 5000);
      }
    });
    this.#frame = f;
    this.#hello = false;
    this.#ready = false;
    this.#frameBox.append(f);
  }

  // #dropFrame removes the iframe; replies still awaited fail with err.
  #dropFrame(err) {
    clearTimeout(this.#helloTimer);
    this.#frame.remove();
    this.#frame = null;
    this.#hello = false;
    this.#ready = false;
    this.#info = null;
    this.#outbox = [];
    for (const r of this.#replies.values()) r.reject(err);
    this.#replies.clear();
  }

  #post(m) {
    if (!this.#frame) return;
    const msg = { hearth: PROTOCOL, ...m };
    if (!this.#hello) {
      if (m.type === "config" || m.type === "focus") {
        // The embed page reads the settings from its URL; only the last of these matters.
        this.#outbox = this.#outbox.filter((o) => o.type !== m.type);
      }
      this.#outbox.push(msg);
      return;
    }
    this.#frame.contentWindow.postMessage(msg, this.#origin);
  }

  #receive(e) {
    // Only the iframe this element made, on the Hearth origin, is heard.
    if (!this.#frame || e.source !== this.#frame.contentWindow || e.origin !== this.#origin) return;
    const m = fromFrame(e.data);
    if (!m) return;
    switch (m.type) {
      case "hello": {
        this.#hello = true;
        clearTimeout(this.#helloTimer);
        const out = this.#outbox;
        this.#outbox = [];
        for (const msg of out) this.#frame.contentWindow.postMessage(msg, this.#origin);
        break;
      }
      case "close":
        this.close();
        break;
      case "progress":
        this.#emit("hearth-progress", { loaded: m.loaded, total: m.total });
        break;
      case "ready":
        this.#ready = true;
        this.#info = { model: m.model, name: m.name, baseModel: m.baseModel, threads: m.threads, stored: m.stored };
        this.#title.textContent = m.name || "Chat";
        this.#emit("hearth-ready", { ...this.#info });
        break;
      case "message": {
        const r = this.#replies.get(m.id);
        if (!r) return; // not a reply to this element's send()
        this.#replies.delete(m.id);
        this.#emit("hearth-message", { text: m.text, stopReason: m.stopReason });
        r.resolve(m.text);
        break;
      }
      case "error":
        this.#fail(m.id, m.message);
        break;
    }
  }

  #fail(id, message) {
    const r = id === null ? null : this.#replies.get(id);
    if (r) {
      this.#replies.delete(id);
      r.reject(new Error(message));
    }
    this.#emit("hearth-error", { message });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get(TAG)) customElements.define(TAG, HearthChat);
