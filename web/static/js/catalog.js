// What a scanned code is, offline, from the device's copy of the catalog:
// a location (code, barcode or alias), an item (SKU, any barcode with its pack
// quantity, a GS1 element string with lot, expiry, serial and count), a lot,
// or unknown.  A 12-digit UPC-A finds the item filed under its 13-digit EAN
// form and the other way round: both are the same GTIN-14.
//
// The copy is held in memory (loaded from storage, again after each pull), so
// a scan resolves without waiting for storage.

import * as db from "./db.js";
import { gtin14, parseGs1 } from "./gs1.js";

const maps = {
  items: new Map(),
  barcodes: new Map(),
  gtins: new Map(),
  locations: new Map(),
  locationBarcodes: new Map(),
  lots: new Map(),
};

export async function load() {
  const [items, barcodes, locations, lots] = await Promise.all([
    db.all("items"),
    db.all("barcodes"),
    db.all("locations"),
    db.all("lots"),
  ]);
  maps.items = new Map(items.map((i) => [i.sku, i]));
  maps.barcodes = new Map(barcodes.map((b) => [b.code, b]));
  maps.gtins = new Map(barcodes.filter((b) => b.gtin).map((b) => [b.gtin, b]));
  maps.locations = new Map(locations.map((l) => [l.code, l]));
  // a location's barcode and its aliases (codes a supervisor mapped to it)
  maps.locationBarcodes = new Map(
    locations.flatMap((l) => [l.barcode, ...(l.aliases || [])].filter(Boolean).map((code) => [code, l])),
  );
  maps.lots = new Map();
  for (const lot of lots) {
    if (!maps.lots.has(lot.code)) maps.lots.set(lot.code, []);
    maps.lots.get(lot.code).push(lot);
  }
}

export const item = (sku) => maps.items.get(sku) || null;
export const location = (code) => maps.locations.get(code) || maps.locationBarcodes.get(code) || null;
export const itemCount = () => maps.items.size;
export const lotOf = (sku, code) => (maps.lots.get(code) || []).find((l) => l.item === sku) || null;

function fromBarcode(barcode, extra = {}) {
  const found = maps.items.get(barcode.sku);
  if (!found) return null;
  const count = extra.count || 1;
  return { kind: "item", item: found, pack_qty: barcode.pack_qty, units: barcode.pack_qty * count, ...extra };
}

// resolve(text) -> {kind: "location"|"item"|"lot"|"unknown", code, ...}
export function resolve(raw) {
  const code = raw.trim();
  const loc = location(code);
  if (loc) return { kind: "location", code, location: loc };
  const barcode = maps.barcodes.get(code);
  if (barcode) {
    const found = fromBarcode(barcode);
    if (found) return { code, ...found };
  }
  const bySku = maps.items.get(code);
  if (bySku) return { kind: "item", code, item: bySku, pack_qty: 1, units: 1 };
  const gs1 = parseGs1(code);
  if (gs1 && gs1.gtin && !gs1.gtin_error) {
    const byGtin = maps.gtins.get(gs1.gtin);
    const extra = {};
    for (const key of ["lot", "expiry", "serial", "count"]) if (gs1[key] !== undefined) extra[key] = gs1[key];
    if (byGtin) {
      const found = fromBarcode(byGtin, extra);
      if (found) return { code, gs1, ...found };
    }
    return { kind: "unknown", code: gs1.gtin, raw: code, gs1, ...extra };
  }
  const plain = gtin14(code);
  if (plain && maps.gtins.has(plain)) {
    const found = fromBarcode(maps.gtins.get(plain));
    if (found) return { code, ...found };
  }
  const lots = maps.lots.get(code);
  if (lots && lots.length) return { kind: "lot", code, lots };
  return { kind: "unknown", code, raw: code, gs1 };
}
