// The messages between <hearth-chat> (widget.js, on the host page) and the embed page
// (embed.html, in the iframe, on the Hearth origin). Every message is a plain object with
// hearth: PROTOCOL and a type; each side posts only to the other's exact origin, hears only
// the other's window from that origin, and passes what it hears through a checker below,
// which returns the fields it knows (checked) or null. Anything else is dropped.
//
// host -> embed: send {id, text, options}, reset, config {system, placeholder, greeting,
//                theme, accent}, focus
// embed -> host: hello (listening), progress {loaded, total}, ready {model, name, baseModel,
//                threads, stored (false: storage refused, the model runs from memory)}, message {id, text, stopReason} (the reply to send #id), error
//                {id (a send's, or null), message}, close (the user pressed Escape)

import { OPTIONS as LIMITS, checkOption } from "../app/ranges.js";

export const PROTOCOL = "hearth-chat/1";

// MAX_TEXT bounds one message's text, either way (characters).
export const MAX_TEXT = 100000;

// OPTIONS are the generation options send() may pass, by name; their ranges are the
// engine's (internal/limits, one table for the app, the JS API, the worker and here).
export const OPTIONS = Object.fromEntries(
  ["maxTokens", "temperature", "topK", "topP", "minP", "repeatPenalty", "presencePenalty", "frequencyPenalty", "seed"].map((k) => [k, LIMITS[k]]),
);

// CONFIG are the settings the host passes on (attribute system-prompt → system, …).
export const CONFIG = ["system", "placeholder", "greeting", "theme", "accent"];
const MAX_CONFIG = 10000;

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const isStr = (v, max = MAX_TEXT) => typeof v === "string" && v.length <= max;
const isID = (v) => Number.isSafeInteger(v) && v > 0;

// isPlain says whether v is an ordinary object (what structured clone makes of {...}).
export function isPlain(v) {
  return v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
}

// checkOptions returns the options, checked; it throws a TypeError or RangeError naming the
// first bad one.
export function checkOptions(o) {
  const out = {};
  if (o === undefined || o === null) return out;
  if (!isPlain(o)) throw new TypeError("options must be an object");
  for (const [k, v] of Object.entries(o)) {
    if (k === "responseFormat" || k === "response_format") {
      out.responseFormat = checkResponseFormat(v);
      continue;
    }
    const opt = Object.hasOwn(OPTIONS, k) ? OPTIONS[k] : null;
    if (!opt) throw new TypeError(`unknown option ${k}`);
    out[k] = checkOption(opt, k, v);
  }
  return out;
}

// checkResponseFormat checks OpenAI's response_format: {type: "text"}, {type:
// "json_object"} or {type: "json_schema", json_schema: {name, schema, strict}}.
function checkResponseFormat(v) {
  const bad = () => new TypeError('responseFormat must be {type: "text" | "json_object"} or {type: "json_schema", json_schema: {schema}}');
  if (!isPlain(v)) throw bad();
  if (v.type === "text" || v.type === "json_object") return { type: v.type };
  if (v.type !== "json_schema" || !isPlain(v.json_schema) || !isPlain(v.json_schema.schema)) throw bad();
  let text;
  try {
    text = JSON.stringify(v.json_schema.schema);
  } catch {
    throw bad();
  }
  if (text.length > MAX_TEXT) throw new RangeError(`responseFormat's schema is longer than ${MAX_TEXT} characters`);
  return { type: "json_schema", json_schema: { schema: JSON.parse(text) } };
}

function checkConfig(m) {
  const c = {};
  for (const k of CONFIG) {
    if (m[k] === undefined) continue;
    if (!isStr(m[k], MAX_CONFIG)) return null;
    c[k] = m[k];
  }
  return c;
}

// fromHost checks a message the embed page got from the host page.
export function fromHost(m) {
  if (!isPlain(m) || m.hearth !== PROTOCOL) return null;
  switch (m.type) {
    case "send": {
      if (!isID(m.id) || !isStr(m.text) || m.text.trim() === "") return null;
      let options;
      try {
        options = checkOptions(m.options);
      } catch {
        return null;
      }
      return { type: m.type, id: m.id, text: m.text, options };
    }
    case "reset":
    case "focus":
      return { type: m.type };
    case "config": {
      const c = checkConfig(m);
      return c && { type: m.type, ...c };
    }
  }
  return null;
}

// fromFrame checks a message the element got from the embed page.
export function fromFrame(m) {
  if (!isPlain(m) || m.hearth !== PROTOCOL) return null;
  switch (m.type) {
    case "hello":
    case "close":
      return { type: m.type };
    case "progress":
      if (!isNum(m.loaded) || !isNum(m.total) || m.loaded < 0 || m.total < 0) return null;
      return { type: m.type, loaded: m.loaded, total: m.total };
    case "ready":
      if (!isStr(m.model, 200) || !isStr(m.name, 200) || typeof m.baseModel !== "boolean" || !isNum(m.threads) || typeof m.stored !== "boolean") return null;
      return { type: m.type, model: m.model, name: m.name, baseModel: m.baseModel, threads: m.threads, stored: m.stored };
    case "message":
      if (!isID(m.id) || !isStr(m.text) || !isStr(m.stopReason, 40)) return null;
      return { type: m.type, id: m.id, text: m.text, stopReason: m.stopReason };
    case "error":
      if (!isStr(m.message, 2000) || (m.id !== null && !isID(m.id))) return null;
      return { type: m.type, id: m.id, message: m.message };
  }
  return null;
}
