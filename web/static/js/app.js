// The app's start: open storage, load the catalog copy, show the status, put
// the screens behind the tabs, wire the scan field, register the service
// worker and start the sync loop.

import * as camera from "./camera.js";
import * as catalog from "./catalog.js";
import * as db from "./db.js";
import { READY, feedback, showBanner } from "./feedback.js";
import * as movements from "./movements.js";
import * as notices from "./notices.js";
import * as push from "./push.js";
import { createScanner } from "./scanner.js";
import * as status from "./status.js";
import * as sync from "./sync.js";
import * as update from "./update.js";
import * as counter from "./screens/counter.js";
import * as lookup from "./screens/lookup.js";
import * as picker from "./screens/picker.js";
import * as putback from "./screens/putback.js";
import * as receiver from "./screens/receiver.js";
import * as returns from "./screens/returns.js";

const SCREENS = { pick: picker, putback, count: counter, receive: receiver, returns, lookup };

const body = document.body;
const user = body.dataset.user || null;
const version = body.dataset.version || "dev";

async function deviceName() {
  const meta = await db.getMeta();
  if (meta.device_name) return meta.device_name;
  const name = `web-${user || "device"}-${Math.random().toString(36).slice(2, 8)}`;
  await db.setMeta({ device_name: name });
  return name;
}

async function boot() {
  const started = performance.now();
  await db.open();
  const loaded = catalog.load(); // meanwhile, the screens are built
  movements.setUser(user);
  sync.configure({ user, version, deviceName: await deviceName() });

  const root = document.getElementById("screen");
  // a scan's outcome and the cleared scan field show in the same frame
  let settleField = () => {};
  const shown = (...args) => {
    settleField();
    feedback(...args);
  };
  // Scans, taps that store or change the work, screen changes and refreshes
  // after a pull run one after another, in the order they came: a scan never
  // meets a screen half loaded, and a tap and a scan never work on one draft
  // at once.
  let chain = Promise.resolve();
  const serial = (fn) => (chain = chain.then(fn).catch((error) => console.error(error)));
  const act = (fn) =>
    serial(async () => {
      try {
        await fn();
      } catch (error) {
        shown("bad", `NOT stored: ${error.message}. Try again.`);
        throw error;
      }
    });
  const ctx = { catalog, movements, feedback: shown, db, sync, act, refocus: () => scanner.refocus() };
  document.addEventListener("qty-refused", (event) => shown("warn", event.detail)); // ui.qtyControl
  const screens = {};
  for (const [name, module] of Object.entries(SCREENS)) {
    screens[name] = module.create(ctx);
    screens[name].el.hidden = true;
    root.append(screens[name].el);
  }
  let current = null;
  function route() {
    const name = (location.hash || "#pick").slice(1).split("/")[0];
    const next = screens[name] ? name : "pick";
    // another screen: the last scan's outcome belonged to the one left
    if (current && next !== current) showBanner("good", READY);
    if (current) screens[current].el.hidden = true;
    current = next;
    screens[current].el.hidden = false;
    for (const a of document.querySelectorAll(".tabs a")) {
      a.setAttribute("aria-current", a.dataset.screen === current ? "page" : "false");
    }
    const screen = screens[current];
    serial(() => screen.show?.());
  }
  addEventListener("hashchange", route);

  const input = document.getElementById("scan");
  const scanner = createScanner(input, async (scan) => {
    await serial(async () => {
      try {
        await screens[current].onScan(scan, catalog.resolve(scan.code));
      } catch (error) {
        shown("bad", `Scan ${scan.code} NOT stored: ${error.message}. Scan it again.`);
        throw error;
      }
    });
  });
  settleField = scanner.settle;
  window.shelfsync = { scanner, sync, db, catalog, update, push, started, ready: false };

  sync.events.addEventListener("pulled", (event) =>
    serial(async () => {
      if (event.detail.catalog) await catalog.load();
      if (event.detail.catalog || event.detail.tasks) await screens[current]?.refresh?.();
      else if (event.detail.stock) await screens[current]?.stockPulled?.();
    }),
  );
  status.attach({ sync, update, csrfForm: document.getElementById("logout") });
  const noticesShown = notices.attach({ el: document.getElementById("notices"), db, sync, catalog, user, refocus: () => scanner.refocus() });
  wireCamera(scanner);
  await loaded;
  await noticesShown;
  route();
  input.focus();
  feedback("good", READY);
  window.shelfsync.ready = true;
  window.shelfsync.bootMs = performance.now() - started;
  window.shelfsync.readyAt = performance.now();

  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().then((granted) => status.setPersisted(granted)).catch(() => {});
  }
  update.register();
  const toggle = document.getElementById("push-toggle");
  if (toggle) push.attach({ button: toggle, line: document.getElementById("push-state") }).catch(console.error);
  await sync.refresh();
  sync.start();
}

function wireCamera(scanner) {
  const button = document.getElementById("camera");
  const photo = document.getElementById("photo");
  const view = document.getElementById("camera-view");
  let abort = null;
  button.addEventListener("click", async () => {
    if (!camera.hasDetector()) {
      if (!navigator.onLine) {
        feedback("warn", "No camera reader offline: type the code instead");
        return;
      }
      photo.click();
      return;
    }
    abort = new AbortController();
    view.showModal();
    try {
      const code = await camera.detectLive(document.getElementById("camera-video"), abort.signal);
      if (code) scanner.submit(code, "camera");
    } catch (error) {
      feedback("warn", `Camera: ${error.message}`);
    } finally {
      view.close();
    }
  });
  document.getElementById("camera-close").addEventListener("click", () => abort?.abort());
  photo.addEventListener("change", async () => {
    const file = photo.files[0];
    photo.value = "";
    if (!file) return;
    try {
      const { token } = await db.getMeta();
      scanner.submit(await camera.decodePhoto(file, token), "photo");
    } catch (error) {
      feedback("warn", `Photo: ${error.message}`);
    }
  });
}

boot().catch((error) => {
  console.error(error);
  feedback("bad", `The app could not start: ${error.message}`);
});
