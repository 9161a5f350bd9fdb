// Making movements (sync protocol v1) and storing them in the outbox.  Known
// items are sent by SKU with the quantity in units (the scanned pack already
// multiplied); an unknown code is sent as it was scanned, quantity 1, so the
// server holds it for a supervisor (UNKNOWN_ITEM / UNKNOWN_LOCATION).

import * as db from "./db.js";
import * as sync from "./sync.js";
import { uuid7 } from "./uuid7.js";

let user = null;

export function setUser(name) {
  user = name;
}

export function movement(kind, fields) {
  const m = {
    id: uuid7(),
    kind,
    user,
    recorded_at: new Date().toISOString(),
    basis: sync.state.cursor || 0,
    item: null,
    lot: null,
    serial: null,
    expiry: null,
    from: null,
    to: null,
    qty: null,
    ref: null,
    note: null,
  };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) m[key] = value;
  return m;
}

// The item fields of a movement for a resolved scan.
export function itemFields(scan) {
  if (scan.kind === "item") {
    return { item: scan.item.sku, lot: scan.lot || null, serial: scan.serial || null, expiry: scan.expiry || null };
  }
  return { item: scan.code, lot: scan.lot || null, serial: scan.serial || null, expiry: scan.expiry || null };
}

// A lot- or serial-tracked item without its lot (serial) in `fields`: the
// server would refuse it (MISSING_FIELD), so it is not stored.  The message to
// show the person, or null.
export function missingLot(scan, fields = itemFields(scan)) {
  const tracking = scan.kind === "item" ? scan.item.tracking : "none";
  if ((tracking !== "lot" && tracking !== "serial") || fields[tracking]) return null;
  return `${fields.item} is tracked by ${tracking}: scan its ${tracking} label`;
}

// Store movements (and settle a draft) in one transaction, then sync.
export async function record(list, { draft = null, deleteDraft = null } = {}) {
  const entries = await db.recordWithDraft(list, draft, deleteDraft);
  if (entries.length) sync.afterRecord(entries.length);
  return entries;
}

// An unknown code scanned during a task (a pick, a put-back): stored and sent
// as scanned, one unit naming the task, for a supervisor to map or void; it
// does not count toward the task.  The message to show the person.
export async function recordUnknown(kind, found, task, places, note) {
  const m = movement(kind, {
    ...itemFields(found), ...places, qty: 1, ref: { order_line: task.order_line, task: task.id }, note,
  });
  await record([{ movement: m }]);
  return `Unknown code ${found.raw || found.code}: sent to a supervisor, not counted. Scan the item's barcode`;
}
