// What the person always sees: online or offline, how many movements wait to
// be sent, when the device last synced; a warning after 4 hours without a
// sync; "log in again" when the server no longer knows the device; "update
// available" (applied only when the outbox is idle).  Logging out with
// movements pending asks first and never deletes them.

import { ago } from "./clock.js";
import { afterPaint } from "./ui.js";

let refs = null;
let persisted = null;

const $ = (id) => document.getElementById(id);

function alert(kind, html) {
  const div = document.createElement("div");
  div.className = `alert alert-${kind}`;
  div.innerHTML = html;
  return div;
}

export function setPersisted(granted) {
  persisted = granted;
  render();
}

export function render() {
  if (!refs) return;
  const { sync, update } = refs;
  const s = sync.state;
  const net = $("net");
  net.textContent = s.online ? (s.syncing ? "Syncing" : "Online") : "Offline";
  net.className = `pill ${s.online ? "pill-on" : "pill-off"}`;
  $("pending").textContent = s.pending === 1 ? "1 to send" : `${s.pending} to send`;
  $("pending").dataset.count = String(s.pending);
  $("last-sync").textContent = `Synced ${ago(s.lastSyncAt)}`;
  const alerts = $("alerts");
  alerts.replaceChildren();
  const since = s.lastSyncAt ? Date.now() - Date.parse(s.lastSyncAt) : Infinity;
  const waiting = s.oldest ? Date.now() - Date.parse(s.oldest) : 0;
  if (since > sync.STALE_MS && (s.lastSyncAt || waiting > sync.STALE_MS)) {
    alerts.append(alert("stale", "<strong>Not synced for over 4 hours.</strong> Find Wi-Fi and tap Sync now."));
  }
  if (s.needsLogin) {
    alerts.append(
      alert("login", `<strong>Log in again to send your scans.</strong> They are kept on this device.
        <a class="button" href="/login?next=%2Fapp">Log in</a>`),
    );
  } else if (s.lastError && s.online) {
    const div = alert("error", "");
    div.textContent = `Sync problem: ${s.lastError}. Retrying.`;
    alerts.append(div);
  }
  if (update.waiting) {
    const div = alert("update", "<strong>Update available.</strong> ");
    const button = document.createElement("button");
    button.type = "button";
    button.id = "apply-update";
    if (update.idle()) {
      button.textContent = "Update now";
    } else {
      button.textContent = "Update after sync";
      button.disabled = true;
    }
    button.addEventListener("click", () => update.applyWhenIdle());
    div.append(button);
    alerts.append(div);
  }
  $("storage-note").textContent =
    persisted === true ? "Storage kept" : persisted === false ? "Storage not guaranteed: sync often" : "";
}

export function attach(options) {
  refs = options;
  // after the frame that shows a scan's confirmation, not before it
  options.sync.events.addEventListener("change", () => afterPaint(render));
  options.update.events.addEventListener("change", render);
  addEventListener("online", render);
  addEventListener("offline", render);
  setInterval(render, 15000);
  $("sync-now").addEventListener("click", () => options.sync.sync("manual", { force: true }));
  options.csrfForm.addEventListener("submit", async (event) => {
    if (options.sync.state.pending === 0) return;
    event.preventDefault();
    await options.sync.sync("logout", { force: true });
    const left = options.sync.state.pending;
    if (left === 0) {
      options.csrfForm.submit();
      return;
    }
    const ok = confirm(
      `${left} scan${left === 1 ? " is" : "s are"} not sent yet. They stay on this device and are sent ` +
        "the next time anyone logs in here. Log out anyway?",
    );
    if (ok) options.csrfForm.submit();
  });
  render();
}
