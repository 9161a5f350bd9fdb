// The device's storage: the only module that touches indexedDB.  It owns the
// database name, its version, its stores and the upgrade steps.
//
//   meta       {key, value}: device_id, token, epoch, cursor, clock_offset_ms,
//              username, next_seq, last_sync_at, device_last_seq (the last
//              answer's), pulled_device_seq (the last pull's: what the copy includes)
//   outbox     movements not yet answered by the server, by id; index seq
//   sent       movements the server answered (outcome, server_seq), kept 30 days;
//              an entry of either with `noticed` set was rejected and the person
//              was told (or it was rejected before this device told of rejections)
//   items, barcodes, locations, lots, stock, tasks: the device's copy from pull
//   rmas       open RMAs with their lines, from pull (for the Returns screen)
//   drafts     work in progress on a screen (a count being made, a pick's units)
//   notices    supervisors' resolutions of this device's movements, from pull,
//              by resolution id, and this device's movements the server
//              rejected, by "rejected:<movement id>", until the person has seen
//              them (then 30 days)
//
// Every function runs one transaction and resolves when it has committed.
// Nothing here fetches: a network call never happens inside a transaction.

const NAME = "shelfsync";
const VERSION = 4;
const COPY = ["items", "barcodes", "locations", "lots", "stock", "tasks", "rmas"];
export const SENT_KEEP_DAYS = 30;

let opening = null;
let counters = null; // the outbox's {seq, n} as this page last wrote them; null: read them first

function upgrade(db, oldVersion, tx) {
  if (oldVersion < 1) {
    db.createObjectStore("meta", { keyPath: "key" });
    const outbox = db.createObjectStore("outbox", { keyPath: "id" });
    outbox.createIndex("seq", "seq");
    outbox.createIndex("task", "task");
    const sent = db.createObjectStore("sent", { keyPath: "id" });
    sent.createIndex("seq", "seq");
    sent.createIndex("task", "task");
    sent.createIndex("acked_at", "acked_at");
    db.createObjectStore("items", { keyPath: "sku" });
    db.createObjectStore("barcodes", { keyPath: "code" }).createIndex("sku", "sku");
    db.createObjectStore("locations", { keyPath: "code" }).createIndex("barcode", "barcode");
    db.createObjectStore("lots", { keyPath: ["item", "code"] }).createIndex("code", "code");
    const stock = db.createObjectStore("stock", { keyPath: ["item", "location", "lot"] });
    stock.createIndex("item", "item");
    stock.createIndex("location", "location");
    db.createObjectStore("tasks", { keyPath: "id" });
    db.createObjectStore("drafts", { keyPath: "id" });
  }
  if (oldVersion < 2) {
    db.createObjectStore("rmas", { keyPath: "number" });
    // RMAs made before this version never come again by themselves: pull from
    // scratch (the copy is cleared and sent again; the outbox is untouched)
    if (oldVersion >= 1) tx.objectStore("meta").put({ key: "cursor", value: null });
  }
  if (oldVersion < 3) {
    db.createObjectStore("notices", { keyPath: "id" });
    // only resolutions made from now on are news (a pull with reset sends every
    // result again, with resolutions seen long ago): the server's time now, as
    // well as the device knows it, less a few seconds for the clocks' error
    const meta = tx.objectStore("meta");
    const offset = meta.get("clock_offset_ms");
    offset.onsuccess = () => {
      const at = Date.now() + ((offset.result && offset.result.value) || 0) - 5000;
      meta.put({ key: "notices_since", value: new Date(at).toISOString() });
    };
  }
  if (oldVersion < 4 && oldVersion >= 1) {
    // movements rejected before rejections were notices are not news now (as
    // resolutions from before the notices store are not): marked as told, so a
    // pull with reset, which sends their results again, makes no notice of them
    tx.objectStore("sent").openCursor().onsuccess = (event) => {
      const cursor = event.target.result;
      if (!cursor) return;
      if (cursor.value.outcome === "rejected") cursor.update({ ...cursor.value, noticed: true });
      cursor.continue();
    };
  }
}

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion, request.transaction);
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => db.close(); // a newer app version wants to upgrade
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("storage is held by an older tab: close it"));
    });
  }
  return opening;
}

const done = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

// Run fn(stores) in one transaction; resolves with fn's value once committed.
async function run(names, mode, fn, durability = "default") {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode, { durability });
    const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
    let value;
    Promise.resolve(fn(stores)).then(
      (v) => (value = v),
      (error) => {
        try {
          tx.abort();
        } catch (_) {
          /* already finished */
        }
        reject(error);
      },
    );
    tx.oncomplete = () => resolve(value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

// -- meta ------------------------------------------------------------------------

export async function getMeta() {
  const rows = await run(["meta"], "readonly", (s) => done(s.meta.getAll()));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export function setMeta(values) {
  if ("next_seq" in values || "next_n" in values) counters = null;
  return run(["meta"], "readwrite", (s) => {
    for (const [key, value] of Object.entries(values)) s.meta.put({ key, value });
  });
}

// -- the outbox ----------------------------------------------------------------------

// Store a movement and give it the device's next seq, in one transaction.
export async function recordMovement(movement, task = null) {
  const [entry] = await recordWithDraft([{ movement, task }], null);
  return entry;
}

export function pendingBatch(limit) {
  return run(["outbox"], "readonly", (s) => done(s.outbox.index("seq").getAll(null, limit)));
}

export function pendingSummary() {
  return run(["outbox"], "readonly", async (s) => {
    const count = await done(s.outbox.count());
    const first = await done(s.outbox.index("seq").openCursor());
    return { count, oldest: first ? first.value.at : null };
  });
}

// The server answered: move the answered movements from the outbox to the sent
// log; a rejected one becomes a notice in the same transaction.
export function acknowledge(results, at, device) {
  return run(
    ["outbox", "sent", "notices"],
    "readwrite",
    async (s) => {
      let moved = 0;
      for (const result of results) {
        const entry = await done(s.outbox.get(result.id));
        if (!entry || entry.seq !== result.seq) continue;
        s.outbox.delete(result.id);
        const sent = {
          ...entry,
          device,
          acked_at: at,
          outcome: result.outcome,
          replayed: Boolean(result.replayed),
          code: result.code || null,
          server_seq: result.server_seq,
          message: result.message || null,
        };
        s.sent.put(await noticeRejected(s.notices, sent, result, at));
        moved += 1;
      }
      return moved;
    },
    "strict",
  );
}

// Put the sent log (this device's, from a seq on; or all of it) back into the
// outbox, to push it again (after a server restore: what the backup had
// replays, what it lacked posts).  Returns how many came back, and how many of
// them another device identity of this browser had sent (their seqs mean
// nothing now: the outbox must be numbered again under a new device).
export function requeueSent(device, fromSeq = null) {
  return run(["outbox", "sent"], "readwrite", async (s) => {
    const rows = await done(s.sent.getAll());
    let count = 0;
    let foreign = 0;
    for (const row of rows) {
      if (fromSeq !== null && (row.device !== device || row.seq < fromSeq)) continue;
      const { acked_at, outcome, replayed, code, server_seq, message, device: sentBy, ...entry } = row;
      s.outbox.put(entry);
      s.sent.delete(row.id);
      count += 1;
      if (sentBy !== device) foreign += 1;
    }
    return { count, foreign };
  }, "strict");
}

// A new device identity: number the outbox 1, 2, 3… in the order it was recorded.
export function renumberOutbox() {
  counters = null;
  return run(["meta", "outbox"], "readwrite", async (s) => {
    const rows = await done(s.outbox.getAll());
    rows.sort((a, b) => a.n - b.n);
    rows.forEach((row, i) => s.outbox.put({ ...row, seq: i + 1 }));
    s.meta.put({ key: "next_seq", value: rows.length + 1 });
    return rows.length;
  }, "strict");
}

// Whether this device's sent log still holds a seq (to fill a gap from it).
export function sentHas(device, seq) {
  return run(["sent"], "readonly", async (s) => {
    const rows = await done(s.sent.index("seq").getAll(seq));
    return rows.some((r) => r.device === device);
  });
}

export function pruneSent(now = Date.now()) {
  const before = new Date(now - SENT_KEEP_DAYS * 86400e3).toISOString();
  return run(["sent"], "readwrite", async (s) => {
    const keys = await done(s.sent.index("acked_at").getAllKeys(IDBKeyRange.upperBound(before)));
    for (const key of keys) s.sent.delete(key);
    return keys.length;
  });
}

// Every movement of a task (pending and sent), for its progress.
export function movementsOfTask(task) {
  return run(["outbox", "sent"], "readonly", async (s) => [
    ...(await done(s.sent.index("task").getAll(task))),
    ...(await done(s.outbox.index("task").getAll(task))),
  ]);
}

// This device's movements with a seq above ``seq``, sent or not (by seq).
export function movementsAfter(seq) {
  const above = IDBKeyRange.lowerBound(seq, true);
  return run(["outbox", "sent"], "readonly", async (s) => [
    ...(await done(s.sent.index("seq").getAll(above))),
    ...(await done(s.outbox.index("seq").getAll(above))),
  ]);
}

export function allMovements() {
  return run(["outbox", "sent"], "readonly", async (s) => ({
    sent: await done(s.sent.getAll()),
    outbox: await done(s.outbox.index("seq").getAll()),
  }));
}

// -- the copy of server state ---------------------------------------------------------

function gtinKeys(code) {
  return /^\d{8}$|^\d{12,14}$/.test(code) ? [code.padStart(14, "0")] : [];
}

// Apply one pull page; with reset, the copy is cleared first (never the outbox).
// A result may bring a rejection the push's answer did not (it was lost): the
// notice is made here then, with the movement still in the sent log or the outbox.
export function applyPull(page, reset) {
  return run([...COPY, "meta", "outbox", "sent", "notices"], "readwrite", async (s) => {
    if (reset) for (const name of COPY) s[name].clear();
    const c = page.changes || {};
    for (const item of c.items || []) {
      const old = await done(s.barcodes.index("sku").getAllKeys(item.sku));
      for (const key of old) s.barcodes.delete(key);
      s.items.put(item);
      for (const b of item.barcodes || []) {
        s.barcodes.put({ code: b.code, sku: item.sku, pack_qty: b.pack_qty, gtin: gtinKeys(b.code)[0] || null });
      }
    }
    for (const loc of c.locations || []) s.locations.put(loc);
    for (const lot of c.lots || []) s.lots.put(lot);
    for (const row of c.stock || []) s.stock.put({ ...row, lot: row.lot || "" });
    for (const task of c.tasks || []) s.tasks.put(task);
    for (const rma of c.rmas || []) {
      if (rma.status === "received") s.rmas.delete(rma.number);
      else s.rmas.put(rma);
    }
    const since = (await done(s.meta.get("notices_since")))?.value || null;
    const now = new Date().toISOString();
    for (const result of c.results || []) {
      const entry = await done(s.sent.get(result.id));
      if (entry) {
        const updated = { ...entry, outcome: result.outcome, code: result.code || null, message: result.message || null };
        s.sent.put(await noticeRejected(s.notices, updated, result, now));
      } else if (result.outcome === "rejected") {
        const pending = await done(s.outbox.get(result.id));
        if (pending && !pending.noticed) s.outbox.put(await noticeRejected(s.notices, pending, result, now));
      }
      for (const resolution of result.resolutions || []) await addNotice(s.notices, result, resolution, entry, since);
    }
    s.meta.put({ key: "cursor", value: page.cursor });
    s.meta.put({ key: "epoch", value: page.epoch });
    s.meta.put({ key: "device_last_seq", value: page.device_last_seq });
    s.meta.put({ key: "pulled_device_seq", value: page.device_last_seq }); // what this copy includes
  });
}

export function all(name) {
  return run([name], "readonly", (s) => done(s[name].getAll()));
}

export function get(name, key) {
  return run([name], "readonly", (s) => done(s[name].get(key)));
}

export function byIndex(name, index, key) {
  return run([name], "readonly", (s) => done(s[name].index(index).getAll(key)));
}

// -- drafts: work in progress that must survive a reload ------------------------------

export function putDraft(draft) {
  return run(["drafts"], "readwrite", (s) => {
    s.drafts.put(draft);
  }, "strict");
}

export function deleteDraft(id) {
  return run(["drafts"], "readwrite", (s) => {
    s.drafts.delete(id);
  });
}

// The outbox's counters: next_seq (the device seq of the next movement) and
// next_n (the order movements were recorded in, kept across renumbering).
// Both are read with one request: the keys between "next_n" and "next_seq".
const COUNTERS = IDBKeyRange.bound("next_n", "next_seq");

function countersOf(rows) {
  const value = (key) => rows.find((r) => r.key === key)?.value ?? 1;
  return { seq: value("next_seq"), n: value("next_n") };
}

class StaleCounters extends Error {}

// Record a movement and settle a draft in the same transaction (a confirmed pick,
// a submitted count line), so a reload never shows both or neither.  The seq is
// assigned in that transaction.  When this page knows the counters (it wrote
// them last), every request goes out at once, with no wait for the counters'
// answer in between: the transaction reads them too and aborts, storing
// nothing, when another tab or the service worker changed them meanwhile;
// then it runs again from what is stored.  Resolves once committed to disk.
export async function recordWithDraft(movements, draft, deleteId = null) {
  const names = draft || deleteId ? ["meta", "outbox", "drafts"] : ["meta", "outbox"];
  const known = counters;
  counters = null; // until this transaction has committed
  try {
    const { entries, next } = await run(names, "readwrite", (s) => {
      const stored = done(s.meta.getAll(COUNTERS)).then(countersOf);
      if (!known) return stored.then((now) => write(s, movements, now, draft, deleteId));
      const written = write(s, movements, known, draft, deleteId);
      return stored.then((now) => {
        if (now.seq !== known.seq || now.n !== known.n) throw new StaleCounters();
        return written;
      });
    }, "strict"); // flushed to disk before the scan is confirmed
    counters = next;
    return entries;
  } catch (error) {
    if (error instanceof StaleCounters) return recordWithDraft(movements, draft, deleteId);
    throw error;
  }
}

function write(s, movements, { seq, n }, draft, deleteId) {
  const entries = [];
  for (const { movement, task } of movements) {
    const entry = { id: movement.id, seq, n, task: task || null, at: movement.recorded_at, movement };
    s.outbox.add(entry);
    entries.push(entry);
    seq += 1;
    n += 1;
  }
  s.meta.put({ key: "next_seq", value: seq });
  s.meta.put({ key: "next_n", value: n });
  if (draft) s.drafts.put(draft);
  if (deleteId) s.drafts.delete(deleteId);
  return { entries, next: { seq, n } };
}

// -- notices: what a supervisor decided about this device's movements, and which
// of them the server rejected ----------------------------------------------------------

// Both are kept with the movement as the device recorded it (the sent log is pruned).
function recorded(m) {
  return {
    kind: m.kind || null,
    user: m.user || null,
    item: m.item || null,
    lot: m.lot || null,
    from: m.from || null,
    to: m.to || null,
    qty: m.qty ?? null,
    recorded_at: m.recorded_at || null,
  };
}

// A notice already there is left alone, so a pull with reset, which sends every
// result again, does not bring back what the person has seen; nor one older
// than the notices store on this device, or than 30 days (seen ones are pruned).
async function addNotice(store, result, resolution, entry, since) {
  if (!resolution.id || (await done(store.get(resolution.id)))) return;
  if (resolution.at && since && Date.parse(resolution.at) < Date.parse(since)) return;
  if (resolution.at && Date.parse(resolution.at) < Date.now() - SENT_KEEP_DAYS * 86400e3) return;
  store.put({
    id: resolution.id,
    movement: result.id,
    outcome: result.outcome,
    action: resolution.action,
    reason: resolution.reason || "",
    by: resolution.by || null,
    at: resolution.at || null,
    conflict: resolution.conflict || null,
    ...recorded(entry ? entry.movement : {}),
    seen_at: null,
  });
}

// A rejected movement of this device (an outbox or sent entry): one notice
// "rejected:<id>", made once.  The entry is marked `noticed` in the same
// transaction and returned for the caller to store, so neither a replayed
// answer, nor a pull with reset (every result again), nor the sent log pushed
// again after a server restore brings back a notice the person has seen, even
// once it is pruned.  A result the device holds no entry of (pruned: older than
// 30 days) makes none.
async function noticeRejected(store, entry, result, at) {
  if (result.outcome !== "rejected" || entry.noticed) return entry;
  const id = `rejected:${result.id}`;
  if (!(await done(store.get(id)))) {
    store.put({
      id,
      type: "rejected",
      movement: result.id,
      outcome: "rejected",
      code: result.code || null,
      message: result.message || null,
      at,
      ...recorded(entry.movement || {}),
      seen_at: null,
    });
  }
  return { ...entry, noticed: true };
}

export async function unseenNotices() {
  const rows = await all("notices");
  return rows.filter((n) => !n.seen_at).sort((a, b) => (a.at || "").localeCompare(b.at || ""));
}

export function markNoticesSeen(ids, at = new Date().toISOString()) {
  return run(["notices"], "readwrite", async (s) => {
    for (const id of ids) {
      const notice = await done(s.notices.get(id));
      if (notice && !notice.seen_at) s.notices.put({ ...notice, seen_at: at });
    }
  });
}

export function pruneNotices(now = Date.now()) {
  const before = new Date(now - SENT_KEEP_DAYS * 86400e3).toISOString();
  return run(["notices"], "readwrite", async (s) => {
    for (const notice of await done(s.notices.getAll())) {
      if (notice.seen_at && notice.seen_at < before) s.notices.delete(notice.id);
    }
  });
}
