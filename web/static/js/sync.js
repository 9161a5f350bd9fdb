// The sync loop (sync protocol v1): push the outbox, then pull changes.
//
// Runs after each scan, on load, on `online`, when the page becomes visible,
// every 30 s, on "Sync now" and when the service worker relays a Background
// Sync event; when no page is open, the service worker runs the same sync
// itself (flushInWorker).  One sync at a time, across tabs and the service
// worker too (Web Locks).  Nothing here needs a page: the service worker
// imports this module (start and afterRecord are the page's).  Failures back
// off with jitter.  The protocol's answers:
//   gap              push again from the seq the server expects (from the sent log),
//                    or, when the device no longer holds it, as a new device
//   epoch_mismatch   the server was restored: pull with reset, push the sent log again
//   401 / 403        register again with the logged-in session; if there is none,
//                    ask the person to log in again — the outbox is never touched
//   device_forked    register again: a new device with the outbox numbered anew
// A new device identity numbers the outbox again from 1; the server knows a
// movement it already has by its id, so a resend is a replay, never a double.

import * as api from "./api.js";
import { nowIso } from "./clock.js";
import * as db from "./db.js";

const BATCH = 200;
const EVERY_MS = 30000;
const MAX_BACKOFF_MS = 60000;
const SOON_MS = 150;
const LOCK = "shelfsync-sync";
export const STALE_MS = 4 * 3600 * 1000;

export const events = new EventTarget();
export const state = {
  online: navigator.onLine,
  syncing: false,
  pending: 0,
  oldest: null,
  lastSyncAt: null,
  lastError: null,
  needsLogin: false,
  lastReason: null, // what started the last sync that succeeded
  cursor: 0,
  deviceId: null,
};

let config = { user: null, version: "dev", deviceName: "web" };
let inFlight = null;
let again = false;
let failures = 0;
let retryAt = 0;
let retryTimer = null;

class Temporary extends Error {
  constructor(message, retryAfterMs) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

class NeedsLogin extends Error {}

export function configure(options) {
  config = { ...config, ...options };
}

function changed() {
  events.dispatchEvent(new Event("change"));
}

// Scans counted by afterRecord: a read of storage that began before one of
// them was stored would count one too few, so refresh reads again.
let recorded = 0;

export async function refresh() {
  let summary, meta, before;
  do {
    before = recorded;
    [summary, meta] = await Promise.all([db.pendingSummary(), db.getMeta()]);
  } while (before !== recorded);
  state.pending = summary.count;
  state.oldest = summary.oldest;
  state.lastSyncAt = meta.last_sync_at || null;
  state.cursor = meta.cursor || 0;
  state.deviceId = meta.device_id || null;
  state.online = navigator.onLine;
  changed();
}

export function start() {
  addEventListener("online", () => sync("online", { force: true }));
  addEventListener("offline", () => refresh());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync("visible");
  });
  setInterval(() => sync("timer"), EVERY_MS);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "sync") sync("background-sync", { force: true });
      if (event.data && event.data.type === "pulled") {
        events.dispatchEvent(new CustomEvent("pulled", { detail: event.data.detail })); // the worker's pull
        refresh();
      }
    });
  }
  return sync("load", { force: true });
}

// After a scan was stored: count it at once (storage is read again shortly),
// sync soon (a burst of scans goes in one push), and ask for Background Sync
// once, in case the page is closed before the network comes back.
let soon = null;
let backgroundAsked = false;

export function afterRecord(count = 1) {
  recorded += 1;
  state.pending += count;
  changed();
  if (!backgroundAsked && navigator.serviceWorker && "SyncManager" in self) {
    backgroundAsked = true;
    navigator.serviceWorker.ready
      .then((r) => r.sync.register("shelfsync-outbox"))
      .catch(() => (backgroundAsked = false));
  }
  clearTimeout(soon);
  soon = setTimeout(() => (navigator.onLine ? sync("scan") : refresh()), SOON_MS);
}

export function sync(reason = "manual", { force = false } = {}) {
  if (!force && Date.now() < retryAt) return inFlight || Promise.resolve();
  if (force) retryAt = 0;
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    state.syncing = true;
    changed();
    try {
      do {
        again = false;
        await withLock(() => once(reason));
      } while (again && Date.now() >= retryAt);
    } finally {
      inFlight = null;
      state.syncing = false;
      await refresh();
    }
  })();
  return inFlight;
}

function withLock(fn) {
  return navigator.locks ? navigator.locks.request(LOCK, fn) : fn();
}

async function once(reason) {
  state.online = navigator.onLine;
  if (!navigator.onLine) return;
  try {
    await cycle();
    failures = 0;
    retryAt = 0;
    backgroundAsked = false;
    state.lastError = null;
    state.needsLogin = false;
    state.lastReason = reason;
  } catch (error) {
    failed(error, reason);
  }
}

// One sync: register when needed, push the outbox, pull, push again after a
// restore.  Throws what went wrong (NeedsLogin, Temporary, a network error).
async function cycle() {
  const meta = await db.getMeta();
  if (!meta.token || (config.user && meta.username !== config.user)) {
    await register();
  }
  await pushAll();
  const epochChanged = await pullAll();
  if (epochChanged) await pushAll();
  await db.pruneSent();
  await db.setMeta({ last_sync_at: nowIso() });
}

// The service worker's flush, when Background Sync fires and no page of the
// app is open: the same sync as the page's, under the same lock, as the device
// the page registered (its user and name, from storage).  Resolves when done,
// and when only a person can help (log in again: the outbox is kept for the
// page to send); throws a temporary failure, for the browser to retry later.
export async function flushInWorker(version) {
  const meta = await db.getMeta();
  configure({ user: meta.username || null, version, deviceName: meta.device_name || "web" });
  try {
    await withLock(cycle);
  } catch (error) {
    if (error instanceof NeedsLogin) return "needs-login";
    throw error;
  }
  return "synced";
}

function failed(error, reason) {
  if (error instanceof NeedsLogin) {
    state.needsLogin = true;
    state.lastError = "Log in again to send your scans. They are kept on this device.";
    return;
  }
  failures += 1;
  const base = error.retryAfterMs || Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 6));
  const wait = Math.round(base * (0.5 + Math.random())); // jitter: devices do not retry in step
  retryAt = Date.now() + wait;
  state.lastError = error instanceof api.NetworkError ? "No connection to the server" : error.message;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => sync("retry"), wait);
  console.warn(`sync (${reason}) failed, retrying in ${wait} ms:`, error);
}

// Register this browser (again) with the logged-in session.  When the server's
// epoch is not the one the device knew (restored while this device's token was
// not in the backup), the sent log goes back into the outbox and the copy is
// pulled again from scratch.
async function register() {
  const before = await db.getMeta();
  let answer;
  try {
    answer = await api.registerDevice(config.deviceName, config.version);
  } catch (error) {
    if (error instanceof api.ApiError && [401, 403].includes(error.status)) throw new NeedsLogin();
    throw error;
  }
  await db.setMeta({
    device_id: answer.device_id,
    token: answer.token,
    epoch: answer.epoch,
    username: config.user,
    device_last_seq: 0,
  });
  if (before.epoch && before.epoch !== answer.epoch) {
    await db.requeueSent(answer.device_id);
    await db.setMeta({ cursor: null });
  }
  await db.renumberOutbox();
  return db.getMeta();
}

async function pushAll() {
  for (let round = 0; round < 1000; round += 1) {
    const meta = await db.getMeta();
    const batch = await db.pendingBatch(BATCH);
    if (!batch.length) return;
    const summary = await db.pendingSummary();
    let answer;
    try {
      answer = await api.push(meta.token, {
        device_id: meta.device_id,
        epoch: meta.epoch ?? null,
        device_time: nowIso(),
        app_version: config.version,
        pending: summary.count,
        oldest_pending_at: summary.oldest,
        movements: batch.map((e) => ({ ...e.movement, seq: e.seq })),
      });
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      if (error.code === "epoch_mismatch") {
        await pullAll();
        continue;
      }
      if (error.code === "device_forked" || error.status === 401 || error.status === 403) {
        await register();
        continue;
      }
      if (error.status === 503 || error.status >= 500) throw new Temporary(error.message, error.retryAfterMs);
      throw error;
    }
    await db.acknowledge(answer.results, nowIso(), meta.device_id);
    await db.setMeta({
      epoch: answer.epoch,
      device_last_seq: answer.device_last_seq,
      clock_offset_ms: Date.parse(answer.server_time) - Date.now(),
    });
    const stopped = answer.stopped;
    if (stopped && stopped.reason === "gap") {
      if (await db.sentHas(meta.device_id, stopped.expected_seq)) {
        await db.requeueSent(meta.device_id, stopped.expected_seq);
      } else {
        await register();
      }
    } else if (stopped && stopped.reason === "temporary") {
      throw new Temporary("the server asked to wait", stopped.retry_after_ms);
    }
  }
}

// Pull every page; returns true when the server's epoch changed (a restore),
// after putting the sent log back into the outbox to be pushed again.  Tells
// the screens ("pulled") only when the catalog, tasks or stock changed.
async function pullAll() {
  let meta = await db.getMeta();
  const knownEpoch = meta.epoch ?? null;
  let cursor = meta.cursor ?? null;
  let epochChanged = false;
  const seen = { catalog: false, tasks: false, stock: false };
  for (let page = 0; page < 10000; page += 1) {
    let answer;
    try {
      answer = await api.pull(meta.token, { device_id: meta.device_id, cursor, limit: 2000, epoch: meta.epoch ?? null });
    } catch (error) {
      if (error instanceof api.ApiError && (error.status === 401 || error.status === 403)) {
        meta = await register();
        continue;
      }
      throw error;
    }
    if (answer.reset && knownEpoch && answer.epoch !== knownEpoch) epochChanged = true;
    await db.applyPull(answer, answer.reset);
    const c = answer.changes || {};
    seen.catalog ||= answer.reset || [c.items, c.locations, c.lots].some((rows) => rows && rows.length);
    seen.tasks ||= answer.reset || Boolean(c.tasks && c.tasks.length) || Boolean(c.rmas && c.rmas.length);
    seen.stock ||= answer.reset || Boolean(c.stock && c.stock.length);
    meta = await db.getMeta();
    cursor = answer.cursor;
    if (!answer.more) break;
  }
  if (epochChanged) {
    const back = await db.requeueSent(meta.device_id);
    if (back.foreign > 0) await register();
  }
  if (seen.catalog || seen.tasks || seen.stock) events.dispatchEvent(new CustomEvent("pulled", { detail: seen }));
  return epochChanged;
}
