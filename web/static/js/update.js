// The service worker and app updates.  A new version installs in the
// background and waits; the person sees "Update available" and it is applied
// only when the outbox is idle (nothing pending, no sync running), so an
// update never interrupts a sync.

import * as sync from "./sync.js";

export const events = new EventTarget();
export let waiting = null;
export const state = () => ({ waiting: Boolean(waiting) });

function found(worker) {
  waiting = worker;
  events.dispatchEvent(new Event("change"));
}

export async function register() {
  if (!navigator.serviceWorker) return null;
  // a module worker: it imports the app's sync and storage modules, fetched
  // afresh (not from the HTTP cache) whenever the browser checks for an update
  const registration = await navigator.serviceWorker.register("/sw.js", {
    scope: "/",
    type: "module",
    updateViaCache: "none",
  });
  if (registration.waiting && navigator.serviceWorker.controller) found(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) found(worker);
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (applying && !reloading) {
      reloading = true;
      location.reload();
    }
  });
  return registration;
}

let applying = false;
let asked = false; // the person tapped "Update now"

export const idle = () => sync.state.pending === 0 && !sync.state.syncing;

// Apply the waiting version if the outbox is idle; false when it must wait.
export function apply() {
  if (!waiting || !idle()) return false;
  applying = true;
  waiting.postMessage({ type: "apply-update" });
  return true;
}

// The person asked for the update: now, or as soon as the outbox is idle (a
// sync may have started between drawing "Update now" and the tap).
export function applyWhenIdle() {
  asked = true;
  return apply();
}

sync.events.addEventListener("change", () => {
  if (asked && !applying) apply();
});
