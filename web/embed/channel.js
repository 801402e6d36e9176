// The embed page's side of the postMessage channel to the page that frames it (the host
// page running <hearth-chat>). The host's origin comes in the fragment (#origin=…); where
// the browser reports the frame's ancestors (location.ancestorOrigins), a claimed origin that
// differs from the real parent's is refused. Messages go to that origin only; messages are
// heard from the parent window on that origin only, and only in the shapes protocol.js
// allows.

import { PROTOCOL, fromHost } from "../widget/protocol.js";

// hostOrigin returns the framing page's origin, or "" when this page is not framed or the
// claim is missing, malformed or contradicted by the browser.
export function hostOrigin(claimed) {
  if (window.parent === window || !claimed) return "";
  let u;
  try {
    u = new URL(claimed);
  } catch {
    return "";
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.origin !== claimed) return "";
  const anc = location.ancestorOrigins;
  if (anc && anc.length > 0 && anc[0] !== "null" && anc[0] !== claimed) return "";
  return claimed;
}

export class Channel {
  // origin: hostOrigin's answer; "" makes a channel that neither posts nor hears.
  constructor(origin, onMessage) {
    this.origin = origin;
    if (!origin) return;
    window.addEventListener("message", (e) => {
      if (e.source !== window.parent || e.origin !== origin) return;
      const m = fromHost(e.data);
      if (m) onMessage(m);
    });
  }

  get connected() {
    return this.origin !== "";
  }

  post(type, fields = {}) {
    if (!this.origin) return;
    window.parent.postMessage({ hearth: PROTOCOL, type, ...fields }, this.origin);
  }
}
