// What a failed request means, in words a person can act on. fetch() says only "Failed to
// fetch" whether the device is offline, the host is down, or the host answered without
// letting this page read it (CORS); fetchFailure finds out which, and httpFailure names an
// HTTP status. Both work in the page, a worker and the service worker.

const here = () => globalThis.location?.href || "http://localhost/";

// fetchFailure explains err, the error fetch(url) threw (not an abort).
export async function fetchFailure(url, err, signal = undefined) {
  const u = new URL(url, here());
  const page = new URL(here());
  if (globalThis.navigator && navigator.onLine === false) {
    return `this device is offline: ${u.host} cannot be reached until the network is back`;
  }
  if (page.protocol === "https:" && u.protocol === "http:" && !/^(localhost|127\.0\.0\.1|\[::1\])$/.test(u.hostname)) {
    return `${u.href} is plain http on an https page: the browser blocks it (use an https URL)`;
  }
  if (u.origin === page.origin) {
    return `the connection to ${u.host} failed (${err.message})`;
  }
  // Does the host answer at all? A no-cors request gets an (unreadable) answer from any host
  // that is up, whatever its CORS headers. In a cross-origin isolated page (COEP
  // require-corp, as Hearth's server sends) only a host that marks its answers with CORP
  // gets through, so there a failed probe cannot tell the two apart, and the message names
  // both.
  let answers = false;
  try {
    await fetch(u.href, { method: "HEAD", mode: "no-cors", cache: "no-store", signal, credentials: "omit" });
    answers = true;
  } catch {
    // no answer this page may see
  }
  if (signal?.aborted) throw err;
  if (answers) {
    return `${u.host} answered but does not let this page read ${u.pathname} (no CORS headers for ${page.origin}): the host must send Access-Control-Allow-Origin and allow the Range header`;
  }
  if (!globalThis.crossOriginIsolated) {
    return `cannot reach ${u.host}: the host is down, refuses connections or does not exist (${err.message})`;
  }
  return `no readable answer from ${u.host}: the host is down or unreachable, or it does not let this page read ${u.pathname} (it must send Access-Control-Allow-Origin for ${page.origin}); open the URL in a tab to see which`;
}

const reasons = {
  400: "Bad Request", 401: "Unauthorized: it needs a login", 403: "Forbidden: the host refuses access",
  404: "Not Found: no file at this address", 410: "Gone", 429: "Too Many Requests: try again later",
  500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

// httpFailure names an HTTP answer that is not the one wanted.
export function httpFailure(url, res) {
  const u = new URL(url, here());
  const why = reasons[res.status] || res.statusText || "";
  return `${u.host} answered HTTP ${res.status}${why ? " " + why : ""} for ${u.pathname}`;
}
