// Look-up: scan anything and see what it is, where it is and how many, from
// the device's copy: server stock as last pulled, and this device's movements
// that pull did not include yet, not sent or sent since (seq above the
// device_last_seq the pull carried, kept as pulled_device_seq).  One the
// server already had when it answered the pull is in its stock, and is not
// added again.  What is shown is drawn again when a pull brings stock.

import { h } from "../ui.js";

export function create(ctx) {
  const { db, feedback } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Look up" });
  let shown = h("p", { class: "muted" }, "Scan an item, a bin or a lot.");

  function render() {
    el.replaceChildren(h("h1", {}, "Look up"), shown);
  }

  let last = null; // what was looked up: drawn again after a pull

  // This device's movements the last pull did not include, as deltas by
  // "item|location|lot" (counts set a quantity rather than move one: the
  // server places them; held and rejected ones never posted).
  async function pendingDeltas() {
    const delta = new Map();
    const add = (m, code, qty) => {
      const key = [m.item, code, m.lot || m.serial || ""].join("|");
      delta.set(key, (delta.get(key) || 0) + qty);
    };
    const meta = await db.getMeta();
    // a copy pulled by an app from before pulled_device_seq: as that app did,
    // the outbox only (device_last_seq is also moved by each push's answer)
    const pulled = meta.pulled_device_seq ?? meta.device_last_seq ?? 0;
    for (const { movement: m, outcome, device } of await db.movementsAfter(pulled)) {
      if (device && device !== meta.device_id) continue; // sent as the device this browser was before
      if (outcome && outcome !== "applied" && outcome !== "flagged") continue;
      if (m.kind === "count" || !m.qty) continue;
      if (m.from) add(m, m.from, -m.qty);
      if (m.to) add(m, m.to, m.qty);
    }
    return delta;
  }

  // Server stock as last pulled plus what that pull did not include, for the rows that
  // ``match`` takes; a place only this device has moved stock into shows too.
  async function rowsWithPending(stock, match) {
    const delta = await pendingDeltas();
    const rows = new Map();
    for (const r of stock) rows.set([r.item, r.location, r.lot || ""].join("|"), { ...r, lot: r.lot || "", pending: 0 });
    for (const [key, qty] of delta) {
      const [item, location, lot] = key.split("|");
      if (!match({ item, location, lot })) continue;
      const row = rows.get(key) || { item, location, lot, on_hand: 0, pending: 0 };
      row.pending += qty;
      rows.set(key, row);
    }
    return [...rows.values()].filter((r) => r.on_hand + r.pending !== 0 || r.pending !== 0);
  }

  const shownQty = (r) => (r.pending ? `${r.on_hand + r.pending} (${r.pending > 0 ? "+" : ""}${r.pending} not synced)` : String(r.on_hand));
  const unsent = (rows) => {
    const n = rows.reduce((s, r) => s + r.pending, 0);
    return n ? ` (${n > 0 ? "+" : ""}${n} not synced)` : "";
  };

  function table(rows, first) {
    return h("table", { class: "stock" },
      h("thead", {}, h("tr", {}, h("th", {}, first), h("th", {}, "Lot"), h("th", { class: "num" }, "On hand"))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.key), h("td", {}, r.lot || "—"), h("td", { class: "num" }, r.text)))),
    );
  }

  async function itemView(item, lot = null) {
    const stock = (await db.byIndex("stock", "item", item.sku)).filter((r) => !lot || r.lot === lot);
    const rows = await rowsWithPending(stock, (k) => k.item === item.sku && (!lot || k.lot === lot));
    const total = rows.reduce((s, r) => s + r.on_hand + r.pending, 0);
    return h("div", { class: "result", id: "lookup-result" },
      h("h2", {}, `${item.sku} · ${item.name}`),
      h("p", {}, `Barcodes: ${(item.barcodes || []).map((b) => (b.pack_qty > 1 ? `${b.code} (×${b.pack_qty})` : b.code)).join(", ") || "none"}`),
      h("p", {}, h("strong", {}, `${total} ${item.unit || "ea"}`), ` in ${rows.length} place${rows.length === 1 ? "" : "s"}${unsent(rows)}`),
      table(rows.map((r) => ({ key: r.location, lot: r.lot, text: shownQty(r) })), "Location"));
  }

  async function locationView(loc) {
    const stock = await db.byIndex("stock", "location", loc.code);
    const rows = await rowsWithPending(stock, (k) => k.location === loc.code);
    return h("div", { class: "result", id: "lookup-result" },
      h("h2", {}, `${loc.code} · ${loc.kind}`),
      h("p", {}, `Barcode ${loc.barcode || "none"}${loc.zone ? ` · zone ${loc.zone}` : ""}${unsent(rows)}`),
      table(rows.map((r) => ({ key: r.item, lot: r.lot, text: shownQty(r) })), "Item"));
  }

  async function onScan(scan, found) {
    last = found;
    await draw(found);
    const known = found.kind === "item" || found.kind === "location" || found.kind === "lot";
    if (known) feedback("good", `Found ${found.code}`);
    else feedback("warn", `Unknown code ${found.code}`);
    render();
  }

  async function draw(found) {
    if (found.kind === "item") shown = await itemView(found.item, found.lot || null);
    else if (found.kind === "location") shown = await locationView(found.location);
    else if (found.kind === "lot") {
      const lot = found.lots[0];
      const item = ctx.catalog.item(lot.item);
      shown = h("div", {}, h("p", { class: "big" }, `Lot ${lot.code} · expires ${lot.expiry || "—"} · ${lot.status}`),
        item ? await itemView(item, lot.code) : h("p", {}, lot.item));
    } else {
      shown = h("div", { class: "result", id: "lookup-result" }, h("h2", {}, "Unknown code"), h("p", {}, found.code));
    }
  }

  // A pull brought stock (or catalog): what is shown is drawn again from the new copy.
  async function redraw() {
    if (!last) return;
    await draw(last);
    render();
  }

  return { el, onScan, show: render, refresh: redraw, stockPulled: redraw };
}
