// Web push on this browser: turn notifications on (ask permission, subscribe
// with the server's VAPID key, give the server the subscription) and off
// (forget it on the server and in the browser), and show which it is.
//
// "On" means both sides agree: the browser holds a subscription and the
// server keeps it for the person logged in.  A subscription the server does
// not keep for this person (another person used this browser before) is
// dropped from the browser, so their notifications stop showing here.
// Used by the floor app and the console (any page with the #push-toggle and
// #push-state elements); the service worker shows what arrives (sw.js), and
// when the browser rotates the subscription it gives the server the new one
// (renew, below).

import * as api from "./api.js";

const SUBSCRIBE_MS = 20000; // a browser with no push service may never answer
const READY_MS = 15000;

export const events = new EventTarget();
export const state = {
  supported: false,
  permission: "default", // the browser's Notification.permission
  on: false,
  busy: false,
  checked: false, // the server was asked (false offline: the browser's side only)
  error: null,
};

function changed() {
  events.dispatchEvent(new Event("change"));
}

export function supported() {
  return Boolean(navigator.serviceWorker) && "PushManager" in self && "Notification" in self;
}

function within(promise, ms, message) {
  let timer;
  const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function registration() {
  const existing = await navigator.serviceWorker.getRegistration("/");
  // a page outside the app (the console) registers the app's worker as update.js does
  if (!existing) await navigator.serviceWorker.register("/sw.js", { scope: "/", type: "module", updateViaCache: "none" });
  return within(navigator.serviceWorker.ready, READY_MS, "the app's service worker is not running yet");
}

// The VAPID public key (base64url) as the bytes applicationServerKey wants.
export function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
}

function explain(error) {
  if (error instanceof api.ApiError && error.status === 401) return "log in again first";
  if (error instanceof api.NetworkError) return "no connection to the server";
  return error.message || String(error);
}

let generation = 0; // only the latest refresh applies what it read

// Read both sides again: the browser's subscription and the server's list.
export async function refresh() {
  const mine = ++generation;
  state.supported = supported();
  if (!state.supported) {
    changed();
    return state;
  }
  state.permission = Notification.permission;
  try {
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (!subscription || state.permission !== "granted") {
      state.on = false;
      state.checked = true;
    } else {
      let listed = null;
      let answer = null;
      try {
        answer = await api.pushSubscriptions();
        listed = answer.subscriptions;
      } catch (_) {
        /* offline: what the browser holds, below */
      }
      if (mine !== generation || state.busy) return state; // a newer read, or turning on/off
      if (!listed) {
        state.on = true;
        state.checked = false;
      } else {
        state.on = listed.some((s) => s.endpoint === subscription.endpoint);
        state.checked = true;
        // another person's (a shared device) or forgotten by the server: their
        // notices must not show here; the server drops it when a push finds it gone
        if (!state.on) await subscription.unsubscribe();
        // a new session (logged in again) learns it, so logging out forgets it
        else if (answer.session_endpoint !== subscription.endpoint) {
          await api.savePushSubscription(subscription.toJSON()).catch(() => {});
        }
      }
    }
  } catch (error) {
    state.error = explain(error);
  }
  changed();
  return state;
}

async function run(fn) {
  if (state.busy) return state;
  state.busy = true;
  state.error = null;
  changed();
  try {
    await fn();
  } catch (error) {
    state.error = explain(error);
  } finally {
    state.busy = false;
  }
  return refresh();
}

export function enable() {
  return run(async () => {
    if (!supported()) throw new Error("this browser cannot show notifications from a web app");
    const permission = await Notification.requestPermission();
    state.permission = permission;
    if (permission !== "granted") {
      throw new Error("notifications are blocked for this site: allow them in the browser's settings");
    }
    const { public_key: key } = await api.vapidPublicKey();
    const bytes = keyBytes(key);
    const reg = await registration();
    let subscription = await reg.pushManager.getSubscription();
    if (subscription && !sameKey(subscription.options && subscription.options.applicationServerKey, bytes)) {
      await subscription.unsubscribe(); // made for another server key: useless now
      subscription = null;
    }
    if (!subscription) {
      try {
        subscription = await within(
          reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes }),
          SUBSCRIBE_MS,
          "its push service did not answer",
        );
      } catch (error) {
        throw new Error(`this browser could not subscribe: ${error.message}`);
      }
    }
    try {
      await api.savePushSubscription(subscription.toJSON());
    } catch (error) {
      await subscription.unsubscribe().catch(() => {}); // both sides agree: off
      throw error;
    }
  });
}

export function disable() {
  return run(async () => {
    const reg = await registration();
    const subscription = await reg.pushManager.getSubscription();
    if (!subscription) return;
    let problem = null;
    try {
      await api.deletePushSubscription(subscription.endpoint);
    } catch (error) {
      problem = error; // the browser's side still goes: the server drops it when a push finds it gone
    }
    await subscription.unsubscribe();
    if (problem) throw new Error(`the server was not told (${explain(problem)}); it forgets this browser at its next push`);
  });
}

// The browser replaced this browser's subscription (the service worker's
// pushsubscriptionchange, with no page open perhaps): subscribe again with the
// server's VAPID key unless the browser already did (newSubscription), and
// give the server the new one in place of the old (old_endpoint), with the
// session cookie as the page does.  Rejects when the server was not told
// (offline, logged out): the page's next look finds this browser off.
export async function renew(pushManager, oldSubscription, newSubscription) {
  let subscription = newSubscription || null;
  if (!subscription) {
    const { public_key: key } = await api.vapidPublicKey();
    subscription = await within(
      pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }),
      SUBSCRIBE_MS,
      "its push service did not answer",
    );
  }
  const old = oldSubscription && oldSubscription.endpoint;
  const body = subscription.toJSON();
  if (old && old !== body.endpoint) body.old_endpoint = old;
  await api.savePushSubscription(body);
  return subscription;
}

function label() {
  if (!state.supported) return "Notifications: not available in this browser";
  if (state.permission === "denied") return "Notifications: blocked in the browser's settings";
  if (state.busy) return "Notifications: …";
  const text = state.on ? (state.checked ? "Notifications on" : "Notifications on (not checked: offline)") : "Notifications off";
  return state.error ? `${text} · ${state.error}` : text;
}

// Wire a toggle button and a state line; clicks on a notification that name a
// screen of this page switch to it (the service worker sends "open").
export function attach({ button, line }) {
  const render = () => {
    line.textContent = label();
    line.dataset.state = state.on ? "on" : "off";
    button.hidden = !state.supported || state.permission === "denied";
    button.disabled = state.busy;
    button.textContent = state.on ? "Turn off" : "Turn on";
    button.setAttribute("aria-label", state.on ? "Turn notifications off" : "Turn notifications on");
  };
  events.addEventListener("change", render);
  button.addEventListener("click", () => (state.on ? disable() : enable()));
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (!event.data || event.data.type !== "open") return;
      const url = new URL(event.data.url, location.href);
      if (url.origin !== location.origin) return;
      if (url.pathname === location.pathname) location.hash = url.hash;
      else location.assign(url.href);
    });
  }
  render();
  return refresh();
}
