// Settings: the system prompt and the sampling options, kept per browser in localStorage
// and bound to the settings panel's form (index.templ: inputs named like the keys below).

import { byKey, checkOption } from "./ranges.js";

export const STORAGE_KEY = "hearth.settings.v1";

// The panel's numeric options, by their keys; their ranges and defaults are the engine's
// (internal/limits, through ranges.js): llama.cpp's chat defaults and a reply length.
const PANEL = ["temperature", "top_p", "top_k", "min_p", "repeat_penalty", "max_tokens", "seed"];

// DEFAULTS: seed "" means a fresh random seed for every reply; threads 0 means automatic.
export const DEFAULTS = Object.freeze({
  system: "",
  ...Object.fromEntries(PANEL.filter((k) => byKey(k).default !== null).map((k) => [k, byKey(k).default])),
  seed: "",
  threads: 0,
  auto_load: true, // load the last model by itself when the page opens and it is downloaded
});

// THREADS is the one setting that is not a generation option: the worker's thread count.
const THREADS = { key: "threads", label: "Threads", min: 0, max: 64, whole: true };

// check returns the value of key parsed from a form string, or throws a readable error
// that names the field by its label, the same for every field.
export function check(key, raw) {
  if (key === "system") return String(raw);
  if (key === "auto_load") return raw === true || raw === "true" || raw === "on";
  const s = String(raw).trim();
  if (key === "seed" && s === "") return "";
  const opt = key === "threads" ? THREADS : PANEL.includes(key) ? byKey(key) : null;
  if (!opt) throw new Error(`unknown setting ${key}`);
  const v = s === "" ? NaN : Number(s);
  if (!Number.isFinite(v)) throw new RangeError(`${opt.label} must be ${opt.whole ? "a whole number" : "a number"} from ${opt.min} to ${opt.max}${s === "" ? "; it is empty" : `, not ${s}`}`);
  return checkOption(opt, opt.label, v);
}

export class Settings {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.values = { ...DEFAULTS };
    this.listeners = [];
    try {
      const saved = JSON.parse(storage?.getItem(STORAGE_KEY) || "{}");
      for (const k of Object.keys(DEFAULTS)) {
        if (saved[k] === undefined) continue;
        try {
          this.values[k] = check(k, saved[k]);
        } catch {
          // A stored value the rules no longer accept falls back to the default.
        }
      }
    } catch {
      // Unreadable storage: the defaults.
    }
  }

  set(key, value) {
    this.values[key] = check(key, value);
    this.#save();
  }

  reset() {
    this.values = { ...DEFAULTS };
    this.#save();
  }

  onChange(fn) {
    this.listeners.push(fn);
  }

  #save() {
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.values));
    } catch {
      // Private mode or a full quota: the settings last for this page only.
    }
    for (const fn of this.listeners) fn(this.values);
  }

  // request returns the sampling fields of a Hearth API request.
  request() {
    const v = this.values;
    const r = {
      temperature: v.temperature, top_p: v.top_p, top_k: v.top_k, min_p: v.min_p,
      repeat_penalty: v.repeat_penalty, max_tokens: v.max_tokens,
    };
    if (v.seed !== "") r.seed = v.seed;
    return r;
  }
}

// bindForm fills the form from the settings and saves every valid edit as it is typed.
// Every field is checked the same way on every edit: each invalid one is marked
// (aria-invalid) and all their errors are listed at once in errorEl, one line each; the
// valid ones are saved.
export function bindForm(form, settings, errorEl, resetButton) {
  const fields = () => Object.keys(DEFAULTS).map((k) => form.elements.namedItem(k)).filter(Boolean);
  const fill = () => {
    for (const el of fields()) {
      if (el.type === "checkbox") el.checked = !!settings.values[el.name];
      else el.value = String(settings.values[el.name]);
      el.removeAttribute("aria-invalid");
    }
    for (const e of form.querySelectorAll(".field-error")) e.hidden = true;
    errorEl.replaceChildren();
  };
  // A field's range is the engine's: the browser's own min/max/step hints agree.
  for (const el of fields()) {
    const opt = el.name === "threads" ? THREADS : PANEL.includes(el.name) ? byKey(el.name) : null;
    if (!opt || el.type !== "number") continue;
    el.min = String(opt.min);
    el.max = String(opt.max);
    if (opt.step) el.step = String(opt.step);
  }
  // Each field's error also shows under it (small.field-error), where the eye is.
  const fieldError = (el) => {
    const box = el.closest(".field");
    if (!box) return null;
    let e = box.querySelector(".field-error");
    if (!e) {
      e = document.createElement("small");
      e.className = "field-error";
      e.hidden = true;
      box.append(e);
    }
    return e;
  };
  form.addEventListener("input", (e) => {
    if (!e.target.name || !(e.target.name in DEFAULTS)) return;
    const errors = [];
    for (const el of fields()) {
      const shown = fieldError(el);
      try {
        const v = check(el.name, el.type === "checkbox" ? el.checked : el.value);
        if (settings.values[el.name] !== v) settings.set(el.name, v);
        el.removeAttribute("aria-invalid");
        if (shown) shown.hidden = true;
      } catch (err) {
        el.setAttribute("aria-invalid", "true");
        errors.push(err.message);
        if (shown) {
          shown.textContent = err.message;
          shown.hidden = false;
        }
      }
    }
    errorEl.replaceChildren(...errors.map((m) => Object.assign(document.createElement("span"), { textContent: m })));
  });
  resetButton.addEventListener("click", () => {
    settings.reset();
    fill();
  });
  fill();
  return fill;
}
