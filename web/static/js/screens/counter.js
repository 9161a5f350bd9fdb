// The counter: count tasks (count and recount, pulled with kind "count") and
// free counts.  A recount (task_kind "recount": a supervisor asked for the
// place to be counted again) is shown apart, with a "Recount" badge and the
// supervisor's reason, and its count names the task like any other.  Scan the bin, scan the items (each scan counts up by the
// scanned pack; the quantity can be typed or stepped), then submit: one count
// movement per item and lot.  A line scanned by mistake can be removed before
// submitting (the task's own line, its item and lot, stays: 0 says there is none).  Blind by
// default: the expected quantity is never shown unless the task allows it.  The count in progress is a draft in
// storage, so it survives a reload, offline.
// A task tapped in the list asks for its bin first: until that bin is scanned
// (a label that will not scan: type its code) item scans, the quantity and
// Submit are refused, and another bin is refused as the wrong one.  A bin
// scanned from the list, or in a free count, that has an open task counts for
// that task.  An item tracked by lot or serial is counted by its lot (serial):
// a plain scan of the task's item counts on the task's lot, any other scan
// without one is refused (the server would reject the count), and a task
// naming such an item but no lot has no line for it until a lot is scanned.
// A serial is one unit: its label scanned again, or "+" past 1, is refused.

import { afterPaint, h, itemLabel, qtyControl, tapOnce } from "../ui.js";

export function create(ctx) {
  const { catalog, db, feedback, movements } = ctx;
  const el = h("section", { class: "screen", "aria-label": "Count" });
  let tasks = [];
  let doneTasks = new Set();
  // {id: "count", task, taskBin, bin, blind, lines: [{item, lot, serial, qty, known}]}:
  // taskBin is the bin the task names, bin the bin scanned (null until it is)
  let draft = null;

  async function load() {
    tasks = (await db.all("tasks")).filter((t) => t.kind === "count" && t.status === "open");
    doneTasks = new Set();
    for (const task of tasks) if ((await db.movementsOfTask(task.id)).length) doneTasks.add(task.id);
    draft = (await db.get("drafts", "count")) || null;
  }

  async function save() {
    await db.putDraft(draft);
  }

  // A line of `sku` counted under `key`: its lot, or its serial when the item
  // is tracked by serial (the server keys such stock by the serial).
  function lineOf(sku, key, known) {
    const serial = catalog.item(sku)?.tracking === "serial";
    return { item: sku, lot: serial ? null : key, serial: serial ? key : null, qty: 0, known };
  }

  const keyOf = (line) => line.lot || line.serial || null;
  const tracked = (sku) => (catalog.item(sku)?.tracking || "none") !== "none";

  // A new count: of `task` (null for a free count), at `bin` when it was scanned.
  // The task's item has a line from the start, unless it is tracked and the
  // task names no lot: a line without one could not be sent, its lots are scanned.
  function fresh(task, bin) {
    const made = { id: "count", task: task ? task.id : null, taskBin: task ? task.location : null, bin, blind: task ? task.blind !== false : true, lines: [] };
    if (task && task.item && (task.lot || !tracked(task.item))) made.lines.push(lineOf(task.item, task.lot || null, true));
    return made;
  }

  // The task's own line (its item and lot) stays: 0 says there is none.
  const ownLine = (task, line) => task && task.item === line.item && (task.lot || null) === keyOf(line);

  async function start(task, bin = null) {
    draft = fresh(task, bin);
    await save();
    render();
  }

  // The open task asking for a count of this bin, not yet counted here.
  const openTaskAt = (code) => tasks.find((t) => t.location === code && !doneTasks.has(t.id)) || null;
  const draftTask = () => (draft.task ? tasks.find((t) => t.id === draft.task) || null : null);

  // Before the bin is scanned: what to say to an item scan, a quantity, Submit.
  const binFirst = () => (draft.taskBin ? `Scan bin ${draft.taskBin} first (or type ${draft.taskBin})` : "Scan the bin first");

  async function expected(line, bin) {
    const rows = await db.byIndex("stock", "item", line.item);
    const row = rows.find((r) => r.location === bin && r.lot === (keyOf(line) || ""));
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

  // The book quantities are read first, then the screen is drawn in one go: a
  // quantity being typed is carried into the field drawn in its place (qtyControl).
  async function renderDraft() {
    const books = new Map();
    const { bin } = draft;
    if (!draft.blind && bin) for (const line of draft.lines) books.set(line, await expected(line, bin));
    if (!draft) return; // submitted or cancelled meanwhile: drawn by then
    const task = draftTask();
    const prompt = draft.bin ? `Bin ${draft.bin}: scan each item` : draft.taskBin ? `Scan bin ${draft.taskBin}` : "Scan the bin";
    el.replaceChildren(
      h("h1", {}, task ? `${isRecount(task) ? "Recount" : "Count"} ${task.id}` : "Free count"),
      ...(task && task.reason ? [h("p", { class: "task-reason", id: "task-reason" }, `Why: ${task.reason}`)] : []),
      h("p", { class: "prompt", id: "prompt" }, prompt),
    );
    const lines = h("div", { class: "lines" });
    for (const line of draft.lines) {
      const book = books.get(line) ?? null;
      lines.append(
        h("div", { class: "card line", dataset: { item: line.item, lot: line.lot || "", serial: line.serial || "" } },
          h("div", { class: "item-name" }, itemLabel(catalog, line.item), line.lot ? ` · lot ${line.lot}` : "", line.serial ? ` · serial ${line.serial}` : ""),
          book === null ? null : h("div", { class: "muted expected" }, `Book: ${book}`),
          qtyControl(line.qty, (next) => ctx.act(() => setQty(line, next)), `Counted ${line.item}`, `count ${draft.task} ${line.item} ${keyOf(line)}`),
          ownLine(task, line) ? null
            : h("button", { type: "button", class: "secondary remove-line", "aria-label": `Remove ${line.item}`, onclick: tapOnce(ctx.act, () => removeLine(line)) }, "Remove"),
        ),
      );
    }
    el.append(lines);
    el.append(
      h("div", { class: "actions" },
        h("button", { type: "button", id: "submit-count", disabled: !draft.lines.length, onclick: tapOnce(ctx.act, submit) }, "Submit count"),
        h("button", { type: "button", class: "secondary", onclick: tapOnce(ctx.act, cancel) }, "Cancel"),
      ),
    );
  }

  function render() {
    if (draft) renderDraft();
    else renderTasks();
  }

  // Not before the bin is scanned: refused as an item scanned there is, so "+"
  // never skips the bin check.
  async function setQty(line, next) {
    if (!draft || !draft.lines.includes(line)) return; // drawn for a count since stored
    if (!draft.bin) {
      feedback("warn", binFirst());
      renderDraft(); // the control shows the count there is, not the refused one
      return;
    }
    const wanted = next(line.qty);
    if (line.serial && wanted > 1) {
      feedback("warn", `Serial ${line.serial} is one unit: scan each other serial`);
      renderDraft(); // the control shows the count there is, not the refused one
      return;
    }
    line.qty = wanted;
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
    if (!draft || !draft.lines.length) return; // stored already (a second tap)
    if (!draft.bin) {
      feedback("warn", `${binFirst()}, then Submit count`);
      return;
    }
    const list = draft.lines.map((line) => ({
      task: draft.task,
      movement: movements.movement("count", {
        item: line.item, lot: line.lot || null, serial: line.serial || null, to: draft.bin, qty: line.qty,
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
      const code = found.location.code;
      await start(openTaskAt(code), code);
      feedback("good", `Counting ${code}: scan each item`);
      return;
    }
    if (found.kind === "location") {
      const code = found.location.code;
      if (draft.bin) {
        if (code !== draft.bin) {
          feedback("bad", `Wrong bin: ${code}. You are counting ${draft.bin}`);
          return;
        }
        feedback("good", `Still counting ${draft.bin}`);
      } else if (draft.taskBin) {
        if (code !== draft.taskBin) {
          feedback("bad", `Wrong bin: ${code}. Count ${draft.taskBin}`);
          return;
        }
        draft.bin = code;
        await save();
        feedback("good", `Counting ${code}: scan each item`);
      } else {
        // a free count, nothing counted yet: a bin with an open task counts for
        // it, as the same bin scanned from the list does
        const task = openTaskAt(code);
        if (task) draft = fresh(task, code);
        else draft.bin = code;
        await save();
        feedback("good", `Counting ${code}: scan each item`);
      }
      renderDraft();
      return;
    }
    if (!draft.bin) {
      feedback("warn", binFirst());
      return;
    }
    if (found.kind === "lot") {
      feedback("warn", `Lot ${found.code}: scan the item's barcode`);
      return;
    }
    const item = found.kind === "item" ? found.item.sku : found.code;
    const tracking = found.kind === "item" ? found.item.tracking || "none" : "none";
    let key = (tracking === "serial" ? found.serial : found.lot) || null;
    const task = draftTask();
    if (!key && task && task.item === item && task.lot) key = task.lot; // the task's lot: only another is another line
    const missing = key ? null : movements.missingLot(found, { item, lot: null, serial: null });
    if (missing) {
      feedback("warn", missing);
      return;
    }
    let line = draft.lines.find((l) => l.item === item && keyOf(l) === key);
    if (line && line.serial && line.qty >= 1) {
      feedback("warn", `Serial ${line.serial} is counted already: one unit each`);
      return;
    }
    if (!line) {
      line = found.kind === "item" ? lineOf(item, key, true) : { item, lot: key, serial: null, qty: 0, known: false };
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
