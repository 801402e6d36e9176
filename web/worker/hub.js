// Models straight from the Hugging Face hub (or a mirror that speaks its URLs), verified
// against the hub's SHA-256 of the whole file.
//
//   https://huggingface.co/{owner}/{repo}/resolve/{revision}/{file}       the file (Range, CORS)
//   https://huggingface.co/api/models/{owner}/{repo}/tree/{revision}      [{path, size, lfs: {oid, size}}]
//
// A hub file downloads like any raw .gguf (download.js: byte ranges cached in Cache Storage,
// resumed after a dropped connection or a reload) but one piece at a time, in file order, so
// a SHA-256 of the whole file is fed as the bytes arrive (cached pieces first, when a
// download resumes or a downloaded model loads again). The expected hash comes from the
// catalog, else the hub's tree API (lfs.oid), else the X-Linked-Etag header of the resolve
// URL; it is remembered per URL (localStorage), so a model loads offline. A file whose hash
// differs is deleted from the cache before the engine sees it, and the load fails saying so.

import { Sha256 } from "./sha256.js";
import { deleteCachedModel, rawPieceSize } from "./download.js";

// parseResolveURL splits a hub file URL into {base, repo, revision, file}, or null when url
// is not one (/{owner}/{repo}/resolve/{revision}/{file...} under any base path).
export function parseResolveURL(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const m = /^(.*?)\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname);
  if (!m || !/\.gguf$/i.test(m[5])) return null;
  const dec = decodeURIComponent;
  return { base: u.origin + m[1], repo: `${dec(m[2])}/${dec(m[3])}`, revision: dec(m[4]), file: m[5].split("/").map(dec).join("/") };
}

// resolveURL is the URL of a file of a hub repository: base is https://huggingface.co or a
// mirror's base URL.
export function resolveURL(base, repo, file, revision = "main") {
  const enc = (s) => s.split("/").map(encodeURIComponent).join("/");
  return `${base.replace(/\/+$/, "")}/${enc(repo)}/resolve/${encodeURIComponent(revision || "main")}/${enc(file)}`;
}

const HEX64 = /^[0-9a-f]{64}$/;
const SHA_KEY = "hearth.hub.sha256:";

function remembered(url) {
  try {
    return globalThis.localStorage?.getItem(SHA_KEY + url) || "";
  } catch {
    return "";
  }
}

// rememberSha256 records the SHA-256 a hub URL must have (the catalog's), for its next
// download or load.
export function rememberSha256(url, sha) {
  if (HEX64.test(sha)) remember(url, sha);
}

function remember(url, sha) {
  try {
    globalThis.localStorage?.setItem(SHA_KEY + url, sha);
  } catch {
    // no localStorage (a worker, a private window): looked up again next time
  }
}

// hubSha256 finds the SHA-256 the hub gives for a resolve URL: its tree API's lfs.oid for
// the file, else the resolve URL's X-Linked-Etag (when the host exposes it to the page).
// Resolves "" when neither says.
export async function hubSha256(url, { signal } = {}) {
  const p = parseResolveURL(url);
  if (!p) return "";
  const dir = p.file.includes("/") ? "/" + p.file.slice(0, p.file.lastIndexOf("/")).split("/").map(encodeURIComponent).join("/") : "";
  const tree = `${p.base}/api/models/${p.repo.split("/").map(encodeURIComponent).join("/")}/tree/${encodeURIComponent(p.revision)}${dir}`;
  try {
    const res = await fetch(tree, { cache: "no-store", signal });
    if (res.ok) {
      const list = await res.json();
      const f = Array.isArray(list) && list.find((e) => e && e.path === p.file);
      const oid = f && f.lfs && String(f.lfs.oid || f.lfs.sha256 || "").toLowerCase();
      if (oid && HEX64.test(oid)) return oid;
    }
  } catch (err) {
    if (signal && signal.aborted) throw err;
  }
  try {
    const res = await fetch(url, { headers: { Range: "bytes=0-0" }, cache: "no-store", signal });
    res.body && res.body.cancel().catch(() => {});
    const tag = (res.headers.get("X-Linked-Etag") || "").replace(/^W\//, "").replace(/"/g, "").toLowerCase();
    if (HEX64.test(tag)) return tag;
  } catch (err) {
    if (signal && signal.aborted) throw err;
  }
  return "";
}

// HashMismatchError is a hub file whose bytes do not hash to what the hub says.
export class HashMismatchError extends Error {}

// FileHash feeds a SHA-256 with a file's bytes in order, as download.js hands them on. A
// piece whose bytes come again (a piece started over) is hashed again from the state kept
// at its start; bytes out of order are a bug of the caller, reported at check.
export class FileHash {
  constructor(url, expected, name, pieceSize = rawPieceSize) {
    this.url = url;
    this.pieceSize = pieceSize;
    this.expected = expected;
    this.name = name || url;
    this.hash = new Sha256();
    this.at = 0; // bytes hashed
    this.starts = new Map([[0, this.hash.clone()]]); // offset -> hash state there
    this.error = "";
    this.hex = "";
  }

  // update hashes bytes found at offset in the file (call it before the bytes are
  // transferred away).
  update(bytes, offset) {
    if (this.error) return;
    if (offset !== this.at) {
      const back = this.starts.get(offset);
      if (!back) {
        this.error = `bytes at ${offset} came while the hash was at ${this.at}`;
        return;
      }
      this.hash = back.clone();
      this.at = offset;
      for (const k of this.starts.keys()) if (k > offset) this.starts.delete(k);
    }
    if (offset % this.pieceSize === 0 && !this.starts.has(offset)) this.starts.set(offset, this.hash.clone());
    this.hash.update(bytes);
    this.at += bytes.length;
  }

  // ok finishes the hash (once) and tells whether the file of size bytes matches.
  ok(size) {
    if (!this.hex && !this.error) {
      if (this.at !== size) this.error = `${this.at} of ${size} bytes were hashed`;
      else this.hex = this.hash.hex();
    }
    return !this.error && this.hex === this.expected;
  }

  // fail deletes the file's cached pieces and returns the error to show.
  async fail() {
    await deleteCachedModel(this.url).catch(() => false);
    try {
      globalThis.localStorage?.removeItem(SHA_KEY + this.url);
    } catch {}
    const got = this.error ? `could not be hashed (${this.error})` : `has SHA-256 ${this.hex.slice(0, 12)}…`;
    return new HashMismatchError(`${this.name} ${got}, but the hub says ${this.expected.slice(0, 12)}…: the downloaded file is not the hub's and was deleted from this browser. Try again later, or another mirror.`);
  }
}

// wholeFileCheck prepares the check of a download: for a hub resolve URL (or any URL given
// a sha256), a FileHash of the expected SHA-256 (given, remembered or looked up); null for
// other sources. A hub file whose hash nobody tells cannot be verified: it fails.
export async function wholeFileCheck(url, sha256 = "", { signal, name, pieceSize = rawPieceSize } = {}) {
  const hub = parseResolveURL(url);
  if (!hub && !sha256) return null;
  let want = String(sha256 || "").toLowerCase() || remembered(url);
  if (!want) want = await hubSha256(url, { signal });
  if (!HEX64.test(want)) {
    throw new Error(`${name || (hub ? hub.file : url)}: the hub gives no SHA-256 for it (no tree API entry, no X-Linked-Etag), so it cannot be verified; it was not downloaded`);
  }
  remember(url, want);
  return new FileHash(url, want, name || (hub ? hub.file : url), pieceSize);
}
