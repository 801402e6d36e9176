// Offline support: registers the service worker (web/app/sw.js, built to sw.js next to
// index.html), which keeps the app shell and serves the downloaded models when the network
// is gone.

// registerServiceWorker registers the service worker at url (scope: its folder). It
// resolves with the registration, or null where service workers are unavailable (an
// insecure context, a browser without them) or registration failed: the app works
// without it, only not offline.
export async function registerServiceWorker(url) {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return null;
  try {
    return await navigator.serviceWorker.register(url, { type: "classic", updateViaCache: "none" });
  } catch (err) {
    console.warn(`Hearth works online only: the service worker did not register (${err.message || err})`);
    return null;
  }
}
