// The transcript: one list item a message. Model output is untrusted text: a reply goes
// through the Markdown renderer (markdown.js: DOM nodes and text nodes only), a user's
// message in as plain text; nothing here ever sets HTML.

import { copyText, renderMarkdown } from "./markdown.js";

// describeStats is the line under a reply: tokens, speed, and why it stopped, as a
// sentence. mode: "completion" for a base model's continuation.
export function describeStats(st, mode = "chat") {
  if (!st) return "";
  const n = st.generated_tokens ?? 0;
  const parts = [`${n} ${n === 1 ? "token" : "tokens"}`];
  if (st.decode_tps > 0) parts.push(`${st.decode_tps.toFixed(1)} tokens/s`);
  if (st.prompt_tokens > 0) {
    const cached = st.cached_tokens > 0 ? `, ${st.cached_tokens} cached` : "";
    const speed = st.prefill_tps > 0 ? ` at ${Math.round(st.prefill_tps)} tokens/s` : "";
    parts.push(`prompt ${st.prompt_tokens} ${st.prompt_tokens === 1 ? "token" : "tokens"}${cached}${speed}`);
  }
  const why = stopSentence(st, mode);
  return parts.join(" · ") + (why ? `. ${why}` : "");
}

// stopSentence says why a reply ended.
export function stopSentence(st, mode = "chat") {
  switch (st?.stop_reason) {
    case "eog":
      return mode === "completion" ? "The model ended the text." : "The model finished its reply.";
    case "stop":
      return "Stopped at a stop sequence.";
    case "length":
      return st.max_tokens > 0
        ? `Stopped at the length limit of ${st.max_tokens} tokens${st.capped_from > 0 ? ` (Max tokens is ${st.capped_from}; replies get at most ${st.max_tokens} so the conversation keeps room in the model's ${st.context_size}-token context)` : " (Max tokens in Settings)"}.`
        : "Stopped at the length limit (Max tokens in Settings).";
    case "context":
      return "Stopped because the model's context is full.";
    case "cancelled":
      return "Stopped by you.";
    default:
      return "";
  }
}

// trimNotice explains a reply for which the oldest messages did not fit the context.
export function trimNotice(st) {
  const n = st?.trimmed_messages ?? 0;
  if (n <= 0) return "";
  return `The conversation is longer than the model's context: the ${n === 1 ? "oldest message was" : `${n} oldest messages were`} left out when writing this reply.`;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(text, label, onClick) {
  const b = el("button", "ghost small", text);
  b.type = "button";
  if (label) b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

export class Transcript {
  // list: the <ol>; scroller: the element that scrolls; live: an aria-live region that
  // hears a streaming reply a sentence at a time; actions: {copy, regenerate, edit}.
  constructor(list, scroller, live, actions) {
    this.list = list;
    this.scroller = scroller;
    this.live = live;
    this.actions = actions;
    this.mode = "chat";
    // follow: keep the end of the reply being written in view, until the person scrolls
    this.follow = true;
    const away = () => { this.follow = this.#atEnd(); };
    for (const ev of ["wheel", "touchmove", "keydown"]) scroller.addEventListener(ev, () => requestAnimationFrame(away), { passive: true });
  }

  clear() {
    this.list.replaceChildren();
  }

  // render shows a whole conversation; the last user message and the last reply get
  // their Edit and Regenerate buttons.
  render(conv) {
    this.mode = conv.mode;
    this.clear();
    const msgs = conv.messages;
    let lastUser = -1;
    for (let i = 0; i < msgs.length; i++) if (msgs[i].role === "user") lastUser = i;
    msgs.forEach((m, i) => {
      if (m.role === "user") {
        this.addUser(m.content, { editable: i === lastUser });
      } else {
        const v = this.addReply({ last: i === msgs.length - 1 });
        v.setReasoning(m.reasoning || "", false);
        v.setText(m.content, true);
        v.finish(m.stats, m.error, m.retry !== false);
      }
    });
    this.scrollToEnd(true);
  }

  // addUser appends a user's message; an editable one gets an Edit button.
  addUser(text, { editable = false } = {}) {
    const item = el("li", "message user");
    item.append(el("div", "role", this.mode === "completion" ? "Prompt" : "You"));
    const body = el("div", "body plain", text);
    item.append(body);
    if (editable) {
      const tools = el("div", "tools");
      tools.append(button("Edit", "Edit and resend this message", () => this.#edit(item, body, text)));
      item.append(tools);
    }
    this.#dropOldTools(".message.user .tools");
    this.list.append(item);
    this.scrollToEnd(true);
    return item;
  }

  #edit(item, body, text) {
    const form = el("form", "edit");
    const area = el("textarea");
    area.value = text;
    area.rows = Math.min(8, Math.max(2, text.split("\n").length));
    area.setAttribute("aria-label", "Edit your message");
    const send = el("button", "", "Send");
    send.type = "submit";
    const cancel = button("Cancel", "", () => {
      form.replaceWith(body);
      tools.hidden = false;
    });
    const tools = item.querySelector(".tools");
    tools.hidden = true;
    const row = el("div", "actions");
    row.append(cancel, send);
    form.append(area, row);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (area.value.trim() !== "") this.actions.edit(area.value);
    });
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        cancel.click();
      }
    });
    body.replaceWith(form);
    area.focus();
  }

  #dropOldTools(selector) {
    for (const t of this.list.querySelectorAll(selector)) t.remove();
  }

  // addReply appends a reply and returns its view, to be filled while it streams.
  addReply({ last = true } = {}) {
    const completion = this.mode === "completion";
    const item = el("li", "message assistant" + (completion ? " completion" : ""));
    item.append(el("div", "role", completion ? "Continuation" : "Hearth"));
    const thinking = el("details", "thinking");
    thinking.hidden = true;
    const summary = el("summary", "", "Thinking…");
    const thought = el("div", "thought");
    thinking.append(summary, thought);
    // A base model's continuation is prose that goes on from the prompt, shown as it came
    // (plain text); a chat reply is Markdown.
    const body = el("div", completion ? "body plain" : "body markdown");
    const notice = el("p", "notice");
    notice.hidden = true;
    notice.setAttribute("role", "note");
    const meta = el("div", "meta");
    const tools = el("div", "tools");
    tools.hidden = true;
    item.append(thinking, body, notice, meta, tools);
    if (last) this.#dropOldTools(".message.assistant .tools .regenerate");
    this.follow = true;
    this.list.append(item);
    this.scrollToEnd(true);

    let text = "";
    let reasoning = "";
    let frame = 0;
    let spoken = 0; // how much of text the live region has announced
    const draw = () => {
      frame = 0;
      const stick = this.follow || this.#atEnd();
      if (completion) body.textContent = text;
      else body.replaceChildren(renderMarkdown(text, { copy: copyText }));
      if (reasoning) {
        thought.replaceChildren(renderMarkdown(reasoning, { copy: copyText }));
      }
      if (stick) this.scrollToEnd(true);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    const announce = (final) => {
      if (!this.live) return;
      // Whole sentences as they complete; the rest when the reply ends.
      let end = text.length;
      if (!final) {
        const m = /[\s\S]*[.!?\n](?=\s|$)/.exec(text.slice(spoken));
        end = m ? spoken + m[0].length : spoken;
      }
      const part = text.slice(spoken, end).trim();
      spoken = end;
      if (part) this.live.append(el("p", "", part));
    };
    const view = {
      item,
      text: () => text,
      reasoning: () => reasoning,
      // append adds streamed text; setText replaces it (now: draw at once).
      append: (t) => {
        text += t;
        announce(false);
        schedule();
      },
      appendReasoning: (t) => {
        if (!reasoning) {
          thinking.hidden = false;
          thinking.open = true;
        }
        reasoning += t;
        schedule();
      },
      setText: (t, now = false) => {
        text = t;
        spoken = t.length;
        if (now) draw();
        else schedule();
      },
      setReasoning: (t, open) => {
        reasoning = t;
        thinking.hidden = t === "";
        thinking.open = !!open;
        if (t === "") thought.replaceChildren();
        summary.textContent = "Thinking";
        draw();
      },
      // flush draws what has arrived now (Stop shows exactly what will be kept).
      flush: () => {
        if (frame) {
          cancelAnimationFrame(frame);
          draw();
        }
      },
      setPending: (on) => {
        item.classList.toggle("pending", on);
        item.setAttribute("aria-busy", on ? "true" : "false");
        if (on && this.live) this.live.replaceChildren();
      },
      // finish draws the final text, the stats line, the trimmed-context notice and the
      // reply's buttons; error is a message for a reply that failed; retry false leaves out
      // Regenerate (it cannot work: the message does not fit the context).
      finish: (stats, error, retry = true) => {
        const stick = this.follow || this.#atEnd(); // before the stats line and the buttons add height
        if (frame) cancelAnimationFrame(frame);
        draw();
        announce(true);
        item.classList.remove("pending");
        item.setAttribute("aria-busy", "false");
        if (reasoning) {
          summary.textContent = "Thinking";
          thinking.open = false;
        }
        meta.textContent = error ? `Error: ${error}` : describeStats(stats, this.mode);
        meta.classList.toggle("error", !!error);
        const trimmed = trimNotice(stats);
        notice.textContent = trimmed;
        notice.hidden = trimmed === "";
        tools.replaceChildren();
        // A reply that is all thinking (it stopped before answering) copies its thinking.
        const copied = text !== "" ? text : reasoning;
        if (copied !== "") tools.append(button("Copy", text !== "" ? "Copy this reply" : "Copy the thinking", async (e) => {
          const b = e.currentTarget;
          const ok = await this.actions.copy(copied);
          const name = b.getAttribute("aria-label");
          b.textContent = ok ? "Copied" : "Copy failed";
          b.setAttribute("aria-label", b.textContent); // the name holds what it shows
          setTimeout(() => { b.textContent = "Copy"; b.setAttribute("aria-label", name); }, 1500);
        }));
        if (last && retry) {
          const r = button("Regenerate", "Regenerate this reply", () => this.actions.regenerate());
          r.classList.add("regenerate");
          tools.append(r);
        }
        tools.hidden = tools.childElementCount === 0;
        this.scrollToEnd(stick);
      },
    };
    return view;
  }

  #atEnd() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  }

  scrollToEnd(force = false) {
    if (force || this.#atEnd()) this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
