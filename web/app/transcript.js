// The transcript: one list item a message. Model output is untrusted text: it only ever
// goes into the page through textContent and text nodes, never as HTML.

export class Transcript {
  constructor(list) {
    this.list = list;
  }

  // add appends a message and returns a handle to extend it while it streams.
  add(role, text) {
    const item = document.createElement("li");
    item.className = "message " + (role === "user" ? "user" : "assistant");
    const who = document.createElement("span");
    who.className = "role";
    who.textContent = role === "user" ? "You" : "Hearth";
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    const meta = document.createElement("div");
    meta.className = "meta";
    item.append(who, body, meta);
    this.list.append(item);
    this.scroll();
    return {
      item,
      append: (t) => {
        body.append(document.createTextNode(t));
        this.scroll();
      },
      text: () => body.textContent,
      setMeta: (t) => {
        meta.textContent = t;
      },
      setPending: (on) => item.classList.toggle("pending", on),
    };
  }

  clear() {
    this.list.replaceChildren();
  }

  scroll() {
    const last = this.list.lastElementChild;
    if (last) last.scrollIntoView({ block: "end" });
  }
}
