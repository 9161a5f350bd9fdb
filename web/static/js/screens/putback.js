// Put-backs: the picked units of a cancelled order go back to their bins.
// The server gives the picker put-back tasks (pulled like pick tasks, kind
// "putback": from a tote or staging to a bin), in walk order of the bins.
// Scan where the units wait, scan the item (each scan counts up by the
// scanned pack; "+" and a typed quantity too, but not before where the units
// wait is scanned, nor beyond what is left), then scan the bin: a putaway
// naming the task is stored.
// Fewer units than asked leaves the rest of the task on the list.  What is
// left of a task is the server's quantity less what this device stored for
// it that the server had not counted at the last pull.  Wrong places and
// items are warned about and never counted; an unknown code is stored and
// sent as scanned (held for a supervisor), not counted here.

import { afterPaint, h, itemLabel, qtyControl } from "../ui.js";

const COUNTED = new Set(["applied", "flagged"]); // outcomes the server counts

// The put-backs with something left to do, in walk order, each with .left.
export async function openPutbacks(db) {
  const meta = await db.getMeta();
  const seen = meta.device_last_seq || 0;
  const open = (await db.all("tasks")).filter((t) => t.kind === "putback" && t.status === "open");
  const found = [];
  for (const task of open.sort((a, b) => a.walk - b.walk || a.id.localeCompare(b.id))) {
    const stored = (await db.movementsOfTask(task.id)).filter(
      (e) => !e.acked_at || (e.device === meta.device_id && e.seq > seen && COUNTED.has(e.outcome)),
    );
    const left = task.qty - stored.reduce((sum, e) => sum + (e.movement.qty || 0), 0);
    if (left > 0) found.push({ ...task, left });
  }
  return found;
}

export function create(ctx) {
  const { catalog, db, feedback, movements } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Put back" });
  let tasks = []; // open put-backs, each with .left
  let draft = null; // {id: "putback", task, step: "from" | "item" | "to", units}

  async function load() {
    tasks = await openPutbacks(db);
    draft = (await db.get("drafts", "putback")) || null;
    if (draft && !tasks.some((t) => t.id === draft.task)) draft = null; // done meanwhile
    if (!draft && tasks.length) draft = { id: "putback", task: tasks[0].id, step: "from", units: 0 };
  }

  const current = () => (draft ? tasks.find((t) => t.id === draft.task) : null);

  function render() {
    el.replaceChildren(h("p", {}, h("a", { href: "#pick" }, "‹ Pick lists")), h("h1", {}, `Put back · ${tasks.length}`));
    const task = current();
    if (!task) {
      el.append(h("p", { class: "done-note", id: "putback-done" }, "Nothing to put back."));
      return;
    }
    const prompt = { from: `Scan ${task.location}`, item: "Scan the item", to: `Scan bin ${task.to}` }[draft.step];
    el.append(
      h("div", { class: "card task", dataset: { task: task.id, step: draft.step } },
        h("div", { class: "big" }, h("span", { class: "label" }, "From "), h("strong", {}, task.location)),
        h("div", { class: "item-name" }, itemLabel(catalog, task.item), task.lot ? ` · lot ${task.lot}` : ""),
        h("div", { class: "big" }, h("span", { class: "label" }, "Put back "), h("strong", { class: "want" }, String(task.left)),
          h("span", { class: "label" }, " into "), h("strong", { class: "bin" }, task.to)),
        h("p", { class: "prompt", id: "prompt" }, prompt),
        h("div", { class: "row" }, h("span", { class: "label" }, "Taken"),
          qtyControl(draft.units, (next) => ctx.act(() => taken(task, next)), "Taken", `put back ${task.id}`)),
      ),
    );
  }

  // What a scan or tap taken so far says: how many of how many, and what next.
  const tally = (task) => `${draft.units} of ${task.left}: ${draft.step === "to" ? `scan bin ${task.to}` : "scan the next"}`;

  // A quantity typed or stepped, said as a scan of the item says it.  Refused
  // as such a scan is: before the place the units wait in is scanned (so "+"
  // never skips that check), and beyond what is left to put back.
  async function taken(task, next) {
    if (!draft || draft.task !== task.id) return; // drawn for a task since done
    const n = next(draft.units);
    const refused = draft.step === "from" ? `Scan ${task.location} first`
      : n > task.left ? `Only ${task.left} to put back: scan bin ${task.to}` : null;
    if (refused) {
      feedback("warn", refused);
      render(); // the control shows the units there are, not the refused ones
      return;
    }
    draft.units = n;
    if (n >= task.left) draft.step = "to";
    else if (n > 0 || draft.step === "to") draft.step = "item";
    await db.putDraft(draft);
    feedback("good", tally(task));
    render();
  }

  async function store(task) {
    const units = draft.units;
    const m = movements.movement("putaway", {
      item: task.item, lot: task.lot || null, from: task.location, to: task.to, qty: units,
      ref: { order_line: task.order_line, task: task.id },
    });
    await movements.record([{ task: task.id, movement: m }], { deleteDraft: "putback" });
    task.left -= units;
    if (task.left <= 0) tasks = tasks.filter((t) => t !== task);
    const next = task.left > 0 ? task : tasks[0];
    draft = next ? { id: "putback", task: next.id, step: "from", units: 0 } : null;
    feedback("good", `Put back ${units} × ${task.item} in ${task.to}`);
  }

  async function onScan(scan, found) {
    const task = current();
    if (!task) {
      feedback("warn", "Nothing to put back");
      return;
    }
    if (found.kind === "location") {
      const code = found.location.code;
      if (draft.step === "from" || (draft.step === "item" && draft.units === 0)) {
        if (code !== task.location) {
          feedback("bad", `Wrong place: ${code}. The units wait in ${task.location}`);
          return;
        }
        draft.step = "item";
        await db.putDraft(draft);
        feedback("good", `${task.location}: scan the item`);
      } else if (code !== task.to) {
        feedback("bad", `Wrong bin: ${code}. Put it in ${task.to}`);
        return;
      } else {
        await store(task);
      }
      afterPaint(render); // the confirmation's frame first
      return;
    }
    if (found.kind === "item") {
      if (draft.step === "from") {
        feedback("warn", `Scan ${task.location} first`);
        return;
      }
      if (found.item.sku !== task.item) {
        feedback("bad", `Wrong item: that is ${found.item.sku}. Put back ${task.item}`);
        return;
      }
      if (task.lot && found.lot && found.lot !== task.lot) {
        feedback("bad", `Wrong lot: ${found.lot}. Put back lot ${task.lot}`);
        return;
      }
      if (draft.units + found.units > task.left) {
        feedback("warn", `Only ${task.left} to put back: scan bin ${task.to}`);
        return;
      }
      draft.units += found.units;
      if (draft.units >= task.left) draft.step = "to";
      await db.putDraft(draft);
      feedback("good", tally(task));
      afterPaint(render);
      return;
    }
    if (found.kind === "lot") {
      feedback("warn", `Lot ${found.code}: scan the item's barcode`);
      return;
    }
    // unknown: stored and sent as scanned; the put-back goes on as it was
    const places = { from: task.location, to: task.to };
    feedback("warn", await movements.recordUnknown("putaway", found, task, places, "unknown code scanned while putting back"));
  }

  async function show() {
    await load();
    render();
  }

  return { el, onScan, show, refresh: show };
}
