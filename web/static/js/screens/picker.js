// The picker: my pick lists (pulled tasks), tasks in walk order.
// Scan the bin, scan the item (each scan counts up by the scanned pack), then
// scan the tote: the pick is stored.  Wrong bin, wrong item and wrong tote are
// warned about and never counted.  Fewer than asked (the tote scanned, or
// Confirm, before the rest) is stored as picked so far and the line stays
// open for the rest, as it does on the server; a tote scan with nothing
// picked is refused.  "Short" stores what was picked with a reason and ends
// the line; with nothing more picked (the bin is empty) it stores a count of
// 0 at the bin naming the task, which the server takes as a short pick.
// Before the bin is scanned, "Short", "+", a typed quantity and an item scan
// are refused (a bin label that will not scan: type its code).  An
// unknown code is stored and sent as scanned (a pick of 1 from the task's bin,
// held UNKNOWN_ITEM for a supervisor) but does not count here.  A list
// assigned to someone else is dropped, saying to whom.  Units in the picker's
// hand are a fact: a draft holding some when its line leaves the device (the
// list reassigned, done or cancelled; the line done or cancelled on the
// server) is stored as the pick Confirm would have made, naming the line and
// task, and the screen says so; the server flags it as it does any late pick.
// A pick the server rejected does not count toward its line.  A serial-tracked
// line wants the task's serial label: the plain EAN and another serial are
// refused, so are "+" and a typed quantity (only a scan says which unit) and
// the same label scanned again, and the pick names the serial.  Put-backs (units of
// cancelled orders) have their own screen, linked from the lists.  The work
// in progress is a draft in storage, so a reload (even offline) goes on where
// it was.

import { afterPaint, choose, h, itemLabel, qtyControl, tapOnce } from "../ui.js";
import { openPutbacks } from "./putback.js";

const REASONS = [
  ["not found", "Not in the bin"],
  ["damaged", "Damaged"],
  ["short in bin", "Not enough in the bin"],
];

export function create(ctx) {
  const { catalog, db, feedback, movements } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Pick" });
  let tasks = [];
  let progress = new Map(); // task id -> {picked, done, short}
  let list = null;
  let draft = null; // {id: "pick:PT-1", task, step, units}
  let gone = null; // list -> {to, key}: lists reassigned away, not yet acknowledged
  let putbacks = 0; // put-backs with something left to do (their own screen, #putback)
  const storing = new Set(); // drafts being stored as their line leaves (one load stores each)

  const serialTracked = (task) => catalog.item(task.item)?.tracking === "serial";
  // A task's allocated lot or serial (the server sends a serial in `lot`).
  const tracked = (task) => (serialTracked(task) ? { lot: null, serial: task.lot || null } : { lot: task.lot || null });

  // The pick Confirm makes of `units` of the line.
  function pickOf(task, units, note) {
    const ref = { order_line: task.order_line, task: task.id };
    return {
      task: task.id,
      movement: movements.movement("pick", { item: task.item, ...tracked(task), from: task.location, to: task.tote, qty: units, ref, note }),
    };
  }

  // Why a line is no longer worked here, or null while it is.
  function leftBecause(task) {
    if (task.list_status === "reassigned") return `${task.list} was reassigned to ${task.reassigned_to || "someone else"}`;
    if (task.status === "cancelled") return "its line was cancelled";
    if (task.status === "done") return "its line is closed on the server";
    if ((task.list_status ?? "open") !== "open") return `${task.list} is ${task.list_status}`;
    return null;
  }

  // Store the units of the drafts of lines that left the device, in the load
  // that notices they left.  A reassigned list keeps what was stored for its
  // note ("kept:<list>", in the same transaction).  The messages, for the flash.
  async function keepLeftUnits(all) {
    const drafts = new Map((await db.all("drafts")).map((d) => [d.id, d]));
    const said = [];
    for (const task of all) {
      const id = `pick:${task.id}`;
      const why = leftBecause(task);
      if (!why || !(drafts.get(id)?.units > 0) || storing.has(id)) continue;
      storing.add(id);
      try {
        const held = await db.get("drafts", id); // not stored by another load meanwhile
        if (!held || !(held.units > 0) || (held.step !== "item" && held.step !== "tote")) continue;
        const stored = `${held.units} × ${task.item} picked from ${task.list} stored`;
        let note = null;
        if (task.list_status === "reassigned") {
          const prior = await db.get("drafts", `kept:${task.list}`);
          note = { id: `kept:${task.list}`, lines: [...(prior?.lines || []), stored] };
        }
        await movements.record([pickOf(task, held.units, null)], { draft: note, deleteDraft: id });
        said.push(`${stored}; ${why}`);
      } finally {
        storing.delete(id);
      }
    }
    return said;
  }

  async function load() {
    putbacks = (await openPutbacks(db)).length;
    const all = (await db.all("tasks")).filter((t) => t.kind === "pick");
    tasks = all
      .filter((t) => (t.list_status ?? "open") === "open")
      .sort((a, b) => a.list.localeCompare(b.list, undefined, { numeric: true }) || a.walk - b.walk);
    const kept = await keepLeftUnits(all);
    const before = gone;
    gone = new Map();
    for (const t of all) {
      if (t.list_status !== "reassigned" || gone.has(t.list)) continue;
      const key = `seen:${t.list}:${t.server_seq}`;
      if (await db.get("drafts", key)) continue;
      const lines = (await db.get("drafts", `kept:${t.list}`))?.lines || [];
      gone.set(t.list, { to: t.reassigned_to || "someone else", key, kept: lines });
    }
    for (const [name, { to }] of gone) {
      if (before && !before.has(name)) feedback("warn", `${name} was reassigned to ${to}`);
    }
    if (kept.length) feedback("warn", kept.join(" · "));
    progress = new Map();
    for (const task of tasks) {
      // what the server rejected never happened: it counts for nothing here
      const every = await db.movementsOfTask(task.id);
      const rejected = new Set(every.filter((e) => e.outcome === "rejected").map((e) => e.movement.id));
      const moved = every.filter((e) => !rejected.has(e.movement.id));
      const picked = moved.reduce((sum, e) => sum + (e.movement.qty || 0), 0);
      const short = moved.some((e) => (e.movement.note || "").startsWith("short"));
      const mark = await db.get("drafts", `done:${task.id}`);
      const marked = mark && !rejected.has(mark.by) ? mark : null; // ended by a movement since rejected: not ended
      const closed = task.status === "done" || task.status === "cancelled"; // on the server, e.g. by another device
      progress.set(task.id, { picked, short: short || Boolean(marked?.short), done: picked >= task.qty || short || Boolean(marked) || closed });
    }
  }

  const listTasks = () => tasks.filter((t) => t.list === list);
  const current = () => listTasks().find((t) => !progress.get(t.id).done) || null;
  const pickedOf = (task) => progress.get(task.id)?.picked || 0; // stored before this draft

  async function loadDraft() {
    const task = current();
    // part of it picked already: the picker is at the bin
    const step = task && pickedOf(task) > 0 ? "item" : "bin";
    draft = task ? (await db.get("drafts", `pick:${task.id}`)) || { id: `pick:${task.id}`, task: task.id, step, units: 0 } : null;
  }

  // What the banner says of the units in the draft, against what the line still wants.
  function tally(task) {
    const left = task.qty - pickedOf(task);
    if (draft.units > left) return ["warn", `${draft.units} picked: more than the ${left} asked`];
    return ["good", `${draft.units} of ${left}${draft.step === "tote" ? `: scan tote ${task.tote}` : ""}`];
  }

  async function saveDraft() {
    await db.putDraft(draft);
  }

  async function acknowledge(name) {
    await db.putDraft({ id: gone.get(name).key });
    await db.deleteDraft(`kept:${name}`);
    gone.delete(name);
    if (list === name) location.hash = "#pick";
    else render();
  }

  function goneNote(name) {
    return h("div", { class: "card gone", dataset: { gone: name } },
      h("p", { class: "prompt" }, `${name} was reassigned to ${gone.get(name).to}`),
      ...gone.get(name).kept.map((line) => h("p", { class: "kept" }, line)),
      h("p", { class: "muted" }, "It is no longer yours. What you already picked from it is sent as usual."),
      h("button", { type: "button", class: "block", onclick: () => acknowledge(name) }, "OK"));
  }

  function renderLists() {
    const lists = [...new Set(tasks.map((t) => t.list))];
    el.replaceChildren(h("h1", {}, "Pick lists"));
    for (const name of gone.keys()) el.append(goneNote(name));
    if (putbacks) {
      el.append(h("a", { class: "button block", href: "#putback", id: "putbacks" }, `Put back · ${putbacks} from cancelled orders`));
    }
    if (!lists.length) {
      el.append(h("p", { class: "muted" }, "No pick lists for you yet. They arrive with the next sync."));
      return;
    }
    for (const name of lists) {
      const mine = tasks.filter((t) => t.list === name);
      const done = mine.filter((t) => progress.get(t.id).done).length;
      el.append(
        h("a", { class: "button block", href: `#pick/${name}`, dataset: { list: name } },
          `${name} · ${done}/${mine.length} lines${done === mine.length ? " · done" : ""}`),
      );
    }
  }

  function renderWork() {
    const all = listTasks();
    const doneCount = all.filter((t) => progress.get(t.id).done).length;
    const task = current();
    el.replaceChildren(
      h("p", {}, h("a", { href: "#pick" }, "‹ All lists")),
      h("h1", {}, `${list} · ${doneCount}/${all.length}`),
      h("progress", { max: String(all.length), value: String(doneCount), "aria-label": "Lines picked" }),
    );
    if (!task) {
      el.append(h("p", { class: "done-note", id: "list-done" }, "List complete. Take the totes to packing."));
      return;
    }
    const units = draft.units;
    const before = pickedOf(task);
    const prompt = { bin: `Scan bin ${task.location}`, item: "Scan the item", tote: `Scan tote ${task.tote}` }[draft.step];
    el.append(
      h("div", { class: "card task", dataset: { task: task.id, step: draft.step } },
        h("div", { class: "big" }, h("span", { class: "label" }, "Bin "), h("strong", { class: "bin" }, task.location)),
        h("div", { class: "item-name" }, itemLabel(catalog, task.item), task.lot ? ` · ${serialTracked(task) ? "serial" : "lot"} ${task.lot}` : ""),
        h("div", { class: "big" }, h("span", { class: "label" }, "Pick "), h("strong", { class: "want" }, String(task.qty - before)),
          before ? h("span", { class: "label" }, " more") : null,
          h("span", { class: "label" }, " into "), h("strong", {}, task.tote)),
        before ? h("p", { class: "muted", id: "picked-before" }, `${before} of ${task.qty} picked already`) : null,
        h("p", { class: "prompt", id: "prompt" }, prompt),
        h("div", { class: "row" }, h("span", { class: "label" }, "Picked"),
          qtyControl(units, (next) => ctx.act(() => typed(task, next)), "Picked", `pick ${task.id}`)),
      ),
      h("div", { class: "actions" },
        h("button", { type: "button", id: "confirm-pick", disabled: units <= 0, onclick: tapOnce(ctx.act, () => confirm(task, null)) }, `Confirm ${units}`),
        h("button", { type: "button", class: "secondary", id: "short-pick", onclick: tapOnce(ctx.act, () => short(task)) }, "Short…"),
      ),
    );
  }

  function render() {
    if (list && !listTasks().length && gone.has(list)) {
      el.replaceChildren(h("p", {}, h("a", { href: "#pick" }, "‹ All lists")), goneNote(list));
    } else if (list) renderWork();
    else renderLists();
  }

  // A quantity typed or stepped: what the banner says follows it.  Not before
  // the bin is scanned: refused as an item scanned there is, so "+" never
  // skips the bin check.
  async function typed(task, next) {
    if (!draft || draft.task !== task.id) return; // drawn for a line since finished
    if (draft.step === "bin") {
      feedback("warn", `Scan bin ${task.location} first`);
      renderWork(); // the control shows the units there are, not the refused ones
      return;
    }
    const n = next(draft.units);
    if (serialTracked(task) && n > draft.units) {
      // which unit was taken is what a serial line records: only its label says
      feedback("warn", `Scan the serial label${task.lot ? ` of ${task.lot}` : ""}: each unit is picked by its scan`);
      renderWork(); // the control shows the units there are, not the refused ones
      return;
    }
    draft.units = n;
    if (n > 0) draft.step = n >= task.qty - pickedOf(task) ? "tote" : "item";
    else if (draft.step === "tote") draft.step = "item";
    await saveDraft();
    feedback(...tally(task));
    renderWork();
  }

  async function confirm(task, note) {
    if (!draft || draft.task !== task.id) return; // drawn for a line since finished
    const units = draft.units;
    const before = pickedOf(task);
    if (note === null && units <= 0) {
      feedback("warn", `Nothing picked yet: scan the item, or Short… if the bin has none`);
      return;
    }
    const ends = note !== null || before + units >= task.qty; // else the rest is still to pick
    const list = [];
    const ref = { order_line: task.order_line, task: task.id };
    if (units > 0) {
      list.push(pickOf(task, units, note));
    } else if (note !== null) {
      // nothing to pick: a pick of 0 cannot be sent, what the picker saw can —
      // the bin held none of it (a count of 0 naming the task ends it short)
      list.push({
        task: task.id,
        movement: movements.movement("count", { item: task.item, ...tracked(task), to: task.location, qty: 0, ref, note }),
      });
    }
    // `by`: the movement that ended it, so its rejection opens the line again
    const done = ends ? { id: `done:${task.id}`, short: note !== null, by: list[0]?.movement.id ?? null } : null;
    await movements.record(list, { draft: done, deleteDraft: draft.id });
    progress.set(task.id, { picked: before + units, short: note !== null, done: ends });
    if (note) feedback("good", `Short pick stored: ${before + units} of ${task.qty}`);
    else if (ends) feedback("good", `Picked ${units} × ${task.item}`);
    else feedback("warn", `Picked ${units} × ${task.item}: ${task.qty - before - units} more to pick here, or Short…`);
    await loadDraft();
    renderWork();
  }

  // At "Scan bin" nobody has looked in the bin yet: refused as "+" is, saying
  // how to get past a label that will not scan.
  async function short(task) {
    if (!draft || draft.task !== task.id) return;
    if (draft.step === "bin") {
      feedback("warn", `Scan bin ${task.location} first (or type ${task.location}), then Short…`);
      return;
    }
    const reason = await choose(`Short pick: ${pickedOf(task) + draft.units} of ${task.qty}. Why?`, REASONS);
    ctx.refocus();
    if (reason) await confirm(task, `short: ${reason}`);
  }

  async function onScan(scan, found) {
    if (!list) {
      feedback("warn", "Open a pick list first");
      return;
    }
    const task = current();
    if (!task) {
      feedback("warn", "This list is complete");
      return;
    }
    if (found.kind === "location") {
      const code = found.location.code;
      if (draft.step === "tote" || (draft.step === "item" && code === task.tote)) {
        if (code !== task.tote) {
          feedback("bad", `Wrong tote: ${code}. Put it in ${task.tote}`);
          return;
        }
        await confirm(task, null);
        return;
      }
      if (code !== task.location) {
        feedback("bad", `Wrong bin: ${code}. Go to ${task.location}`);
        return;
      }
      if (draft.step === "bin") {
        draft.step = "item";
        await saveDraft();
      }
      feedback("good", `Bin ${code}: scan the item`);
      afterPaint(render); // the confirmation's frame first
      return;
    }
    if (found.kind === "item") {
      if (draft.step === "bin") {
        feedback("warn", `Scan bin ${task.location} first`);
        return;
      }
      if (found.item.sku !== task.item) {
        feedback("bad", `Wrong item: that is ${found.item.sku}. Pick ${task.item}`);
        return;
      }
      if (serialTracked(task)) {
        const missing = movements.missingLot(found, { item: found.item.sku, serial: found.serial || null });
        if (missing) {
          feedback("bad", missing);
          return;
        }
        if (task.lot && found.serial !== task.lot) {
          feedback("bad", `Wrong serial: ${found.serial}. Pick serial ${task.lot}`);
          return;
        }
        if (draft.units >= task.qty - pickedOf(task)) {
          feedback("warn", `Serial ${found.serial} is picked already: scan tote ${task.tote}`);
          return;
        }
      } else if (task.lot && found.lot && found.lot !== task.lot) {
        feedback("bad", `Wrong lot: ${found.lot}. Pick lot ${task.lot}`);
        return;
      }
      draft.units += found.units;
      if (draft.units >= task.qty - pickedOf(task)) draft.step = "tote";
      await saveDraft();
      feedback(...tally(task));
      afterPaint(render); // the confirmation's frame first
      return;
    }
    if (found.kind === "lot") {
      feedback("warn", `Lot ${found.code}: scan the item's barcode`);
      return;
    }
    // unknown: stored and sent as scanned; the task goes on as it was
    const places = { from: task.location, to: task.tote };
    feedback("warn", await movements.recordUnknown("pick", found, task, places, "unknown code scanned while picking"));
  }

  async function show() {
    const [, name] = (location.hash || "#pick").slice(1).split("/");
    list = name ? decodeURIComponent(name) : null;
    await load();
    if (list) await loadDraft();
    render();
  }

  return { el, onScan, show, refresh: show };
}
