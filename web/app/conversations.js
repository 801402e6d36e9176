// Conversations, kept in IndexedDB (database "hearth", store "conversations"), and their
// export as Markdown or JSON.
//
// A conversation: {id, title, created, updated (ms since 1970), model: {name, source} | null,
//   mode: "chat" | "completion", system: string, messages: [{role: "user" | "assistant",
//   content, reasoning?, stats?}]}

const DB = "hearth";
const STORE = "conversations";

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export class ConversationStore {
  static async open() {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) {
        db.createObjectStore(STORE, { keyPath: "id" }).createIndex("updated", "updated");
      }
    };
    return new ConversationStore(await request(req));
  }

  constructor(db) {
    this.db = db;
  }

  #store(mode) {
    return this.db.transaction(STORE, mode).objectStore(STORE);
  }

  // list returns every conversation, the most recently updated first.
  async list() {
    const all = await request(this.#store("readonly").getAll());
    return all.sort((a, b) => b.updated - a.updated);
  }

  get(id) {
    return request(this.#store("readonly").get(id));
  }

  // put saves a conversation (a structured clone of it).
  async put(conv) {
    await request(this.#store("readwrite").put(conv));
  }

  async delete(id) {
    await request(this.#store("readwrite").delete(id));
  }
}

export function newConversation() {
  const now = Date.now();
  const id = globalThis.crypto?.randomUUID ? crypto.randomUUID() : `c${now.toString(36)}${Math.random().toString(36).slice(2)}`;
  return { id, title: "New chat", created: now, updated: now, model: null, mode: "chat", system: "", messages: [] };
}

// titleFrom makes a conversation's title from its first message: the first line, cut at a
// word near 48 characters.
export function titleFrom(text) {
  const line = String(text).trim().split("\n")[0].replace(/\s+/g, " ");
  if (line.length <= 48) return line || "New chat";
  const cut = line.slice(0, 48);
  const sp = cut.lastIndexOf(" ");
  return (sp > 24 ? cut.slice(0, sp) : cut) + "…";
}

// CONTROL matches what a Markdown file must not carry raw: C0 controls but tab and
// newline (a carriage return, an escape sequence that recolours a terminal, a bell), DEL,
// C1 controls, and the bidirectional overrides and isolates that reorder what a reader sees.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

// plain makes model or user text safe to write into a Markdown file: CRLF and CR become
// newlines, every other control character shows as its escape (\u001B).
export function plain(s) {
  return String(s ?? "").replace(/\r\n?/g, "\n").replace(CONTROL, (c) => "\\u" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0"));
}

// toMarkdown writes a conversation as Markdown: the title, the model, then each message
// under a "## You" / "## Hearth" heading (a base model's turns are "Prompt" and
// "Continuation"); reasoning goes in a quoted "Thinking" block before its answer. Control
// characters are escaped (plain); the title and the model's name stay on their line.
export function toMarkdown(conv) {
  const completion = conv.mode === "completion";
  const line = (s) => plain(s).replace(/\s*\n\s*/g, " ");
  const out = [`# ${line(conv.title) || "Conversation"}`, ""];
  if (conv.model?.name) out.push(`Model: ${line(conv.model.name)}${completion ? " (completion mode)" : ""}`, "");
  if (conv.system) out.push("## System", "", plain(conv.system), "");
  for (const m of conv.messages) {
    const who = m.role === "user" ? (completion ? "Prompt" : "You") : (completion ? "Continuation" : "Hearth");
    out.push(`## ${who}`, "");
    if (m.reasoning) {
      out.push("> **Thinking**", ">", ...plain(m.reasoning).trim().split("\n").map((l) => (l ? `> ${l}` : ">")), "");
    }
    out.push(plain(m.content), "");
  }
  return out.join("\n");
}

// toJSON writes a conversation as JSON, messages in the OpenAI {role, content} shape.
export function toJSON(conv) {
  const messages = [];
  if (conv.system) messages.push({ role: "system", content: conv.system });
  for (const m of conv.messages) {
    const o = { role: m.role, content: m.content };
    if (m.reasoning) o.reasoning_content = m.reasoning;
    if (m.stats) o.stats = m.stats;
    messages.push(o);
  }
  return JSON.stringify({
    title: conv.title, created: new Date(conv.created).toISOString(), updated: new Date(conv.updated).toISOString(),
    model: conv.model, mode: conv.mode, messages,
  }, null, 2) + "\n";
}

// fileName makes a download name from a title: "Once upon a time.md" → "once-upon-a-time.md".
export function fileName(title, ext) {
  const base = String(title || "conversation").toLowerCase().normalize("NFKD")
    .replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 60);
  return `${base || "conversation"}.${ext}`;
}

// download offers text as a file through a Blob URL.
export function download(text, name, type) {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
