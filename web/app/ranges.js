// The generation options' ranges and defaults, from the one source in Go (internal/limits,
// emitted by web/build as the module "hearth:limits"), and the one check every layer of
// the front end runs: the settings panel, the widget's send(), the JS API (through the
// worker, which checks the same table in Go with the same words).

import { OPTIONS } from "hearth:limits";

export { DEFAULT_CONTEXT, OPTIONS, WASM_MEMORY } from "hearth:limits";

// byKey finds an option by its JS API / settings name ("top_p").
export function byKey(key) {
  return Object.values(OPTIONS).find((o) => o.key === key) || null;
}

// checkOption returns v when it is in the option's range, else throws a RangeError naming
// it as field: "topP must be a number from 0.01 to 1, not 2".
export function checkOption(opt, field, v) {
  if (typeof v !== "number" || Number.isNaN(v) || v < opt.min || v > opt.max || (opt.whole && !Number.isInteger(v))) {
    throw new RangeError(`${field} must be ${opt.whole ? "a whole number" : "a number"} from ${opt.min} to ${opt.max}, not ${String(v)}`);
  }
  return v;
}
