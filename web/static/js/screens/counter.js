// The counter: count tasks (count and recount, pulled with kind "count") and
// free counts.  A recount (task_kind "recount": a supervisor asked for the
// place to be counted again) is shown apart, with a "Recount" badge and the
// supervisor's reason, and its count names the task like any other.  Scan the bin, scan the items (each scan counts up by the
// scanned pack; the quantity can be typed or stepped), then submit: one count
// movement per item and lot.  A line scanned by mistake can be removed before
// submitting (the task's own item stays: 0 says there is none).  Blind by
// default: the expected quantity is never shown unless the task allows it.  The count in progress is a draft in
// storage, so it survives a reload, offline.

import { afterPaint, h, itemLabel, qtyControl, tapOnce } from "../ui.js";

export function create(ctx) {
  const { catalog, db, feedback, movements } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Count" });
  let tasks = [];
  let doneTasks = new Set();
  let draft = null; // {id: "count", task, bin, blind, lines: [{item, lot, qty, known}]}

  async function load() {
    tasks = (await db.all("tasks")).filter((t) => t.kind === "count" && t.status === "open");
    doneTasks = new Set();
    for (const task of tasks) if ((await db.movementsOfTask(task.id)).length) doneTasks.add(task.id);
    draft = (await db.get("drafts", "count")) || null;
  }

  async function save() {
    await db.putDraft(draft);
  }

  async function start(task, bin = null) {
    draft = { id: "count", task: task ? task.id : null, bin: task ? task.location : bin, blind: task ? task.blind !== false : true, lines: [] };
    if (task && task.item) draft.lines.push({ item: task.item, lot: task.lot || null, qty: 0, known: true });
    await save();
    render();
  }

  async function expected(line) {
    const rows = await db.byIndex("stock", "item", line.item);
    const row = rows.find((r) => r.location === draft.bin && r.lot === (line.lot || ""));
    return row ? row.on_hand : 0;
  }

  const isRecount = (task) => task.task_kind === "recount";

  function badge(task) {
    return isRecount(task) ? h("span", { class: "badge badge-recount" }, "Recount") : null;
  }

  function taskButton(task) {
    return h("button", { type: "button", class: `block secondary count-task${isRecount(task) ? " recount" : ""}`, dataset: { task: task.id, taskKind: task.task_kind || "count" }, onclick: tapOnce(ctx.act, () => start(task)) },
      badge(task),
      h("span", { class: "task-what" }, `${task.id} · ${task.location}${task.item ? ` · ${task.item}` : ""}`),
      task.reason ? h("span", { class: "task-reason" }, task.reason) : null,
    );
  }

  function renderTasks() {
    const open = tasks.filter((t) => !doneTasks.has(t.id));
    const recounts = open.filter(isRecount);
    const counts = open.filter((t) => !isRecount(t));
    el.replaceChildren(h("h1", {}, "Count"));
    el.append(h("button", { type: "button", class: "block", id: "free-count", onclick: tapOnce(ctx.act, () => start(null)) }, "Free count: scan a bin"));
    if (recounts.length) {
      el.append(h("h2", {}, "Recounts asked for"));
      el.append(h("div", { class: "tasks recounts" }, recounts.map(taskButton)));
    }
    el.append(h("h2", {}, counts.length ? "Count tasks" : "No count tasks"));
    for (const task of counts) el.append(taskButton(task));
  }

  async function renderDraft() {
    const task = draft.task ? tasks.find((t) => t.id === draft.task) : null;
    el.replaceChildren(
      h("h1", {}, task ? `${isRecount(task) ? "Recount" : "Count"} ${task.id}` : "Free count"),
      ...(task && task.reason ? [h("p", { class: "task-reason", id: "task-reason" }, `Why: ${task.reason}`)] : []),
      h("p", { class: "prompt", id: "prompt" }, draft.bin ? `Bin ${draft.bin}: scan each item` : "Scan the bin"),
    );
    const lines = h("div", { class: "lines" });
    for (const line of draft.lines) {
      const book = draft.blind ? null : await expected(line);
      lines.append(
        h("div", { class: "card line", dataset: { item: line.item, lot: line.lot || "" } },
          h("div", { class: "item-name" }, itemLabel(catalog, line.item), line.lot ? ` · lot ${line.lot}` : ""),
          book === null ? null : h("div", { class: "muted expected" }, `Book: ${book}`),
          qtyControl(line.qty, (n) => ctx.act(() => setQty(line, n)), `Counted ${line.item}`),
          task && task.item === line.item ? null
            : h("button", { type: "button", class: "secondary remove-line", "aria-label": `Remove ${line.item}`, onclick: tapOnce(ctx.act, () => removeLine(line)) }, "Remove"),
        ),
      );
    }
    el.append(lines);
    el.append(
      h("div", { class: "actions" },
        h("button", { type: "button", id: "submit-count", disabled: !draft.bin || !draft.lines.length, onclick: tapOnce(ctx.act, submit) }, "Submit count"),
        h("button", { type: "button", class: "secondary", onclick: tapOnce(ctx.act, cancel) }, "Cancel"),
      ),
    );
  }

  function render() {
    if (draft) renderDraft();
    else renderTasks();
  }

  async function setQty(line, n) {
    if (!draft || !draft.lines.includes(line)) return; // drawn for a count since stored
    line.qty = n;
    await save();
    renderDraft();
  }

  async function removeLine(line) {
    if (!draft || !draft.lines.includes(line)) return;
    draft.lines = draft.lines.filter((l) => l !== line);
    await save();
    feedback("good", `${line.item} removed from the count of ${draft.bin}`);
    renderDraft();
  }

  async function cancel() {
    await db.deleteDraft("count");
    draft = null;
    render();
  }

  async function submit() {
    if (!draft || !draft.bin || !draft.lines.length) return; // stored already (a second tap)
    const list = draft.lines.map((line) => ({
      task: draft.task,
      movement: movements.movement("count", {
        item: line.item, lot: line.lot || null, to: draft.bin, qty: line.qty,
        ref: draft.task ? { count_task: draft.task } : null,
      }),
    }));
    await movements.record(list, { deleteDraft: "count" });
    if (draft.task) doneTasks.add(draft.task);
    const task = draft.task ? tasks.find((t) => t.id === draft.task) : null;
    const what = task && isRecount(task) ? "Recount" : "Count";
    feedback("good", `${what} of ${draft.bin} stored (${list.length} line${list.length === 1 ? "" : "s"})`);
    draft = null;
    render();
  }

  async function onScan(scan, found) {
    if (!draft) {
      if (found.kind !== "location") {
        feedback("warn", "Scan a bin to count it, or pick a task");
        return;
      }
      const task = tasks.find((t) => t.location === found.location.code && !doneTasks.has(t.id));
      await start(task || null, found.location.code);
      feedback("good", `Counting ${found.location.code}: scan each item`);
      return;
    }
    if (found.kind === "location") {
      if (!draft.bin) {
        draft.bin = found.location.code;
        await save();
        feedback("good", `Counting ${draft.bin}: scan each item`);
      } else if (found.location.code !== draft.bin) {
        feedback("bad", `Wrong bin: ${found.location.code}. You are counting ${draft.bin}`);
        return;
      } else {
        feedback("good", `Still counting ${draft.bin}`);
      }
      renderDraft();
      return;
    }
    if (!draft.bin) {
      feedback("warn", "Scan the bin first");
      return;
    }
    if (found.kind === "lot") {
      feedback("warn", `Lot ${found.code}: scan the item's barcode`);
      return;
    }
    const item = found.kind === "item" ? found.item.sku : found.code;
    const lot = found.lot || null;
    let line = draft.lines.find((l) => l.item === item && (l.lot || null) === lot);
    if (!line) {
      line = { item, lot, qty: 0, known: found.kind === "item" };
      draft.lines.push(line);
    }
    line.qty += found.kind === "item" ? found.units : 1;
    await save();
    if (found.kind === "item") feedback("good", `${item}: ${line.qty}`);
    else feedback("warn", `Unknown code ${item}: counted, a supervisor will map it`);
    afterPaint(render); // the confirmation's frame first
  }

  async function show() {
    await load();
    render();
  }

  return { el, onScan, show, refresh: show };
}
