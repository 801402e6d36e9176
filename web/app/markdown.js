// A small, safe Markdown renderer for model output. Model text is untrusted: this file
// builds DOM nodes with createElement, text nodes and textContent only — never innerHTML,
// never an attribute taken from the text except a link's href, and only when it parses as
// an absolute http(s) URL. Anything it does not understand stays visible as plain text.
//
// Blocks: ATX headings (# … ######), paragraphs (a single newline is a line break, as chat
// models mean it), fenced code blocks (``` or ~~~, an unclosed fence runs to the end so a
// streaming reply shows its code as code at once) with a Copy button, bullet and numbered
// lists (nested by indentation) with task items (- [ ] / - [x]: a disabled checkbox),
// blockquotes, horizontal rules, tables (GitHub's pipe tables, with column alignment).
// Inline: `code`, **strong**, __strong__, *em*, _em_, ~~strike~~, [links](https://…),
// <https://…> and bare https:// URLs, backslash escapes. An image ![alt](https://…) is
// never loaded (a reply must not make the page fetch what the model names): it shows as
// a link reading "Image: alt".

// renderMarkdown returns a DocumentFragment for src. copy(text) is what a code block's
// Copy button calls (navigator.clipboard by default).
export function renderMarkdown(src, { copy = copyText } = {}) {
  const frag = document.createDocumentFragment();
  const lines = String(src ?? "").replace(/\r\n?/g, "\n").split("\n");
  renderBlocks(lines, frag, { copy }, 0);
  return frag;
}

// copyText writes text to the clipboard; it resolves false where the browser refuses.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// safeURL returns the absolute http(s) URL in s, or "" for anything else (javascript:,
// data:, relative paths, protocol-relative URLs, malformed input).
export function safeURL(s) {
  const t = String(s).trim();
  if (!/^https?:\/\//i.test(t)) return "";
  try {
    const u = new URL(t);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
  } catch {
    return "";
  }
}

const MAX_DEPTH = 8; // nested quotes and lists deeper than this are rendered as text

const reFence = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const reHeading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const reRule = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const reQuote = /^ {0,3}> ?(.*)$/;
const reItem = /^( {0,12})([-*+]|\d{1,9}[.)])([ \t]+(.*))?$/;
const reTask = /^\[([ xX])\][ \t]+(?=\S)/;
const reDelimCell = /^:?-+:?$/;
const MAX_COLUMNS = 64; // a wider "table" stays text

function startsBlock(line) {
  return reFence.test(line) || reHeading.test(line) || reRule.test(line) || reQuote.test(line) ||
    isItem(line);
}

// splitRow splits a table row at its unescaped pipes (a leading and a trailing pipe are
// optional); "\|" in a cell is a literal pipe, in code spans too, as on GitHub.
function splitRow(line) {
  let t = line.trim();
  if (t.startsWith("|")) t = t.slice(1);
  if (t.endsWith("|") && !t.endsWith("\\|")) t = t.slice(0, -1);
  const cells = [];
  let cur = "";
  for (let i = 0; i < t.length; i++) {
    if (t[i] === "\\" && t[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (t[i] === "|") {
      cells.push(cur.trim());
      cur = "";
    } else {
      cur += t[i];
    }
  }
  cells.push(cur.trim());
  return cells;
}

// tableAt returns the column alignments of the table whose header row is lines[i] (the
// next line is a delimiter row with as many cells, e.g. | --- | :-: |), or null.
function tableAt(lines, i) {
  if (i + 1 >= lines.length || !lines[i].includes("|") || !lines[i + 1].includes("-")) return null;
  const delim = lines[i + 1].trim();
  if (!/^[|:\-\s]+$/.test(delim)) return null;
  const cells = splitRow(delim);
  if (cells.length > MAX_COLUMNS || !cells.every((c) => reDelimCell.test(c))) return null;
  if (splitRow(lines[i]).length !== cells.length || (cells.length === 1 && !delim.includes("|"))) return null;
  return cells.map((c) => (c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : ""));
}

// renderTable renders the table at lines[i] (see tableAt) and returns the index after it:
// its rows run to a blank line, a line without a pipe, or another block.
function renderTable(lines, i, align, parent, depth) {
  const table = document.createElement("table");
  const row = (cells, tag) => {
    const tr = document.createElement("tr");
    align.forEach((a, k) => {
      const cell = document.createElement(tag);
      if (tag === "th") cell.scope = "col";
      if (a) cell.className = "align-" + a;
      renderInline(cells[k] ?? "", cell, depth + 1); // missing cells are empty, extra ones dropped
      tr.append(cell);
    });
    return tr;
  };
  const head = document.createElement("thead");
  head.append(row(splitRow(lines[i]), "th"));
  table.append(head);
  i += 2;
  const body = document.createElement("tbody");
  while (i < lines.length && lines[i].trim() !== "" && lines[i].includes("|") && !startsBlock(lines[i])) {
    body.append(row(splitRow(lines[i]), "td"));
    i++;
  }
  if (body.childElementCount > 0) table.append(body);
  // A wide table scrolls sideways in its own box, which the keyboard can reach.
  const wrap = document.createElement("div");
  wrap.className = "table";
  wrap.tabIndex = 0;
  wrap.append(table);
  parent.append(wrap);
  return i;
}

// isItem reports a list item line: a marker, white space, then some text.
function isItem(line) {
  const m = reItem.exec(line);
  return m !== null && m[4] !== undefined && m[4].trim() !== "";
}

function indentOf(line) {
  return line.length - line.trimStart().length;
}

function renderBlocks(lines, parent, ctx, depth) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    let m;
    if ((m = reFence.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length) {
        const close = lines[i].trim();
        if (close.length >= fence.length && close[0] === fence[0] && /^(`+|~+)$/.test(close)) {
          i++;
          break;
        }
        body.push(stripIndent(lines[i], indentOf(line)));
        i++;
      }
      // The info string's first word names the language when it looks like one.
      const lang = /^[\w+#.-]{1,32}$/.test(m[2]) ? m[2] : "";
      parent.append(codeBlock(body.join("\n"), lang, ctx));
      continue;
    }
    if ((m = reHeading.exec(line))) {
      const h = document.createElement("h" + Math.min(6, m[1].length + 2)); // # → h3: a reply sits under the page's headings
      h.dataset.level = String(m[1].length);
      renderInline(m[2] || "", h, depth);
      parent.append(h);
      i++;
      continue;
    }
    if (reRule.test(line)) {
      parent.append(document.createElement("hr"));
      i++;
      continue;
    }
    if (depth < MAX_DEPTH && reQuote.test(line)) {
      const inner = [];
      while (i < lines.length && (m = reQuote.exec(lines[i]))) {
        inner.push(m[1]);
        i++;
      }
      const q = document.createElement("blockquote");
      renderBlocks(inner, q, ctx, depth + 1);
      parent.append(q);
      continue;
    }
    if (depth < MAX_DEPTH && isItem(line)) {
      i = renderList(lines, i, parent, ctx, depth);
      continue;
    }
    const align = depth < MAX_DEPTH ? tableAt(lines, i) : null;
    if (align) {
      i = renderTable(lines, i, align, parent, depth);
      continue;
    }
    // A paragraph: lines up to a blank line or the start of another block (a table's
    // header row included: "Here it is:" then a table on the next line).
    const para = [line.trim()];
    i++;
    while (i < lines.length && lines[i].trim() !== "" && !startsBlock(lines[i]) && !(depth < MAX_DEPTH && tableAt(lines, i))) {
      para.push(lines[i].trim());
      i++;
    }
    const p = document.createElement("p");
    renderInline(para.join("\n"), p, depth);
    parent.append(p);
  }
}

function stripIndent(line, n) {
  let k = 0;
  while (k < n && line[k] === " ") k++;
  return line.slice(k);
}

// renderList renders the list starting at lines[i] and returns the index after it. Items
// of one list share the marker kind (bullet or number) and indentation; an item's further
// lines are those indented past its marker (blank lines between them are kept).
function renderList(lines, i, parent, ctx, depth) {
  const first = reItem.exec(lines[i]);
  const ordered = /\d/.test(first[2]);
  const indent = first[1].length;
  const list = document.createElement(ordered ? "ol" : "ul");
  if (ordered) {
    const start = parseInt(first[2], 10);
    if (start !== 1) list.start = start;
  }
  while (i < lines.length) {
    const m = reItem.exec(lines[i]);
    if (!m || !isItem(lines[i]) || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const contentIndent = indent + m[2].length + 1;
    const body = [m[4] || ""];
    i++;
    while (i < lines.length) {
      const l = lines[i];
      if (l.trim() === "") {
        // A blank line continues the item only when an indented line follows it.
        let j = i;
        while (j < lines.length && lines[j].trim() === "") j++;
        if (j < lines.length && indentOf(lines[j]) >= contentIndent) {
          for (; i < j; i++) body.push("");
          continue;
        }
        break;
      }
      const ind = indentOf(l);
      if (ind >= contentIndent || (ind > indent && isItem(l))) {
        body.push(stripIndent(l, Math.min(ind, contentIndent)));
        i++;
        continue;
      }
      if (ind <= indent && (isItem(l) || startsBlock(l))) break;
      body.push(l.trim()); // a lazy continuation line of the item's paragraph
      i++;
    }
    const li = document.createElement("li");
    // A task item: "[ ] " or "[x] " first; its first line is the checkbox's label, the
    // rest (nested lists, more paragraphs) follows it in the item.
    const task = reTask.exec(body[0].trimStart());
    if (task) {
      li.className = "task";
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.disabled = true;
      box.defaultChecked = task[1] !== " "; // the attribute: checked stays checked
      label.append(box);
      renderInline(body[0].trimStart().slice(task[0].length).trim(), label, depth);
      li.append(label);
      body.shift();
    }
    if (!task && (body.length === 1 || body.slice(1).every((l) => l.trim() === ""))) {
      renderInline(body[0].trim(), li, depth); // a one-line item: no paragraph around it
    } else if (body.some((l) => l.trim() !== "")) {
      const blocks = document.createDocumentFragment();
      renderBlocks(body, blocks, ctx, depth + 1);
      // An item without blank lines is tight: its paragraphs are not wrapped in <p>.
      if (!body.some((l) => l.trim() === "")) {
        for (const c of [...blocks.childNodes]) if (c.nodeName === "P") c.replaceWith(...c.childNodes);
      }
      li.append(blocks);
    }
    list.append(li);
    while (i < lines.length && lines[i].trim() === "") {
      // Blank lines between items of the same list.
      let j = i;
      while (j < lines.length && lines[j].trim() === "") j++;
      const n = j < lines.length ? reItem.exec(lines[j]) : null;
      if (n && isItem(lines[j]) && n[1].length === indent && /\d/.test(n[2]) === ordered) i = j;
      else break;
    }
  }
  parent.append(list);
  return i;
}

function codeBlock(code, lang, ctx) {
  const wrap = document.createElement("div");
  wrap.className = "code";
  const head = document.createElement("div");
  head.className = "code-head";
  const label = document.createElement("span");
  label.className = "code-lang";
  label.textContent = lang || "code";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "copy";
  btn.textContent = "Copy";
  const name = lang ? `Copy the ${lang} code` : "Copy the code";
  btn.setAttribute("aria-label", name);
  btn.addEventListener("click", async () => {
    const ok = await ctx.copy(code);
    btn.textContent = ok === false ? "Copy failed" : "Copied";
    btn.setAttribute("aria-label", btn.textContent); // the name holds what it shows
    setTimeout(() => {
      btn.textContent = "Copy";
      btn.setAttribute("aria-label", name);
    }, 1500);
  });
  head.append(label, btn);
  const pre = document.createElement("pre");
  const c = document.createElement("code");
  if (lang) c.dataset.lang = lang;
  c.textContent = code;
  pre.append(c);
  wrap.append(head, pre);
  return wrap;
}

// ---- inline ----

const ESCAPABLE = "\\`*_{}[]()#+-.!~<>|\"'";

// renderInline appends the inline nodes of text to parent.
function renderInline(text, parent, depth) {
  let buf = "";
  const flush = () => {
    if (buf) {
      appendText(parent, buf);
      buf = "";
    }
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length && ESCAPABLE.includes(text[i + 1])) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      let n = 1;
      while (text[i + n] === "`") n++;
      const ticks = "`".repeat(n);
      let j = text.indexOf(ticks, i + n);
      while (j !== -1 && text[j + n] === "`") {
        let k = j;
        while (text[k] === "`") k++;
        j = text.indexOf(ticks, k);
      }
      if (j !== -1) {
        flush();
        const code = document.createElement("code");
        let inner = text.slice(i + n, j).replace(/\n/g, " ");
        if (/^ .* $/.test(inner) && inner.trim() !== "") inner = inner.slice(1, -1);
        code.textContent = inner;
        parent.append(code);
        i = j + n;
        continue;
      }
      buf += ticks;
      i += n;
      continue;
    }
    if (c === "!" && text[i + 1] === "[" && depth < MAX_DEPTH) {
      const img = parseLink(text, i + 1);
      if (img) {
        const href = safeURL(img.url);
        if (!href) {
          buf += text.slice(i, img.end);
          i = img.end;
          continue;
        }
        // Never an <img>: the alt text and where the image is, as a link to open it.
        flush();
        const a = document.createElement("a");
        a.href = href;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        a.className = "image";
        a.textContent = "Image: " + (unescape(img.label).trim() || href);
        parent.append(a);
        i = img.end;
        continue;
      }
    }
    if (c === "[" && depth < MAX_DEPTH) {
      const link = parseLink(text, i);
      if (link) {
        const href = safeURL(link.url);
        if (!href) {
          // Not an http(s) link: the whole of it stays visible as the text it is.
          buf += text.slice(i, link.end);
          i = link.end;
          continue;
        }
        flush();
        const a = document.createElement("a");
        a.href = href;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        renderInline(link.label, a, depth + 1);
        parent.append(a);
        i = link.end;
        continue;
      }
    }
    if (c === "<") {
      const m = /^<(https?:\/\/[^\s<>]+)>/i.exec(text.slice(i));
      if (m && safeURL(m[1])) {
        flush();
        parent.append(urlLink(m[1]));
        i += m[0].length;
        continue;
      }
    }
    if ((c === "h" || c === "H") && (i === 0 || /[\s(]/.test(text[i - 1]))) {
      const m = /^https?:\/\/[^\s<>"]+/i.exec(text.slice(i));
      if (m) {
        const url = m[0].replace(/[.,;:!?)\]'"]+$/, "");
        if (safeURL(url)) {
          flush();
          parent.append(urlLink(url));
          i += url.length;
          continue;
        }
      }
    }
    if ((c === "*" || c === "_" || c === "~") && depth < MAX_DEPTH) {
      const em = parseEmphasis(text, i);
      if (em) {
        flush();
        const el = document.createElement(em.tag);
        renderInline(em.inner, el, depth + 1);
        parent.append(el);
        i = em.end;
        continue;
      }
    }
    if (c === "\n") {
      flush();
      parent.append(document.createElement("br"));
      i++;
      continue;
    }
    buf += c;
    i++;
  }
  flush();
}

// unescape drops Markdown's backslash escapes (an image's alt text is plain text).
function unescape(s) {
  return s.replace(/\\([\\`*_{}\[\]()#+\-.!~<>|"'])/g, "$1");
}

function appendText(parent, s) {
  parent.append(document.createTextNode(s));
}

function urlLink(url) {
  const a = document.createElement("a");
  a.href = safeURL(url);
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  a.textContent = url;
  return a;
}

// parseLink reads [label](url) or [label](url "title") at text[i] == "[".
function parseLink(text, i) {
  let depth = 0;
  let j = i;
  for (; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "[") depth++;
    else if (c === "]" && --depth === 0) break;
  }
  if (j >= text.length || text[j + 1] !== "(") return null;
  const m = /^\(\s*<?([^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)>?(?:\s+("[^"]*"|'[^']*'))?\s*\)/.exec(text.slice(j + 1));
  if (!m) return null;
  return { label: text.slice(i + 1, j), url: m[1], end: j + 1 + m[0].length };
}

// parseEmphasis reads **x**, __x__, *x*, _x_ or ~~x~~ at text[i]. The opener must be
// followed by a non-space and the closer preceded by one; underscores do not open or
// close inside a word (snake_case stays as it is); code spans are skipped when looking
// for the closer.
function parseEmphasis(text, i) {
  const c = text[i];
  let n = 1;
  while (text[i + n] === c) n++;
  if (c === "~" && n !== 2) return null;
  if (n > 3) return null;
  if (c === "_" && i > 0 && /[\p{L}\p{N}]/u.test(text[i - 1])) return null;
  const start = i + n;
  if (start >= text.length || /\s/.test(text[start])) return null;
  const tries = n === 3 ? [3] : [n];
  for (const len of tries) {
    const delim = c.repeat(len);
    let j = start;
    while (j < text.length) {
      if (text[j] === "\\") {
        j += 2;
        continue;
      }
      if (text[j] === "`") {
        let k = j;
        while (text[k] === "`") k++;
        const ticks = text.slice(j, k);
        const close = text.indexOf(ticks, k);
        j = close === -1 ? k : close + ticks.length;
        continue;
      }
      if (text.startsWith(delim, j) && text[j + len] !== c && text[j - 1] !== c && !/\s/.test(text[j - 1]) && j > start) {
        if (c === "_" && j + len < text.length && /[\p{L}\p{N}]/u.test(text[j + len])) {
          j += len;
          continue;
        }
        const inner = text.slice(start, j);
        if (len === 3) {
          return { tag: "strong", inner: c + inner + c, end: j + 3 };
        }
        return { tag: c === "~" ? "del" : len === 2 ? "strong" : "em", inner, end: j + len };
      }
      j++;
    }
  }
  return null;
}
