// shelfsync service worker: the app shell, offline.  Served as /sw.js, stamped
// by the server with a VERSION made from the shell's files and the list of
// files to precache, so any change to the shell is a new worker and a new cache.
//
// - install: precache the shell (awaited); a failed fetch fails the install.
// - activate: delete every other version's cache.
// - navigations: network first, the cached shell when the network fails, when
//   the server answers 5xx (a proxy's 502 while the app restarts) or when no
//   answer has come within NETWORK_TIMEOUT_MS ("lie-fi").
// - the shell's static files: cache first (others, such as the console's
//   styles, are left to the network: the version does not cover them).
// - /api/: never cached, never touched.
// - a new worker waits until the page says the outbox is idle ("apply").
// - Background Sync: an open page of the app syncs; with none open, the worker
//   runs the page's own sync (sync.js, with db.js: the same outbox, the same
//   protocol code, the same Web Lock, so the two never push at the same time).
// - web push: show what arrives; a rotated subscription is given to the
//   server in place of the old one (pushsubscriptionchange).
//
// A module worker (registered with type "module"), so that it can import the
// app's modules.

import { renew as renewPush } from "/static/js/push.js";
import { events as syncEvents, flushInWorker } from "/static/js/sync.js";

const VERSION = "__VERSION__";
const SHELL = ["__SHELL__"];
const CACHE = `shelfsync-shell-${VERSION}`;
// How long the start page waits for the network before the cached shell is
// served (connected, but nothing comes back).  A shell that comes later still
// refreshes the cache, if the worker is still running then.
const NETWORK_TIMEOUT_MS = 3000;

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
  // only the shell: other static files (the console's styles) are not versioned with it
  if (url.pathname !== "/app" && SHELL.includes(url.pathname)) event.respondWith(cacheFirst(request));
});

// The shell page, network first.  What the server says on purpose is passed on
// as it is: a redirect (to /login: the session has ended), 401/403 and other
// 4xx.  No network, a 5xx (the server is down behind a proxy, or restarting) or
// no answer in time: the cached shell, when there is one (without one, the
// network's answer, however long it takes).
async function shellPage(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    // only the shell itself: a redirect to /login is not the shell
    if (response.ok && !response.redirected) await cache.put("/app", response.clone());
    return response;
  });
  const cached = await cache.match("/app");
  if (!cached) return network;
  network.catch(() => {}); // answered from the cache: a late failure is no news
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, NETWORK_TIMEOUT_MS, null)));
  try {
    const response = await Promise.race([network, timeout]);
    if (response && response.status < 500) return response;
  } catch (_) {
    /* no network: the cached shell */
  } finally {
    clearTimeout(timer);
  }
  return cached;
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

// Web push: show what the server sent ({kind, title, body, url, …}, see
// sync/notices.py).  One notification per kind (per list for pick lists), so a
// new push replaces the one before; new conflicts add up to what the
// notification still on screen said.
const PUSH_DEFAULT_URL = { conflicts: "/console/conflicts", silent_devices: "/console/devices", pick_list: "/app#pick" };

function pushUrl(data) {
  try {
    const url = new URL(data.url || PUSH_DEFAULT_URL[data.kind] || "/app", self.location.origin);
    if (url.origin === self.location.origin) return url.pathname + url.search + url.hash;
  } catch (_) {
    /* not a URL: the default below */
  }
  return PUSH_DEFAULT_URL[data.kind] || "/app";
}

function pushTag(data) {
  if (data.kind === "pick_list" && data.list) return `shelfsync-pick_list-${data.list}`;
  return `shelfsync-${data.kind || "notice"}`;
}

async function showPush(data) {
  const tag = pushTag(data);
  let { title, body } = data;
  const extra = { kind: data.kind || "notice", url: pushUrl(data), count: data.count, codes: data.codes };
  if (data.kind === "conflicts") {
    for (const old of await self.registration.getNotifications({ tag })) {
      const before = old.data || {};
      extra.count = (before.count || 0) + (data.count || 0);
      extra.codes = { ...(before.codes || {}) };
      for (const [code, n] of Object.entries(data.codes || {})) extra.codes[code] = (extra.codes[code] || 0) + n;
      title = `${extra.count} new conflict${extra.count === 1 ? "" : "s"}`;
      body = Object.entries(extra.codes)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${n} ${code}`)
        .join(", ");
    }
  }
  await self.registration.showNotification(title || "shelfsync", {
    body: body || "",
    tag,
    renotify: true,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: extra,
  });
}

self.addEventListener("push", (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch (_) {
    data = { title: "shelfsync", body: event.data.text() };
  }
  event.waitUntil(showPush(data && typeof data === "object" ? data : {}));
});

// The browser rotated the push subscription (it expired, or the push service
// renewed it): without this the server keeps pushing to the dead endpoint and
// this browser hears nothing more.  Subscribe again with the same server key
// and give the server the new endpoint in place of the old one (push.js).
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(renewPush(self.registration.pushManager, event.oldSubscription, event.newSubscription));
});

// A tap on the notification: the page it names, in a window already showing
// that page when there is one (the app switches screens without reloading),
// else a new window.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(pushUrl(event.notification.data || {}), self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const same = windows.find((w) => new URL(w.url).pathname === target.pathname);
      if (!same) return self.clients.openWindow(target.href);
      let shown = same;
      if (target.pathname === "/app") {
        if (same.url !== target.href) same.postMessage({ type: "open", url: target.href });
      } else {
        // a console page is loaded again: the inbox shows what is new
        shown = (await same.navigate(target.href).catch(() => null)) || same;
      }
      return shown.focus().catch(() => null);
    })(),
  );
});
