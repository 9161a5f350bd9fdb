// What a supervisor decided about this device's movements, and which of them
// the server rejected, shown until the person taps "Seen".  Pull brings the
// resolutions with the device's results, a push's answer (or a pull's results)
// the rejections; db keeps both as notices, in the transaction that records
// them.  This module reads them again after every sync and shows each in plain
// words, the rejected ones under "Not stored" apart from the decisions:
// "Your count of 5 × SKU-1 at A-01-02 was accepted by supervisor: “…”",
// "Your receipt of 1 × CHM-1003 to DOCK-1 was not stored: lot: required for CHM-1003."

import { ago } from "./clock.js";
import { h } from "./ui.js";

// what the supervisor did: the verb, then what it means for the person
const DONE = {
  accept: ["was accepted", ""],
  accept_counted_now: ["was accepted as counted now", ""],
  edit: ["was corrected", ""],
  void: ["was voided", ": it does not count"],
  recount: ["was sent back", ": a recount is requested"],
  map: ["was mapped to the catalog", ""],
  reallocate: ["was settled", ": the extra units go back to the shelf"],
};

const KIND = {
  count: "count",
  pick: "pick",
  receive: "receipt",
  putaway: "put-away",
  transfer: "transfer",
  pack: "pack",
  ship: "shipment",
  return: "return",
  scrap: "scrap",
  adjust: "adjustment",
};

// a movement of this device the server rejected (db.noticeRejected), not a decision
const rejected = (notice) => notice.type === "rejected";

// `user` is the person logged in: someone else's work on a shared device is
// named as theirs ("ana's count of …"), not "your".
export function describe(notice, catalog = null, user = null) {
  const name = notice.item && catalog ? catalog.item(notice.item)?.name : null;
  const item = notice.item ? `${notice.item}${name ? ` (${name})` : ""}` : null;
  const whose = notice.user && user && notice.user !== user ? `${notice.user}'s` : "Your";
  let what;
  if (!notice.kind) what = `${whose} movement ${notice.movement.slice(0, 8)}…`;
  else if (notice.kind === "count") what = `${whose} count of ${notice.qty} × ${item} at ${notice.to || notice.from}`;
  else {
    what = `${whose} ${KIND[notice.kind] || notice.kind} of ${notice.qty} × ${item}`;
    if (notice.from) what += ` from ${notice.from}`;
    if (notice.to) what += ` to ${notice.to}`;
  }
  if (notice.lot) what += `, lot ${notice.lot}`;
  if (rejected(notice)) {
    const why = notice.message || notice.code || ""; // the server's words
    return `${what} was not stored${why ? `: ${why}` : ""}${/[.!?]$/.test(why) ? "" : "."}`;
  }
  const [verb, after] = DONE[notice.action] || [`was resolved (${notice.action})`, ""];
  return `${what} ${verb}${notice.by ? ` by ${notice.by}` : ""}${after}.`;
}

// each kind of notice under its own heading, the rejections first
const GROUPS = [
  ["rejected", "Not stored", rejected],
  ["decided", "A supervisor decided", (n) => !rejected(n)],
];

export function attach({ el, db, sync, catalog, user = null, refocus = () => {} }) {
  let shown = "";
  let lastSync = undefined;

  async function seen(ids) {
    await db.markNoticesSeen(ids);
    await load();
    refocus();
  }

  function card(n) {
    const dataset = { notice: n.id, movement: n.movement, ...(rejected(n) ? { code: n.code || "" } : { action: n.action }) };
    return h("div", { class: rejected(n) ? "card notice rejected" : "card notice", role: "status", dataset },
      h("p", { class: "notice-text" }, describe(n, catalog, user)),
      n.reason ? h("p", { class: "notice-reason" }, `Reason: “${n.reason}”`) : null,
      h("div", { class: "row" },
        h("span", { class: "muted" }, n.at ? `${ago(n.at)}` : ""),
        h("button", { type: "button", class: "secondary", "aria-label": `Seen: ${describe(n, null, user)}`, onclick: () => seen([n.id]) }, "Seen"),
      ),
    );
  }

  function render(notices) {
    el.hidden = notices.length === 0;
    el.replaceChildren();
    if (!notices.length) return;
    for (const [group, title, belongs] of GROUPS) {
      const some = notices.filter(belongs);
      if (!some.length) continue;
      el.append(
        h("div", { class: "notice-group", dataset: { group } },
          h("h2", {}, some.length === 1 ? title : `${title} (${some.length})`),
          some.map(card),
        ),
      );
    }
    if (notices.length > 1) {
      el.append(h("button", { type: "button", class: "secondary block", onclick: () => seen(notices.map((n) => n.id)) }, "All seen"));
    }
  }

  async function load() {
    const notices = await db.unseenNotices();
    const key = notices.map((n) => n.id).join(",");
    if (key !== shown || !notices.length) render(notices);
    shown = key;
  }

  // after each sync (the pull may have brought some), not on every change
  sync.events.addEventListener("change", () => {
    if (sync.state.syncing || sync.state.lastSyncAt === lastSync) return;
    lastSync = sync.state.lastSyncAt;
    load().catch((error) => console.error(error));
  });
  db.pruneNotices().catch(() => {});
  return load();
}
