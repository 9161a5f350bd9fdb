// The receiver.  Receive: scan a receiving location, then every item scan is
// stored at once as a receipt there (the scanned pack times "per scan").
// Move (putaway and transfer): scan from, scan the item (repeat scans count
// up), then scan to: stored as a putaway when it leaves a receiving location,
// otherwise a transfer.  Unknown items are stored and sent as scanned; the
// server holds them for a supervisor.  A lot- or serial-tracked item must be
// scanned by its lot (serial) label; a move goes on in the lot on its card.
// After a scan the banner confirms it at once; the screen is drawn again
// after that frame.

import { afterPaint, h, itemLabel, qtyControl, tapOnce } from "../ui.js";

export function create(ctx) {
  const { catalog, db, feedback, movements } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Receive" });
  let mode = "receive";
  let dock = null;
  let perScan = 1;
  let recent = [];
  let move = null; // draft {id: "move", from, item, lot, serial, expiry, qty, known}

  async function load() {
    move = (await db.get("drafts", "move")) || null;
    if (move) mode = "move"; // a reload mid-move goes on with the move, not with receipts
    const meta = await db.get("drafts", "dock");
    dock = meta ? meta.code : dock;
  }

  function tabs() {
    return h("div", { class: "segmented", role: "group", "aria-label": "Mode" },
      h("button", { type: "button", "aria-pressed": String(mode === "receive"), id: "mode-receive", onclick: () => { mode = "receive"; render(); } }, "Receive"),
      h("button", { type: "button", "aria-pressed": String(mode === "move"), id: "mode-move", onclick: () => { mode = "move"; render(); } }, "Put away / move"),
    );
  }

  function render() {
    el.replaceChildren(h("h1", {}, mode === "receive" ? "Receive" : "Put away / move"), tabs());
    if (mode === "receive") {
      el.append(
        h("p", { class: "prompt", id: "prompt" }, dock ? `Receiving into ${dock}: scan items` : "Scan the receiving dock"),
        h("div", { class: "row" }, h("span", { class: "label" }, "Per scan"), qtyControl(perScan, (next) => { perScan = Math.max(1, next(perScan)); render(); }, "Per scan")),
        h("ul", { class: "log", id: "receipts" }, recent.map((r) => h("li", {}, r))),
      );
      return;
    }
    const prompt = !move ? "Scan the bin to move from" : !move.item ? `From ${move.from}: scan the item` : `Scan where ${move.qty} go`;
    el.append(h("p", { class: "prompt", id: "prompt" }, prompt));
    if (move && move.item) {
      el.append(
        h("div", { class: "card" },
          h("div", {}, `From ${move.from}`),
          h("div", { class: "item-name" }, itemLabel(catalog, move.item), move.lot ? ` · lot ${move.lot}` : ""),
          qtyControl(move.qty, (next) => ctx.act(() => setQty(next)), "Moving", `move ${move.from} ${move.item} ${move.lot}`),
        ),
      );
    }
    if (move) el.append(h("button", { type: "button", class: "secondary", onclick: tapOnce(ctx.act, cancelMove) }, "Cancel move"));
    el.append(h("ul", { class: "log", id: "moves" }, recent.map((r) => h("li", {}, r))));
  }

  async function finishMove(to) {
    const kind = move.fromKind === "receiving" ? "putaway" : "transfer";
    const m = movements.movement(kind, {
      item: move.item, lot: move.lot, serial: move.serial, expiry: move.expiry, from: move.from, to, qty: move.qty,
    });
    await movements.record([{ movement: m }], { deleteDraft: "move" });
    note(`${kind}: ${move.qty} × ${move.item} ${move.from} → ${to}`);
    move = null;
  }

  async function setQty(next) {
    if (!move || !move.item) return; // stored since it was drawn
    move.qty = Math.max(1, next(move.qty));
    await db.putDraft(move);
    render();
  }

  async function cancelMove() {
    await db.deleteDraft("move");
    move = null;
    render();
  }

  function note(text) {
    recent = [text, ...recent].slice(0, 8);
  }

  async function receive(found) {
    const known = found.kind === "item";
    const qty = (known ? found.units : 1) * perScan;
    await movements.record([{ movement: movements.movement("receive", { ...movements.itemFields(found), to: dock, qty }) }]);
    note(`${qty} × ${known ? found.item.sku : found.code} → ${dock}`);
    if (known) feedback("good", `Received ${qty} × ${found.item.sku}`);
    else feedback("warn", `Unknown code ${found.code}: received, a supervisor will map it`);
    afterPaint(render); // the confirmation's frame first
  }

  async function onScan(scan, found) {
    if (mode === "receive") {
      if (found.kind === "location") {
        if (found.location.kind !== "receiving") {
          feedback("bad", `${found.location.code} is not a receiving location`);
          return;
        }
        dock = found.location.code;
        await db.putDraft({ id: "dock", code: dock });
        feedback("good", `Receiving into ${dock}`);
        afterPaint(render); // the confirmation's frame first
        return;
      }
      if (!dock) {
        feedback("warn", "Scan the receiving dock first");
        return;
      }
      if (found.kind === "lot") {
        feedback("warn", `Lot ${found.code}: scan the item's barcode`);
        return;
      }
      const missing = movements.missingLot(found);
      if (missing) {
        feedback("warn", missing);
        return;
      }
      await receive(found);
      return;
    }
    if (found.kind === "location") {
      if (!move) {
        move = { id: "move", from: found.location.code, fromKind: found.location.kind, item: null, qty: 0 };
        await db.putDraft(move);
        feedback("good", `From ${move.from}: scan the item`);
      } else if (!move.item) {
        feedback("warn", `Scan the item to move from ${move.from}`);
        return;
      } else if (found.location.code === move.from) {
        feedback("warn", `That is ${move.from} again: scan where the items go`);
        return;
      } else {
        const { qty, item } = move;
        await finishMove(found.location.code);
        feedback("good", `Moved ${qty} × ${item} to ${found.location.code}`);
      }
      afterPaint(render); // the confirmation's frame first
      return;
    }
    if (!move) {
      feedback("warn", "Scan the bin to move from first");
      return;
    }
    if (move.item && found.kind === "unknown" && !found.gs1 && found.code !== move.item) {
      // not an item's code where the destination is expected: a bin the device
      // does not know yet; stored and sent, the server holds it for a supervisor
      await finishMove(found.code);
      feedback("warn", `Unknown location ${found.code}: stored, a supervisor will map it`);
      afterPaint(render); // the confirmation's frame first
      return;
    }
    if (found.kind === "lot") {
      feedback("warn", `Lot ${found.code}: scan the item's barcode`);
      return;
    }
    const fields = movements.itemFields(found);
    if (move.lot && move.item === fields.item && !fields.lot) Object.assign(fields, { lot: move.lot, expiry: move.expiry });
    const missing = movements.missingLot(found, fields);
    if (missing) {
      feedback("warn", missing);
      return;
    }
    if (move.item && (move.item !== fields.item || (move.lot || null) !== fields.lot || (move.serial || null) !== fields.serial)) {
      feedback("bad", `One item at a time: finish moving ${move.item} first`);
      return;
    }
    move.item = fields.item;
    move.lot = fields.lot;
    move.serial = fields.serial;
    move.expiry = fields.expiry;
    move.qty += found.kind === "item" ? found.units : 1;
    await db.putDraft(move);
    feedback(found.kind === "item" ? "good" : "warn", `${move.qty} × ${move.item}: scan where they go`);
    afterPaint(render); // the confirmation's frame first
  }

  async function show() {
    await load();
    render();
  }

  return { el, onScan, show };
}
