// Look-up: scan anything and see what it is, where it is and how many, from
// the device's copy (server stock as last pulled, and this device's movements
// still waiting to be sent).

import { h } from "../ui.js";

export function create(ctx) {
  const { db, feedback } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Look up" });
  let shown = h("p", { class: "muted" }, "Scan an item, a bin or a lot.");

  function render() {
    el.replaceChildren(h("h1", {}, "Look up"), shown);
  }

  async function pendingAt(sku) {
    const out = await db.pendingBatch(10000);
    const delta = new Map();
    for (const { movement: m } of out) {
      if (m.item !== sku || m.kind === "count") continue;
      if (m.from) delta.set(m.from, (delta.get(m.from) || 0) - m.qty);
      if (m.to) delta.set(m.to, (delta.get(m.to) || 0) + m.qty);
    }
    return delta;
  }

  function table(rows, first) {
    return h("table", { class: "stock" },
      h("thead", {}, h("tr", {}, h("th", {}, first), h("th", {}, "Lot"), h("th", { class: "num" }, "On hand"))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.key), h("td", {}, r.lot || "—"), h("td", { class: "num" }, r.text)))),
    );
  }

  async function itemView(item, lot = null) {
    const stock = (await db.byIndex("stock", "item", item.sku)).filter((r) => r.on_hand !== 0 && (!lot || r.lot === lot));
    const pending = await pendingAt(item.sku);
    const rows = stock.map((r) => {
      const p = pending.get(r.location) || 0;
      return { key: r.location, lot: r.lot, text: p ? `${r.on_hand} (${p > 0 ? "+" : ""}${p} not sent)` : String(r.on_hand) };
    });
    const total = stock.reduce((s, r) => s + r.on_hand, 0);
    return h("div", { class: "result", id: "lookup-result" },
      h("h2", {}, `${item.sku} · ${item.name}`),
      h("p", {}, `Barcodes: ${(item.barcodes || []).map((b) => (b.pack_qty > 1 ? `${b.code} (×${b.pack_qty})` : b.code)).join(", ") || "none"}`),
      h("p", {}, h("strong", {}, `${total} ${item.unit || "ea"}`), ` in ${stock.length} place${stock.length === 1 ? "" : "s"}`),
      table(rows, "Location"));
  }

  async function locationView(loc) {
    const stock = (await db.byIndex("stock", "location", loc.code)).filter((r) => r.on_hand !== 0);
    return h("div", { class: "result", id: "lookup-result" },
      h("h2", {}, `${loc.code} · ${loc.kind}`),
      h("p", {}, `Barcode ${loc.barcode || "none"}${loc.zone ? ` · zone ${loc.zone}` : ""}`),
      table(stock.map((r) => ({ key: r.item, lot: r.lot, text: String(r.on_hand) })), "Item"));
  }

  async function onScan(scan, found) {
    if (found.kind === "item") shown = await itemView(found.item, found.lot || null);
    else if (found.kind === "location") shown = await locationView(found.location);
    else if (found.kind === "lot") {
      const lot = found.lots[0];
      const item = ctx.catalog.item(lot.item);
      shown = h("div", {}, h("p", { class: "big" }, `Lot ${lot.code} · expires ${lot.expiry || "—"} · ${lot.status}`),
        item ? await itemView(item, lot.code) : h("p", {}, lot.item));
    } else {
      shown = h("div", { class: "result", id: "lookup-result" }, h("h2", {}, "Unknown code"), h("p", {}, found.code));
      feedback("warn", `Unknown code ${found.code}`);
      render();
      return;
    }
    feedback("good", `Found ${found.code}`);
    render();
  }

  return { el, onScan, show: render };
}
