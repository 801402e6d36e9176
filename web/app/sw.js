// Hearth's service worker: the app opens, and loads a cached model, with no network.
//
// The build (web/build/sw.go) defines HEARTH_SW_VERSION (a hash of the app shell's files)
// and HEARTH_PRECACHE (a JSON list of the shell's files, relative to this script: index.html,
// the web app manifest and every content-hashed asset — scripts, style, icon, the engine's
// wasm, wasm_exec.js, the kernel modules, the worker).
//
//   install    the shell goes into the cache "hearth-shell-<version>", the model index into
//              the model cache; the new worker takes over at once (skipWaiting,
//              clients.claim)
//   activate   shell caches of other versions are deleted; "hearth-models" (the downloaded
//              models, web/worker/download.js) is kept
//   fetch      the page (a navigation to the scope, or index.html): the network, falling
//              back to the cached index.html when it fails or takes over navTimeout;
//              shell files: the cache, else the network;
//              models/index.json and manifests: the network, else the model cache (the
//              model index is kept there on each successful fetch);
//              shards: the model cache, else the network. Requests download.js makes itself
//              (cache: "no-store", or Range) go straight to the network.
/* global HEARTH_SW_VERSION, HEARTH_PRECACHE */

const VERSION = typeof HEARTH_SW_VERSION === "string" ? HEARTH_SW_VERSION : "dev";
const SHELL_PREFIX = "hearth-shell-";
const SHELL = SHELL_PREFIX + VERSION;
const MODELS = "hearth-models";
const navTimeout = 4000; // ms a navigation waits for the network before the cached page

const here = (name) => new URL(name, self.location.href).href;
const precache = (typeof HEARTH_PRECACHE === "string" ? JSON.parse(HEARTH_PRECACHE) : []).map(here);
const shellURLs = new Set(precache);
const indexURL = here("index.html");
const scopeURL = here("./");
const modelsURL = here("models/");

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    // no-cache: revalidate with the server rather than trust the HTTP cache for index.html
    await cache.addAll(precache.map((url) => new Request(url, { cache: "no-cache" })));
    // The model index, so the picker lists the models offline (the page's own first fetch
    // of it came before this worker was there). A host without models has none: no error.
    try {
      const res = await fetch(modelsURL + "index.json", { cache: "no-cache" });
      if (res.ok) await (await caches.open(MODELS)).put(modelsURL + "index.json", res);
    } catch {
      // offline during install: the next successful fetch stores it
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(SHELL_PREFIX) && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The page asks which version serves it (and a test, which caches exist).
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "hearth-sw-version" && event.ports[0]) {
    event.ports[0].postMessage({ version: VERSION, shell: SHELL, precache: precache.length });
  }
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const path = url.origin + url.pathname;
  if (req.mode === "navigate") {
    if (path === scopeURL || path === indexURL) event.respondWith(page(req));
    return;
  }
  if (shellURLs.has(path)) {
    event.respondWith(cacheFirst(SHELL, req));
    return;
  }
  if (!path.startsWith(modelsURL)) return;
  // download.js fetches with no-store (and resumes with Range): leave those to the network
  if (req.cache === "no-store" || req.headers.has("Range")) return;
  if (path.endsWith(".json")) event.respondWith(networkFirst(event, path === modelsURL + "index.json"));
  else event.respondWith(cacheFirst(MODELS, req));
});

// page answers a navigation: the network's index.html, or the cached one when the network
// fails or is slow. The cached page is the one this version precached, so it always names
// files that are in the shell cache.
async function page(req) {
  const network = fetch(req);
  const timeout = new Promise((resolve) => setTimeout(resolve, navTimeout, null));
  const first = await Promise.race([network.catch(() => null), timeout]);
  if (first) return first;
  const cached = await caches.match(indexURL, { cacheName: SHELL, ignoreVary: true });
  return cached || network;
}

// cacheFirst answers from the cache, else from the network. The query is ignored in the
// lookup (the engine's worker is started as worker.<hash>.js?threads=N&simd=0), but not
// lost: a worker's location is the URL of the response it runs, so a query-bearing request
// gets a copy of the cached response with no URL of its own (the request's then counts).
async function cacheFirst(cacheName, req) {
  const cached = await caches.match(req, { cacheName, ignoreSearch: true, ignoreVary: true });
  if (!cached) return fetch(req);
  if (new URL(req.url).search === "") return cached;
  return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers: cached.headers });
}

// networkFirst answers from the network, else from the model cache; the model index is
// stored there on each success so the picker still lists the models offline.
async function networkFirst(event, keep) {
  const req = event.request;
  try {
    const res = await fetch(req);
    if (keep && res.ok) {
      const copy = res.clone();
      event.waitUntil(caches.open(MODELS).then((c) => c.put(req.url, copy)).catch(() => {}));
    }
    return res;
  } catch (err) {
    const cached = await caches.match(req.url, { cacheName: MODELS, ignoreVary: true });
    if (cached) return cached;
    throw err;
  }
}
