// The returns clerk.  Scan the RMA (or its order), then the item (repeat
// scans count up), grade its condition, choose what happens to it: restock
// (scan the bin), quarantine or scrap.  Stored as a `return` movement into the
// returns location with `ref.rma` and the order line, and the disposition's
// own movement (a putaway to the bin, a transfer to quarantine, a scrap), in
// one transaction; the server counts the return against the RMA and flags
// RETURN_UNEXPECTED what is not on it or beyond it.  Works offline from the
// RMAs pulled to the device; what this device has not sent yet counts too.
// A lot- or serial-tracked item must be scanned by its lot (serial) label;
// repeat scans go on in the lot on the card.
// The return in progress is a draft in storage, so it survives a reload.

import { h, itemLabel, qtyControl, tapOnce } from "../ui.js";

const GRADES = [["new", "New"], ["opened", "Opened"], ["damaged", "Damaged"], ["defective", "Defective"]];
const DISPOSITIONS = [["restock", "Restock to a bin"], ["quarantine", "Quarantine"], ["scrap", "Scrap"]];
const RESTOCK_KINDS = ["pick", "reserve"];

export function create(ctx) {
  const { catalog, db, feedback, movements } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Returns" });
  let rmas = [];
  let places = { returns: null, quarantine: null };
  let mine = []; // this device's return movements not yet in the server's counts
  let draft = null; // {id: "return", rma, copy, item, lot, serial, expiry, qty, odd, grade, step}
  let recent = [];

  const first = (locations, kind) =>
    locations.filter((l) => l.kind === kind && l.active !== false)
      .sort((a, b) => (a.pick_seq ?? 0) - (b.pick_seq ?? 0) || a.code.localeCompare(b.code))[0] || null;

  async function load() {
    rmas = (await db.all("rmas")).sort((a, b) => a.number.localeCompare(b.number, undefined, { numeric: true }));
    const locations = await db.all("locations");
    places = { returns: first(locations, "returns"), quarantine: first(locations, "quarantine") };
    const { sent, outbox } = await db.allMovements();
    const byNumber = new Map(rmas.map((r) => [r.number, r]));
    mine = [...outbox, ...sent.filter((e) => {
      const copy = byNumber.get(e.movement.ref?.rma);
      return !copy || e.server_seq === undefined || e.server_seq > copy.server_seq;
    })].map((e) => e.movement).filter((m) => m.kind === "return" && m.ref?.rma);
    draft = (await db.get("drafts", "return")) || null;
  }

  const save = () => db.putDraft(draft);
  const rmaOf = () => rmas.find((r) => r.number === draft.rma) || draft.copy;

  // authorised and received (server + this device's unsent) of one item on the RMA
  function tally(rma, sku) {
    const lines = rma.lines.filter((l) => l.item === sku);
    const authorised = lines.reduce((s, l) => s + l.qty, 0);
    const pending = mine.filter((m) => m.ref.rma === rma.number && m.item === sku).reduce((s, m) => s + m.qty, 0);
    return { authorised, received: lines.reduce((s, l) => s + l.received, 0) + pending, lines };
  }

  function renderStart() {
    el.replaceChildren(
      h("h1", {}, "Returns"),
      h("p", { class: "prompt", id: "prompt" }, "Scan the RMA or the order"),
    );
    if (!rmas.length) {
      el.append(h("p", { class: "muted" }, "No open RMAs on this device. They arrive with the next sync."));
    }
    for (const rma of rmas) {
      el.append(h("button", { type: "button", class: "block secondary", dataset: { rma: rma.number }, onclick: tapOnce(ctx.act, () => open(rma)) },
        `${rma.number} · order ${rma.order} · ${rma.status}`));
    }
    el.append(h("ul", { class: "log", id: "returned" }, recent.map((r) => h("li", {}, r))));
  }

  function renderRma() {
    const rma = rmaOf();
    el.replaceChildren(h("h1", {}, `${rma.number} · ${rma.order}`));
    const lines = h("div", { class: "lines", id: "rma-lines" });
    for (const sku of [...new Set(rma.lines.map((l) => l.item))]) {
      const t = tally(rma, sku);
      lines.append(h("div", { class: `card line${t.received >= t.authorised ? " done" : ""}`, dataset: { item: sku } },
        h("div", { class: "item-name" }, itemLabel(catalog, sku)),
        h("div", { class: "big" }, h("strong", { class: "received" }, String(t.received)),
          h("span", { class: "label" }, ` of ${t.authorised} back`))));
    }
    el.append(lines);
    const step = draft.step;
    const prompt = {
      item: "Scan the returned item",
      grade: "Grade its condition",
      disposition: "What happens to it?",
      bin: "Scan the bin to restock into",
    }[step];
    el.append(h("p", { class: "prompt", id: "prompt" }, prompt));
    if (draft.odd && step === "item") {
      el.append(h("div", { class: "card odd" },
        h("p", {}, draft.odd.message),
        h("button", { type: "button", class: "block", id: "receive-anyway", onclick: tapOnce(ctx.act, anyway) }, "Receive it anyway (a supervisor reviews it)")));
    }
    if (draft.item) {
      el.append(h("div", { class: "card task", dataset: { step } },
        h("div", { class: "item-name" }, itemLabel(catalog, draft.item), draft.lot ? ` · lot ${draft.lot}` : ""),
        h("div", { class: "row" }, h("span", { class: "label" }, "Returned"),
          qtyControl(draft.qty, (next) => ctx.act(() => setQty(next)), "Returned", `return ${draft.item} ${draft.lot}`)),
        draft.grade ? h("p", {}, `Condition: ${draft.grade}`) : null));
    }
    if (draft.item && (step === "item" || step === "grade")) {
      el.append(h("div", { class: "choices", role: "group", "aria-label": "Condition" },
        GRADES.map(([value, text]) => h("button", { type: "button", dataset: { grade: value }, onclick: tapOnce(ctx.act, () => grade(value)) }, text))));
    }
    if (step === "disposition") {
      el.append(h("div", { class: "stack-buttons", role: "group", "aria-label": "Disposition" },
        DISPOSITIONS.map(([value, text]) => h("button", { type: "button", class: "block", dataset: { disposition: value }, onclick: tapOnce(ctx.act, () => dispose(value)) }, text))));
    }
    el.append(h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", id: "return-cancel", disabled: !draft.item, onclick: tapOnce(ctx.act, cancelItem) }, "Cancel item"),
      h("button", { type: "button", class: "secondary", id: "rma-done", onclick: tapOnce(ctx.act, close) }, "Done with RMA")));
    el.append(h("ul", { class: "log", id: "returned" }, recent.map((r) => h("li", {}, r))));
  }

  function render() {
    if (draft) renderRma();
    else renderStart();
  }

  async function open(rma) {
    draft = { id: "return", rma: rma.number, copy: rma, item: null, lot: null, serial: null, expiry: null, qty: 0, odd: null, grade: null, step: "item" };
    await save();
    feedback("good", `${rma.number}: scan the returned item`);
    render();
    ctx.refocus();
  }

  async function close() {
    await db.deleteDraft("return");
    draft = null;
    render();
    ctx.refocus();
  }

  async function cancelItem() {
    Object.assign(draft, { item: null, lot: null, serial: null, expiry: null, qty: 0, odd: null, grade: null, step: "item" });
    await save();
    render();
    ctx.refocus();
  }

  async function take(fields, units) {
    Object.assign(draft, { item: fields.item, lot: fields.lot, serial: fields.serial, expiry: fields.expiry, qty: draft.qty + units, odd: null, step: draft.grade ? draft.step : "grade" });
    await save();
  }

  async function setQty(next) {
    if (!draft || !draft.item) return; // stored since it was drawn
    draft.qty = Math.max(1, next(draft.qty));
    await save();
    render();
  }

  async function anyway() {
    if (!draft || !draft.odd) return; // taken already (a second tap)
    const { fields, units } = draft.odd;
    await take(fields, units);
    feedback("warn", `${fields.item}: received anyway, a supervisor will review it`);
    render();
    ctx.refocus();
  }

  async function grade(value) {
    if (!draft || !draft.item || draft.step !== "grade") return;
    draft.grade = value;
    draft.step = "disposition";
    await save();
    render();
    ctx.refocus();
  }

  async function dispose(value) {
    if (!draft || !draft.item || draft.step !== "disposition") return; // stored already (a second tap)
    if (value === "restock") {
      draft.step = "bin";
      await save();
      feedback("good", "Scan the bin to restock into");
      render();
      ctx.refocus();
      return;
    }
    if (value === "quarantine" && !places.quarantine) {
      feedback("bad", "This device knows no quarantine location: restock or scrap it");
      return;
    }
    await store(value, value === "quarantine" ? places.quarantine.code : null);
    ctx.refocus();
  }

  async function store(disposition, bin) {
    const rma = rmaOf();
    const dock = places.returns.code;
    const t = tally(rma, draft.item);
    const line = t.lines.find((l) => l.received < l.qty) || t.lines[0] || null;
    const base = { item: draft.item, lot: draft.lot || null, serial: draft.serial || null, expiry: draft.expiry || null, qty: draft.qty };
    const list = [{
      movement: movements.movement("return", {
        ...base, to: dock, condition: draft.grade, ref: { rma: rma.number, order_line: line ? line.line : null },
      }),
    }];
    const after = {
      restock: () => movements.movement("putaway", { ...base, from: dock, to: bin, ref: { rma: rma.number } }),
      quarantine: () => movements.movement("transfer", { ...base, from: dock, to: bin, ref: { rma: rma.number } }),
      scrap: () => movements.movement("scrap", { ...base, from: dock, ref: { rma: rma.number }, reason: `returned ${draft.grade} on ${rma.number}` }),
    }[disposition]();
    list.push({ movement: after });
    const over = t.received + draft.qty > t.authorised;
    const text = `${draft.qty} × ${draft.item} ${draft.grade}: ${disposition}${bin ? ` → ${bin}` : ""}`;
    draft = { ...draft, item: null, lot: null, serial: null, expiry: null, qty: 0, odd: null, grade: null, step: "item" };
    await movements.record(list, { draft });
    mine.push(list[0].movement);
    recent = [`${rma.number}: ${text}`, ...recent].slice(0, 8);
    if (over || !t.authorised) feedback("warn", `Stored ${text}. Beyond ${rma.number}: a supervisor will review it`);
    else feedback("good", `Stored ${text}`);
    render();
  }

  function findRma(code) {
    const upper = code.toUpperCase();
    const byNumber = rmas.find((r) => r.number.toUpperCase() === upper);
    if (byNumber) return [byNumber];
    return rmas.filter((r) => r.order.toUpperCase() === upper);
  }

  async function onScan(scan, found) {
    if (!places.returns) {
      feedback("bad", "This device knows no returns location yet: sync first");
      return;
    }
    if (!draft || draft.step === "item") {
      const hits = found.kind === "unknown" ? findRma(found.code) : [];
      if (hits.length === 1) {
        if (draft && draft.item) {
          feedback("bad", `Finish ${draft.item} first (grade it), or cancel it`);
          return;
        }
        await open(hits[0]);
        return;
      }
      if (hits.length > 1) {
        await close();
        feedback("warn", `${found.code} has ${hits.length} open RMAs: choose one`);
        return;
      }
    }
    if (!draft) {
      feedback("bad", `${found.code}: no open RMA or order with it on this device. Sync, or ask a supervisor`);
      return;
    }
    const rma = rmaOf();
    if (draft.step === "bin") {
      if (found.kind !== "location") {
        feedback("bad", `${found.code} is not a bin: scan the bin to restock into`);
        return;
      }
      if (!RESTOCK_KINDS.includes(found.location.kind)) {
        feedback("bad", `${found.location.code} is a ${found.location.kind} location: restock into a pick or reserve bin`);
        return;
      }
      await store("restock", found.location.code);
      return;
    }
    if (draft.step === "disposition" || (draft.step === "grade" && found.kind !== "item")) {
      feedback("warn", draft.step === "grade" ? "Grade its condition first" : "Choose what happens to it");
      return;
    }
    if (found.kind === "location") {
      feedback("bad", `${found.location.code} is a location: scan the returned item`);
      return;
    }
    if (found.kind === "lot") {
      feedback("warn", `Lot ${found.code}: scan the item's barcode`);
      return;
    }
    const fields = movements.itemFields(found);
    if (draft.lot && draft.item === fields.item && !fields.lot) Object.assign(fields, { lot: draft.lot, expiry: draft.expiry });
    const missing = movements.missingLot(found, fields);
    if (missing) {
      feedback("warn", missing);
      return;
    }
    const units = found.kind === "item" ? found.units : 1;
    if (draft.item) {
      if (draft.item !== fields.item || (draft.lot || null) !== fields.lot || (draft.serial || null) !== fields.serial) {
        feedback("bad", `Wrong item: that is ${fields.item}. Finish ${draft.item} first (grade it), or cancel it`);
        return;
      }
      draft.qty += units;
      await save();
    } else if (found.kind !== "item") {
      draft.odd = { fields, units, message: `Unknown code ${found.code}: not an item this device knows.` };
      await save();
      feedback("bad", `Unknown code ${found.code}: not an item. Scan the item's barcode`);
      render();
      return;
    } else if (!rma.lines.some((l) => l.item === fields.item)) {
      draft.odd = { fields, units, message: `${fields.item} is not on ${rma.number}.` };
      await save();
      feedback("bad", `Wrong item: ${fields.item} is not on ${rma.number}`);
      render();
      return;
    } else {
      await take(fields, units);
    }
    const t = tally(rma, draft.item);
    if (t.received + draft.qty > t.authorised) {
      feedback("warn", `Over ${rma.number}: ${t.received + draft.qty} of ${t.authorised} authorised. A supervisor will review it`);
    } else {
      feedback("good", `${draft.qty} × ${draft.item}: grade its condition`);
    }
    render();
  }

  async function show() {
    await load();
    render();
  }

  return { el, onScan, show, refresh: show };
}
