// shelfsync service worker: the app shell, offline.  Served as /sw.js, stamped
// by the server with a VERSION made from the shell's files and the list of
// files to precache, so any change to the shell is a new worker and a new cache.
//
// - install: precache the shell (awaited); a failed fetch fails the install.
// - activate: delete every other version's cache.
// - navigations: network first, the cached shell when the network fails.
// - static files: cache first.
// - /api/: never cached, never touched.
// - a new worker waits until the page says the outbox is idle ("apply").
// - Background Sync: an open page of the app syncs; with none open, the worker
//   runs the page's own sync (sync.js, with db.js: the same outbox, the same
//   protocol code, the same Web Lock, so the two never push at the same time).
//
// A module worker (registered with type "module"), so that it can import the
// app's modules.

import { events as syncEvents, flushInWorker } from "/static/js/sync.js";

const VERSION = "__VERSION__";
const SHELL = ["__SHELL__"];
const CACHE = `shelfsync-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const responses = await Promise.all(
        SHELL.map((url) => fetch(url, { credentials: "same-origin", cache: "no-cache" })),
      );
      responses.forEach((response, i) => {
        // the shell page needs the session: a redirect to /login is not the shell
        if (!response.ok || response.redirected) {
          throw new Error(`precache: ${SHELL[i]} answered ${response.status}`);
        }
      });
      await Promise.all(responses.map((response, i) => cache.put(SHELL[i], response)));
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("shelfsync-shell-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "apply-update") self.skipWaiting();
  if (event.data && event.data.type === "version") event.source?.postMessage({ type: "version", version: VERSION });
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    if (url.pathname === "/app") event.respondWith(shellPage(request));
    return;
  }
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});

async function shellPage(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put("/app", response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match("/app");
    if (cached) return cached;
    throw error;
  }
}

let opened = null; // this version's cache, opened once per worker start

async function cacheFirst(request) {
  opened = opened || caches.open(CACHE);
  const cache = await opened;
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// Background Sync: the network is back.  A page of the app that is open syncs
// itself (its loop also shows what happens); with none open, the worker
// pushes the outbox.  A failure (no server, a 503) rejects, so the browser
// fires the event again later; "log in again" is left for the page to ask.
self.addEventListener("sync", (event) => {
  if (event.tag === "shelfsync-outbox") event.waitUntil(backgroundSync());
});

async function backgroundSync() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const pages = windows.filter((client) => new URL(client.url).pathname === "/app");
  if (pages.length) {
    for (const page of pages) page.postMessage({ type: "sync" });
    return;
  }
  await flushInWorker(VERSION);
}

// A page opened while the worker's sync ran loaded the catalog and tasks
// before the pull had stored them: tell it what changed, as its own pull would.
syncEvents.addEventListener("pulled", async (event) => {
  for (const page of await self.clients.matchAll({ type: "window" })) {
    page.postMessage({ type: "pulled", detail: event.detail });
  }
});
