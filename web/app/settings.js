// Settings: the system prompt and the sampling options, kept per browser in localStorage
// and bound to the settings panel's form (index.templ: inputs named like the keys below).

export const STORAGE_KEY = "hearth.settings.v1";

// DEFAULTS are llama.cpp's chat defaults (the engine's sample.DefaultOptions) plus a reply
// length; seed "" means a fresh random seed for every reply; threads 0 means automatic.
export const DEFAULTS = Object.freeze({
  system: "",
  temperature: 0.8,
  top_p: 0.95,
  top_k: 40,
  min_p: 0.05,
  repeat_penalty: 1,
  max_tokens: 512,
  seed: "",
  threads: 0,
  auto_load: true, // load the last model by itself when the page opens and it is downloaded
});

// RULES check one value each: [min, max, whole number]; the bounds are the engine's
// (wasm/request.go, engine/sample Validate) and a reply length the context can hold.
const RULES = {
  temperature: [0, 5, false],
  top_p: [0.01, 1, false],
  top_k: [0, 1000, true],
  min_p: [0, 1, false],
  repeat_penalty: [0.5, 2, false],
  max_tokens: [1, 32768, true],
  seed: [0, 2 ** 53, true],
  threads: [0, 64, true],
};

// check returns the value of key parsed from a form string, or throws a readable error.
export function check(key, raw) {
  if (key === "system") return String(raw);
  if (key === "auto_load") return raw === true || raw === "true" || raw === "on";
  const s = String(raw).trim();
  if (key === "seed" && s === "") return "";
  const rule = RULES[key];
  if (!rule) throw new Error(`unknown setting ${key}`);
  const v = Number(s);
  const [lo, hi, whole] = rule;
  if (s === "" || !Number.isFinite(v)) throw new Error(`${key.replace("_", " ")}: enter a number`);
  if (whole && !Number.isInteger(v)) throw new Error(`${key.replace("_", " ")}: enter a whole number`);
  if (v < lo || v > hi) throw new Error(`${key.replace("_", " ")}: between ${lo} and ${hi}`);
  return v;
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

// bindForm fills the form from the settings and saves every valid edit as it is typed; an
// invalid field is marked (aria-invalid) and explained in errorEl, and not saved.
export function bindForm(form, settings, errorEl, resetButton) {
  const fields = () => Object.keys(DEFAULTS).map((k) => form.elements.namedItem(k)).filter(Boolean);
  const fill = () => {
    for (const el of fields()) {
      if (el.type === "checkbox") el.checked = !!settings.values[el.name];
      else el.value = String(settings.values[el.name]);
      el.removeAttribute("aria-invalid");
    }
    errorEl.textContent = "";
  };
  form.addEventListener("input", (e) => {
    const el = e.target;
    if (!el.name || !(el.name in DEFAULTS)) return;
    try {
      settings.set(el.name, el.type === "checkbox" ? el.checked : el.value);
      el.removeAttribute("aria-invalid");
      errorEl.textContent = "";
    } catch (err) {
      el.setAttribute("aria-invalid", "true");
      errorEl.textContent = err.message;
    }
  });
  resetButton.addEventListener("click", () => {
    settings.reset();
    fill();
  });
  fill();
  return fill;
}
