// Model downloads into Cache Storage: resumable, verified, shared with the service worker.
//
//   const { manifest, buffers } = await downloadModel("models/stories260K/manifest.json",
//       { onProgress, signal, parallel: 3 });
//   await downloadModel(url, { onStart: ({ size }) => …, onData: (bytes, offset) => … });
//
// The bytes stream: a shard is read from the network or the cache a part at a time (read into a
// buffer of ours: byteReader), the part checked — with WebCrypto against the manifest's
// sha256 of that part, or, for a manifest without parts, fed to the shard's SHA-256
// (sha256.js) — and handed to onData with its offset in the file (the engine client
// transfers it to the worker, which copies it into the model's memory and sends the buffer
// back), so no shard is ever held whole in the page. Without onData the parts are
// collected into one ArrayBuffer per shard (buffers).
//
// A source is a manifest URL (models/<id>/manifest.json, written by hearth add-model: the
// shards' byte ranges and sha256) or the URL of a raw .gguf on any host that answers CORS
// and Range requests. A raw file is cut into fixed-size byte ranges (rawPieceSize) that are
// fetched and cached exactly like shards, under a made-up same-origin manifest URL
// (hearth-remote/<hash of the URL>/manifest.json); it has no sha256 to check against, so its
// bytes are not verified (the result says so: verified false).
//
// Everything lives in one cache, "hearth-models", which the service worker (web/app/sw.js)
// also serves from:
//   <manifest URL>                          the manifest (header x-hearth-manifest: 1)
//   <shard URL>                             a complete, verified shard
//   <shard URL>?hearth-part=<offset>        bytes [offset, offset + length) of a shard still
//                                           downloading (x-hearth-length, x-hearth-validator)
// A shard is written in parts (the manifest's part_size, else chunkSizeFor(size) bytes) as
// it arrives, so a network drop or a page reload keeps what came (a part cut short comes
// again whole when the manifest checks parts); the next download asks for the rest with
// Range and If-Range (the ETag or Last-Modified the parts were fetched under), and starts the
// shard over when the server answers 200 (the file changed). When all its bytes are there
// and checked the shard is stored whole (a Blob of its cached parts: the browser copies
// them, not the page); a bad shard is deleted and fetched once more (its bytes sent again,
// over the bad ones), and a shard bad twice fails the download naming it. Cached shards are
// read as streams and checked again before every load: the download resolves only when
// every shard is verified, so the engine never starts on a bad byte.
//
// The network requests carry cache: "no-store": the browser's HTTP cache would keep a second
// copy of every shard, and the service worker leaves such requests to the network.

import { WASM_MEMORY } from "hearth:limits";
import { fetchFailure, httpFailure } from "../app/neterror.js";
import { Sha256 } from "./sha256.js";

export const MODEL_CACHE = "hearth-models";
const PART_PARAM = "hearth-part";
const MANIFEST_HEADER = "x-hearth-manifest";
const LENGTH_HEADER = "x-hearth-length";
const VALIDATOR_HEADER = "x-hearth-validator";

// rawPieceSize is the byte range a raw .gguf is fetched in by default (the pieceSize
// option): the unit of parallelism and of the cache, as a shard is for a served model
// (hearth add-model's default shard is 64 MiB).
export const rawPieceSize = 32 * 2 ** 20;

// retryDelays are the waits before fetching a shard again after a network error (the
// connection dropped, the server went away): each retry continues where the bytes stopped.
const retryDelays = [500, 1500, 3000];

// chunkSizeFor is how many bytes of a shard are collected before they are written to the
// cache: an eighth of the shard, between 64 KiB and 4 MiB, so a 64 MiB shard is written
// every 4 MiB and even a small shard keeps most of its bytes across a reload.
export function chunkSizeFor(size) {
  return Math.min(4 * 2 ** 20, Math.max(64 * 2 ** 10, Math.ceil(size / 8)));
}

const base = () => (typeof document !== "undefined" ? document.baseURI : self.location.href);
const resolve = (url) => new URL(url, base()).href;

// isManifestSource tells a manifest URL (a path ending in .json) from a raw model file.
export function isManifestSource(url) {
  return new URL(url, base()).pathname.endsWith(".json");
}

// remoteManifestURL is the cache key of a raw .gguf URL's made-up manifest.
export async function remoteManifestURL(url) {
  const h = await sha256Hex(new TextEncoder().encode(resolve(url)));
  return resolve(`hearth-remote/${h.slice(0, 16)}/manifest.json`);
}

// The engine's memory is 32-bit WebAssembly memory (4 GiB, of which the weights may use
// 3 GiB), and a device reports roughly how much RAM it has (navigator.deviceMemory, GiB,
// capped at 8): refuse a model that cannot fit before downloading any of it.
const WASM_LIMIT = WASM_MEMORY; // internal/limits
const gib = (n) => (n / 2 ** 30).toFixed(2) + " GiB";
export function checkFits(bytes, name) {
  if (bytes > WASM_LIMIT) {
    throw new Error(`${name} is ${gib(bytes)}: the in-browser engine can hold at most ${gib(WASM_LIMIT)} of weights; choose a smaller model or quantization`);
  }
  const dm = typeof navigator !== "undefined" && navigator.deviceMemory;
  if (dm && bytes > dm * 2 ** 30 * 0.6) {
    throw new Error(`${name} is ${gib(bytes)} but this device reports about ${dm} GiB of memory; choose a smaller model`);
  }
}

// checkQuota refuses a download that the browser's storage quota cannot hold.
async function checkQuota(needed, name) {
  if (needed <= 0 || typeof navigator === "undefined" || !navigator.storage || !navigator.storage.estimate) return;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  if (quota > 0 && needed > quota - usage) {
    throw new Error(`${name} needs ${gib(needed)} more storage, but this browser lets the page store only ${gib(Math.max(0, quota - usage))} more (${gib(usage)} of ${gib(quota)} used); delete cached models or free disk space`);
  }
}

// probeModelURL describes a source before any download: its size, a name, and the
// manifest it will be downloaded by. A raw .gguf is asked for its first bytes with Range:
// the answer must be 206 (the host can resume) and start with the GGUF magic.
export async function probeModelURL(url, { signal = undefined, pieceSize = rawPieceSize } = {}) {
  url = resolve(url);
  if (isManifestSource(url)) {
    const manifest = await fetchManifest(url, signal);
    return { url, size: manifest.file_size, name: manifest.name || manifest.id, manifest, verified: true };
  }
  let res;
  try {
    res = await fetch(url, { headers: { Range: "bytes=0-7" }, cache: "no-store", signal });
  } catch (err) {
    if (isAbort(err, signal)) throw abortError(signal);
    throw new Error(await fetchFailure(url, err, signal));
  }
  if (res.status === 200) {
    res.body && res.body.cancel();
    throw new Error(`${url} does not answer Range requests: it cannot be downloaded in parts and resumed`);
  }
  if (res.status !== 206) throw new Error(httpFailure(url, res));
  const head = new Uint8Array(await res.arrayBuffer());
  if (head.length < 4 || String.fromCharCode(...head.subarray(0, 4)) !== "GGUF") {
    throw new Error(`${url} is not a GGUF file`);
  }
  let size = NaN;
  const cr = res.headers.get("Content-Range"); // readable when the host exposes it
  const m = cr && /\/(\d+)\s*$/.exec(cr);
  if (m) size = Number(m[1]);
  if (!(size > 0)) {
    const h = await fetch(url, { method: "HEAD", cache: "no-store", signal });
    size = Number(h.headers.get("Content-Length"));
  }
  if (!(size > 0)) throw new Error(`${url}: the host does not tell the file's size`);
  const etag = res.headers.get("ETag");
  const validator = etag && !etag.startsWith("W/") ? etag : res.headers.get("Last-Modified") || "";
  const name = decodeURIComponent(new URL(url).pathname.split("/").pop() || url);
  const shards = [];
  for (let start = 0, i = 0; start < size; start += pieceSize, i++) {
    shards.push({ file: `part-${String(i).padStart(4, "0")}.bin`, start, end: Math.min(size, start + pieceSize), sha256: "" });
  }
  const manifest = {
    format: 1, id: name.replace(/\.gguf$/i, ""), name, file_size: size,
    source: url, validator, shard_size: pieceSize, shards,
  };
  return { url, size, name, manifest, verified: false };
}

// fetchManifest reads and checks a served model's manifest.
async function fetchManifest(url, signal) {
  let res;
  try {
    res = await fetch(url, { signal, cache: "no-store" });
  } catch (err) {
    if (isAbort(err, signal)) throw abortError(signal);
    throw new Error(await fetchFailure(url, err, signal));
  }
  if (!res.ok) throw new Error(`manifest: ${httpFailure(url, res)}`);
  const manifest = await res.json();
  checkManifest(manifest, url);
  return manifest;
}

function checkManifest(m, url) {
  const shards = m && m.shards;
  if (!Array.isArray(shards) || shards.length === 0) throw new Error(`manifest ${url} lists no shards`);
  let at = 0;
  for (const s of shards) {
    if (typeof s.file !== "string" || s.start !== at || !(s.end > s.start)) {
      throw new Error(`manifest ${url}: shard ${s.file} does not continue the file at byte ${at}`);
    }
    at = s.end;
  }
  if (m.file_size && m.file_size !== at) throw new Error(`manifest ${url}: shards cover ${at} bytes, file_size is ${m.file_size}`);
  m.file_size = at;
}

// pieces are the units fetched and cached: key is the cache key, url what is fetched;
// a raw file's pieces are byte ranges of one URL, a served model's are whole shard files.
// start is the piece's offset in the model file; parts, when the manifest has them, the
// sha256 of each partSize bytes of it (hearth add-model writes them).
function piecesOf(manifest, manifestURL) {
  const partSize = manifest.part_size;
  return manifest.shards.map((s) => {
    const key = new URL(s.file, manifestURL).href;
    const size = s.end - s.start;
    if (manifest.source) {
      return { name: s.file, key, url: manifest.source, start: s.start, offset: s.start, size, sha256: "", parts: null, ranged: true };
    }
    const parts = partSize > 0 && Array.isArray(s.parts) && s.parts.length === Math.ceil(size / partSize) ? s.parts : null;
    return { name: s.file, key, url: key, start: s.start, offset: 0, size, sha256: s.sha256 || "", parts, partSize, ranged: false };
  });
}

// bufferSize is how many bytes of a piece are read, checked (a part), cached and handed on
// at a time.
const bufferSize = (p) => (p.parts ? p.partSize : chunkSizeFor(p.size));

const partKey = (key, offset) => {
  const u = new URL(key);
  u.searchParams.set(PART_PARAM, String(offset));
  return u.href;
};

// cachedState reports, for each piece, whether it is complete in the cache and how many
// bytes of it are there, from the cache's keys and headers (no bodies read).
async function cachedState(cache, pieces, keys) {
  const urls = new Set(keys.map((r) => r.url));
  const out = [];
  for (const p of pieces) {
    if (urls.has(p.key)) {
      out.push({ complete: true, bytes: p.size });
      continue;
    }
    let bytes = 0;
    for (;;) {
      const k = partKey(p.key, bytes);
      if (!urls.has(k)) break;
      const r = await cache.match(k);
      const n = r ? Number(r.headers.get(LENGTH_HEADER)) : 0;
      if (!(n > 0)) break;
      bytes += n;
    }
    out.push({ complete: false, bytes: Math.min(bytes, p.size) });
  }
  return out;
}

// deleteParts removes the partial chunks of the piece cached under key from offset on.
async function deleteParts(cache, key, from, keys = null) {
  const prefix = key + "?";
  const jobs = [];
  for (const r of keys || (await cache.keys())) {
    if (!r.url.startsWith(prefix)) continue;
    const at = new URL(r.url).searchParams.get(PART_PARAM);
    if (at !== null && Number(at) >= from) jobs.push(cache.delete(r));
  }
  await Promise.all(jobs);
}

// deletePiece removes a piece and every partial chunk of it.
async function deletePiece(cache, p, keys = null) {
  await Promise.all([cache.delete(p.key), deleteParts(cache, p.key, 0, keys)]);
}

// downloadModel fetches (or reads from the cache) every shard of source and resolves with
// {manifest, manifestURL, buffers, verified} once every shard is verified: buffers is one
// ArrayBuffer per shard, in file order (null when onData takes the bytes); verified is false
// for a raw file (no sha256 to check). See the top of the file.
// onProgress gets {loaded, total, bytesPerSecond, etaSeconds, cachedBytes}; signal stops it
// with an AbortError (what came stays cached); parallel shards at a time; pieceSize is the
// byte range a raw file is fetched in. onStart({size, manifest, verified}) is called (and
// awaited) once the file's size is known, before any byte. onData(bytes, offset) gets the
// bytes as they come (bytes of a shard that fails its check come again, over the bad ones):
// a Uint8Array over an ArrayBuffer of the download's own, which onData may transfer; it
// returns (or resolves with) an ArrayBuffer to read the next bytes into — that buffer back,
// so the download reads into the same few buffers from start to end — or nothing (a new one
// is made). The shard waits for it. onVerified() is called once every byte is verified and
// handed on, before the last shards are stored whole in the cache (the download resolves
// after that).
export async function downloadModel(source, { onProgress = null, signal = undefined, parallel = 3, pieceSize = rawPieceSize, onStart = null, onData = null, onVerified = null } = {}) {
  if (signal && signal.aborted) throw abortError(signal);
  const { cache, refused } = await openModelCache();
  if (refused && onProgress) {
    // Storage refused: the model is read into memory for this visit only; every report says so.
    const report = onProgress;
    onProgress = (p) => report({ ...p, storageRefused: refused });
  }
  const src = resolve(source);
  const { manifest, manifestURL } = await currentManifest(cache, src, signal, pieceSize);
  const name = manifest.name || manifest.id || src;
  const pieces = piecesOf(manifest, manifestURL);
  const total = manifest.file_size;
  checkFits(total, name);

  let keys = await cache.keys();
  const state = await cachedState(cache, pieces, keys);
  const cachedBytes = state.reduce((n, s) => n + s.bytes, 0);
  if (!refused) await checkQuota(total - cachedBytes, name);
  await cache.put(manifestURL, new Response(JSON.stringify(manifest), {
    headers: { "Content-Type": "application/json", [MANIFEST_HEADER]: "1" },
  }));

  const verified = !manifest.source;
  if (onStart) await onStart({ size: total, manifest, verified });
  let buffers = null;
  if (!onData) {
    // collect the chunks into one buffer per piece
    buffers = pieces.map((p) => new Uint8Array(p.size));
    const starts = pieces.map((p) => p.start);
    onData = (bytes, offset) => {
      let i = starts.length - 1;
      while (starts[i] > offset) i--;
      buffers[i].set(bytes, offset - starts[i]);
      return bytes.buffer;
    };
  }

  const progress = new Progress(total, cachedBytes, onProgress);
  const stop = new AbortController(); // stops the other shards when one fails
  const onAbort = () => stop.abort(signal.reason);
  if (signal) signal.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  let failure = null;
  const storing = []; // each verified piece being stored whole
  const io = { cache, signal: stop.signal, report: progress.report, onData };
  const worker = async () => {
    while (next < pieces.length && !stop.signal.aborted) {
      const i = next++;
      const { stored } = await fetchPiece(io, pieces[i], manifest, state[i].bytes);
      storing.push(stored.catch((err) => {
        if (!failure) failure = err;
        stop.abort(err);
      }));
    }
  };
  try {
    const runs = [];
    for (let w = 0; w < Math.max(1, Math.min(parallel, pieces.length)); w++) {
      runs.push(worker().catch((err) => {
        if (!failure) failure = err;
        stop.abort(err);
      }));
    }
    await Promise.all(runs);
    if (!failure && !stop.signal.aborted && onVerified) onVerified();
    await Promise.all(storing);
  } finally {
    if (signal) signal.removeEventListener("abort", onAbort);
    progress.done();
  }
  if (signal && signal.aborted) throw abortError(signal);
  if (failure) throw failure;
  // Shards of an earlier version of this model (another manifest under the same URL) go.
  keys = await cache.keys();
  const dir = manifestURL.slice(0, manifestURL.lastIndexOf("/") + 1);
  const wanted = new Set(pieces.map((p) => p.key).concat(manifestURL));
  await Promise.all(keys.filter((r) => r.url.startsWith(dir) && !r.url.slice(dir.length).includes("/") && !wanted.has(r.url)).map((r) => cache.delete(r)));
  return { manifest, manifestURL, buffers: buffers && buffers.map((b) => b.buffer), verified };
}

// currentManifest is the manifest to download by: fetched (a served model) or probed (a raw
// file); the cached one when that fails (offline, or the host no longer serves it). A raw
// file that changed since its parts were cached (size or validator), or is now cut in
// other pieces, starts over.
async function currentManifest(cache, src, signal, pieceSize) {
  const manifestURL = isManifestSource(src) ? src : await remoteManifestURL(src);
  const cachedResp = await cache.match(manifestURL);
  const cached = cachedResp ? await cachedResp.json() : null;
  let fresh;
  try {
    fresh = isManifestSource(src) ? await fetchManifest(src, signal) : (await probeModelURL(src, { signal, pieceSize })).manifest;
  } catch (err) {
    if (isAbort(err, signal)) throw abortError(signal);
    if (cached) return { manifest: cached, manifestURL };
    throw err;
  }
  if (cached && fresh.source && (cached.file_size !== fresh.file_size || cached.shard_size !== fresh.shard_size ||
      (cached.validator || "") !== (fresh.validator || ""))) {
    await deleteCachedModel(manifestURL);
  }
  return { manifest: fresh, manifestURL };
}

// NetworkError is a failure worth retrying: no connection, a dropped one, a 5xx answer.
class NetworkError extends Error {}

// pieceState is what a download holds of a piece: have bytes received (checked and handed
// to onData) in order, written of them in cache parts (their offsets in parts, Blobs of
// them in blobs), the validator they came under, and buf, the buffer the next bytes are
// read into. The bytes are checked by part (checks: a promise per part, of WebCrypto's
// verdict) when the manifest lists the parts' sha256, else by hash, fed as they come.
function pieceState(p, validator, buf = null) {
  return {
    have: 0, written: 0, validator, hash: p.sha256 && !p.parts ? new Sha256() : null, checks: [],
    blobs: [], parts: [], writing: null, buf,
  };
}

// fetchPiece brings one piece through onData and checks it: from the cache, else (the rest
// of it) from the network. counted is what the progress already counts of it as cached. It
// resolves, once the piece is verified, with {stored}: a promise of its storing whole in
// the cache.
async function fetchPiece(io, p, manifest, counted) {
  const { cache, signal, report } = io;
  const st = pieceState(p, manifest.validator || "");
  let bad = 0; // times the piece's bytes failed the check

  const hit = await cache.match(p.key);
  if (hit) {
    let ok = false;
    try {
      await pump(io, hit.body, p, st, false);
      ok = st.have === p.size && (await checked(st, p));
    } catch (err) {
      if (isAbort(err, signal)) throw abortError(signal);
    }
    if (ok) return { stored: Promise.resolve() };
    bad++; // a bad byte on disk (or one too many, or none): fetch the shard again
    await deletePiece(cache, p);
    report(-counted);
    Object.assign(st, pieceState(p, manifest.validator || "", st.buf));
  } else {
    try {
      await readParts(io, p, st, !!manifest.source);
    } catch (err) {
      if (isAbort(err, signal)) throw abortError(signal);
      await restart(cache, p, st, () => {}); // a cached part that cannot be read: start over
    }
    if (st.have !== counted) report(st.have - counted);
  }

  for (let retry = 0; ;) {
    if (st.have === p.size) {
      if (await checked(st, p)) {
        const stored = storeWhole(cache, p, st);
        stored.catch(() => {}); // handled by the caller, later
        return { stored };
      }
      bad++;
      await restart(cache, p, st, report);
      if (bad >= 2) throw new Error(`shard ${p.name} is corrupt: sha256 does not match the manifest (fetched twice)`);
    }
    try {
      await fetchRest(io, p, st, !!manifest.source);
      retry = 0;
    } catch (err) {
      if (isAbort(err, signal)) throw abortError(signal);
      if (!(err instanceof NetworkError)) throw err;
      if (retry >= retryDelays.length) throw new Error(`shard ${p.name}: ${err.message}`);
      await sleep(retryDelays[retry++], signal);
    }
  }
}

// storeWhole stores a verified piece as one entry: a Blob of its cached parts, so the
// browser copies them from disk and the page holds none of the bytes. Then the parts go.
async function storeWhole(cache, p, st) {
  await cache.put(p.key, new Response(new Blob(st.blobs), {
    headers: { "Content-Type": "application/octet-stream", [LENGTH_HEADER]: String(p.size) },
  }));
  await Promise.all(st.parts.map((at) => cache.delete(partKey(p.key, at))));
}

// checked tells whether the piece's bytes match the manifest: every part's sha256, or the
// piece's (raw files: nothing to check).
async function checked(st, p) {
  if (p.parts) return st.checks.length === p.parts.length && (await Promise.all(st.checks)).every(Boolean);
  return !st.hash || st.hash.hex() === p.sha256;
}

// checkPart starts WebCrypto's check of the part of p at offset at (it copies the bytes
// at once, so they may be transferred right after).
function checkPart(st, p, at, bytes) {
  const want = p.parts[at / p.partSize];
  const check = crypto.subtle.digest("SHA-256", bytes).then((d) => hex(d) === want, () => false);
  st.checks.push(check);
}

const hex = (digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");

// byteReader reads a body into buffers of ours. A network body (byob) goes through a BYOB
// reader, so no new ArrayBuffer is made per chunk: with a default reader each chunk keeps
// its memory until a garbage collection (+24 MiB renderer peak on a 115 MiB load,
// wasm/browsertest TestBrowserLoadMemory; +68 MiB on the bench's 145 MiB Q8_0 file). Cache
// Storage bodies, Blob streams and local files go through a default reader whose chunks
// fill() copies in: in Chromium 156 a BYOB read of a cached body or a Blob's stream
// sometimes never settled when the machine was busy — a returning visitor's load hung
// forever (1 load in ~25 with two cores busy; every stressed run of
// TestBrowserShippedLogits hung on one), while with default readers none did in ~150
// loads, and network bodies read BYOB never did (0 in 126).
export function byteReader(body, byob = false) {
  if (byob) {
    try {
      return { r: body.getReader({ mode: "byob" }), byob: true, scratch: null, rest: null };
    } catch {}
  }
  return { r: body.getReader(), byob: false, scratch: null, rest: null };
}

// SCRATCH is the most a BYOB read asks for at a time. Reads go into a scratch buffer and
// are copied on, because a read that fails (a dropped connection, an abort) takes its
// buffer with it: the bytes already gathered stay safe.
const SCRATCH = 1 << 20;

// fill reads into buf until it is full or the body ends: {bytes, done, error}, bytes a view
// of the filled start of buf. A failed read ends it with the error and the bytes before
// it. onRead(n) counts bytes as they come.
export async function fill(rd, buf, onRead) {
  const view = new Uint8Array(buf);
  let n = 0;
  try {
    while (n < view.length) {
      let chunk = rd.rest;
      rd.rest = null;
      if (!chunk) {
        let r;
        if (rd.byob) {
          const scratch = rd.scratch && !rd.scratch.detached ? rd.scratch : new ArrayBuffer(SCRATCH);
          rd.scratch = null;
          r = await rd.r.read(new Uint8Array(scratch, 0, Math.min(SCRATCH, view.length - n)));
          if (r.value) rd.scratch = r.value.buffer;
        } else {
          r = await rd.r.read();
        }
        if (r.done) return { bytes: view.subarray(0, n), done: true };
        chunk = r.value;
        if (onRead) onRead(chunk.length);
      }
      const room = view.length - n;
      if (chunk.length > room) {
        rd.rest = chunk.subarray(room);
        chunk = chunk.subarray(0, room);
      }
      view.set(chunk, n);
      n += chunk.length;
    }
  } catch (error) {
    return { bytes: view.subarray(0, n), done: true, error };
  }
  return { bytes: view.subarray(0, n), done: false };
}

// pump reads a body into the piece, a buffer at a time: each buffer's bytes are hashed,
// written to the cache as one part (when write: bytes from the network; a part is written
// while the next one is read), and handed to onData, whose returned buffer takes the next
// bytes. It returns at the end of the body, its parts written; a read error is thrown after
// the bytes before it are handled.
async function pump(io, body, p, st, write) {
  const rd = byteReader(body, write); // write: a network body
  const size = bufferSize(p);
  try {
    for (;;) {
      const buf = st.buf && !st.buf.detached && st.buf.byteLength === size ? st.buf : new ArrayBuffer(size);
      st.buf = buf;
      let { bytes, done, error } = await fill(rd, buf, write ? (n) => io.report(n, true) : null);
      if (bytes.length > 0 && p.parts && bytes.length !== Math.min(size, p.size - st.have)) {
        // the body ended inside a part: the part cannot be checked, it comes again whole
        if (write) io.report(-bytes.length, true);
        bytes = bytes.subarray(0, 0);
      }
      if (bytes.length > 0) {
        if (st.have + bytes.length > p.size) throw new Error(`shard ${p.name}: ${write ? "the server sent" : "the cache holds"} more than its ${p.size} bytes`);
        const at = st.have;
        if (st.hash) st.hash.update(bytes);
        if (p.parts) checkPart(st, p, at, bytes);
        st.have += bytes.length;
        const part = write ? new Blob([bytes]) : null; // the cache's copy: bytes may be transferred
        st.buf = null;
        const back = io.onData(bytes, p.start + at);
        if (part) {
          const before = st.writing;
          st.writing = (async () => {
            await before;
            await writePart(io.cache, p, st, at, part);
          })();
          st.writing.catch(() => {}); // awaited below
          await before;
        }
        const b = await back;
        st.buf = b instanceof ArrayBuffer ? b : null;
      }
      if (error) throw error;
      if (done) break;
      if (io.signal.aborted) throw abortError(io.signal);
    }
  } catch (err) {
    await (st.writing && st.writing.catch(() => {})); // what came is kept
    throw err;
  } finally {
    try {
      rd.r.releaseLock();
    } catch {}
    body.cancel().catch(() => {});
  }
  await st.writing;
}

// writePart stores bytes [at, at + part.size) of a piece as a cached part, and keeps a
// handle on the cached copy (so the browser need not keep the part in memory) to store the
// piece whole later.
async function writePart(cache, p, st, at, part) {
  if (cache === keepsNothing) {
    st.written = at + part.size;
    return;
  }
  const key = partKey(p.key, at);
  await cache.put(key, new Response(part, {
    headers: { "Content-Type": "application/octet-stream", [LENGTH_HEADER]: String(part.size), [VALIDATOR_HEADER]: st.validator },
  }));
  const cached = await cache.match(key);
  st.blobs.push(cached ? await cached.blob() : part);
  st.parts.push(at);
  st.written = at + part.size;
}

// readParts reads the cached parts of a piece into st, in order, as long as they continue
// one another under one validator (a raw file's: the manifest's); parts past a gap or
// under another validator are deleted.
async function readParts(io, p, st, raw) {
  for (;;) {
    const r = await io.cache.match(partKey(p.key, st.have));
    if (!r) break;
    const v = r.headers.get(VALIDATOR_HEADER) || "";
    const n = Number(r.headers.get(LENGTH_HEADER));
    if (!(n > 0) || st.have + n > p.size || ((st.have > 0 || raw) && v !== st.validator)) break;
    // parts made by an older version may not match the manifest's parts
    if (p.parts && (st.have % p.partSize !== 0 || n !== Math.min(p.partSize, p.size - st.have))) break;
    const blob = await r.blob(); // a handle on the cached bytes, kept to store the piece whole
    if (blob.size !== n) break;
    const at = st.have;
    await pump(io, blob.stream(), p, st, false);
    if (st.have !== at + n) throw new Error(`shard ${p.name}: a cached part ended early`);
    st.blobs.push(blob);
    st.parts.push(at);
    st.validator = v;
  }
  st.written = st.have;
  await deleteParts(io.cache, p.key, st.have);
}

// restart drops what st holds of a piece, in memory and in the cache.
async function restart(cache, p, st, report) {
  await deleteParts(cache, p.key, 0);
  report(-st.have);
  Object.assign(st, pieceState(p, st.validator, st.buf));
}

// fetchRest fetches bytes [have, size) of a piece, hashing them, writing them to the cache
// a part at a time and handing them to onData as they arrive. A dropped connection is a
// NetworkError after the bytes that came are written.
async function fetchRest(io, p, st, raw) {
  const { cache, signal, report } = io;
  const headers = {};
  if (p.ranged || st.have > 0) {
    headers.Range = `bytes=${p.offset + st.have}-${p.offset + p.size - 1}`;
    if (st.validator) headers["If-Range"] = st.validator;
  }
  let res;
  try {
    res = await fetch(p.url, { headers, cache: "no-store", signal });
  } catch (err) {
    if (isAbort(err, signal)) throw err;
    throw new NetworkError(await fetchFailure(p.url, err, signal));
  }
  const drop = () => res.body && res.body.cancel().catch(() => {});
  if (res.status >= 500) {
    drop();
    throw new NetworkError(httpFailure(p.url, res));
  }
  if (res.status === 416 && st.have > 0) {
    // the cached parts run past the file: start over
    drop();
    await restart(cache, p, st, report);
    throw new NetworkError(`HTTP 416 for bytes ${p.offset + st.have}- of ${p.url}`);
  }
  if (res.status === 200 && headers.Range) {
    if (raw) {
      drop();
      throw new Error(`${p.url} changed while it was downloading (it no longer matches ${st.validator || "its size"}); delete it and download it again`);
    }
    // The shard changed on the server (If-Range did not match), or Range is not
    // supported: it comes whole.
    await restart(cache, p, st, report);
  } else if (res.status !== (headers.Range ? 206 : 200)) {
    drop();
    throw new Error(`shard ${p.name}: HTTP ${res.status} (fetching ${p.url})`);
  }
  if (!raw) {
    const etag = res.headers.get("ETag");
    const v = etag && !etag.startsWith("W/") ? etag : res.headers.get("Last-Modified") || "";
    if (st.have > 0 && v !== st.validator) {
      // a 206 under another validator: a server that ignores If-Range sent another version
      drop();
      await restart(cache, p, st, report);
      throw new NetworkError(`the server sent part of another version of ${p.url}`);
    }
    st.validator = v;
  }
  try {
    await pump(io, res.body, p, st, true);
  } catch (err) {
    if (isAbort(err, signal)) throw err;
    if (err instanceof TypeError) throw new NetworkError(`${err.message} (reading ${p.url})`);
    throw err;
  }
  if (st.have !== p.size) throw new NetworkError(`${p.url} ended after ${st.have} of ${p.size} bytes`);
}

// Progress combines the pieces' byte counts into one report: loaded (cached + fetched),
// the network speed over the last few seconds, and the time left at that speed.
class Progress {
  constructor(total, cachedBytes, onProgress) {
    this.total = total;
    this.cachedBytes = cachedBytes;
    this.loaded = cachedBytes;
    this.fetched = 0; // bytes from the network in this call
    this.samples = [[now(), 0]];
    this.cb = onProgress;
    this.last = 0;
    this.emit(true);
  }

  // report adds n bytes (negative: dropped); network tells fetched bytes from cached ones.
  report = (n, network = false) => {
    this.loaded += n;
    if (network) this.fetched += n;
    this.emit(false);
  };

  speed() {
    const t = now();
    this.samples.push([t, this.fetched]);
    while (this.samples.length > 2 && t - this.samples[1][0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    return t - t0 > 200 ? ((this.fetched - b0) * 1000) / (t - t0) : 0;
  }

  emit(force) {
    if (!this.cb) return;
    const t = now();
    if (!force && t - this.last < 100 && this.loaded < this.total) return;
    this.last = t;
    const bytesPerSecond = this.speed();
    const left = this.total - this.loaded;
    this.cb({
      loaded: this.loaded, total: this.total, cachedBytes: this.cachedBytes,
      bytesPerSecond, etaSeconds: left <= 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : null,
    });
  }

  done() {
    this.emit(true);
  }
}

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

// openModelCache opens the model cache. Where the browser refuses this page storage (a
// third-party iframe whose storage is blocked, a private window, no secure context: Cache
// Storage missing, or open or keys throwing), it returns keepsNothing and why: the model
// is then read into memory for this visit only, and nothing is stored.
async function openModelCache() {
  try {
    if (typeof caches === "undefined") throw new Error("this browser offers no Cache Storage here");
    const cache = await caches.open(MODEL_CACHE);
    await cache.keys();
    return { cache, refused: "" };
  } catch (err) {
    return { cache: keepsNothing, refused: (err && err.message) || String(err) };
  }
}

// keepsNothing is a model cache that stores nothing.
const keepsNothing = {
  match: async () => undefined,
  put: async () => {},
  delete: async () => false,
  keys: async () => [],
};

// listCachedModels lists the models in the cache, complete or partly downloaded.
export async function listCachedModels() {
  const { cache, refused } = await openModelCache();
  if (refused) return []; // storage refused: nothing is kept
  const keys = await cache.keys();
  const out = [];
  for (const r of keys) {
    if (!r.url.endsWith("/manifest.json")) continue;
    const res = await cache.match(r);
    if (!res || res.headers.get(MANIFEST_HEADER) !== "1") continue;
    const manifest = await res.json();
    const state = await cachedState(cache, piecesOf(manifest, r.url), keys);
    out.push({
      id: manifest.id, name: manifest.name || manifest.id, manifestURL: r.url, source: manifest.source || r.url,
      bytes: state.reduce((n, s) => n + s.bytes, 0), total: manifest.file_size,
      complete: state.every((s) => s.complete), verified: !manifest.source,
    });
  }
  return out;
}

// deleteCachedModel removes a model's manifest, shards and partial shards from the cache;
// the argument is a manifestURL from listCachedModels or the source it was downloaded from.
// Resolves true when there was something to delete.
export async function deleteCachedModel(manifestURL) {
  if (typeof caches === "undefined") return false;
  let url = resolve(manifestURL);
  if (!isManifestSource(url)) url = await remoteManifestURL(url);
  const cache = await caches.open(MODEL_CACHE);
  const res = await cache.match(url);
  if (!res) return false;
  const manifest = await res.json();
  const keys = await cache.keys();
  for (const p of piecesOf(manifest, url)) await deletePiece(cache, p, keys);
  await cache.delete(url);
  return true;
}

// storageInfo: what the page stores and may store (bytes), and whether the browser keeps it
// under storage pressure (persisted).
export async function storageInfo() {
  const s = typeof navigator !== "undefined" && navigator.storage;
  if (!s) return { usage: 0, quota: 0, persisted: false };
  const { usage = 0, quota = 0 } = s.estimate ? await s.estimate() : {};
  return { usage, quota, persisted: s.persisted ? await s.persisted() : false };
}

// requestPersistence asks the browser not to evict the cached models under storage
// pressure; resolves whether it agreed.
export async function requestPersistence() {
  const s = typeof navigator !== "undefined" && navigator.storage;
  return !!(s && s.persist && (await s.persist()));
}

function isAbort(err, signal) {
  return (signal && signal.aborted) || (err && err.name === "AbortError");
}

function abortError(signal) {
  const r = signal && signal.reason;
  return r instanceof DOMException && r.name === "AbortError" ? r : new DOMException("the download was stopped", "AbortError");
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    if (signal) signal.addEventListener("abort", () => { clearTimeout(t); reject(abortError(signal)); }, { once: true });
  });
}

export async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
