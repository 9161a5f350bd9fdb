// Small DOM helpers shared by the screens.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// The click handler of a button that stores something or moves the work on.
// The button is disabled at the tap, so a double tap acts once, and the
// action runs through ``run`` (the app's queue, ``ctx.act``), after any scan
// still being handled; an action must check that the work it was drawn for
// is still the work in progress.
export function tapOnce(run, action) {
  return (event) => {
    const button = event.currentTarget;
    if (button.disabled) return undefined;
    button.disabled = true;
    return run(action).finally(() => {
      button.disabled = false;
    });
  };
}

// A big quantity control: − [ n ] +.  onChange(next) gets a function from the
// quantity as the screen has it when the change is applied to the new one, a
// whole number >= 0: − and + step from the quantity then, after any scan still
// being handled (the drawn value may be a scan or a tap behind), and a typed
// number replaces it.
//
// `key` names what the quantity is of (a line, a task; the label by default).
// A screen is drawn again while a number is being typed into it: after a
// scan's confirmation, when a pull lands.  The field typed into goes (Chromium
// fires change and blur as it goes, or only blur), so the control drawn for
// the same key in that drawing takes over what was typed, and the focus.  The
// number is taken at Enter, a change or leaving the field, once, after the
// script that fired the event (a field a drawing removed takes nothing), and
// only if it is not the number the field was drawn with.
export function qtyControl(value, onChange, label = "Quantity", key = label) {
  const take = () => queueMicrotask(() => {
    if (typing?.input !== input) return; // nothing typed, taken, or taken over
    const { from } = typing;
    typing = null;
    if (!input.isConnected || input.value === from) return; // removed, or nothing new
    const typed = Math.max(0, Math.floor(Number(input.value) || 0));
    if (typed > MAX_QTY) {
      input.value = input.defaultValue; // the quantity there is, not the refused one
      const detail = `Not taken: ${typed.toLocaleString("en")} is more than any real quantity (at most ${MAX_QTY.toLocaleString("en")})`;
      input.dispatchEvent(new CustomEvent("qty-refused", { bubbles: true, detail }));
      return;
    }
    onChange(() => typed);
  });
  const input = h("input", {
    type: "number", inputmode: "numeric", min: "0", step: "1", value: String(value),
    "aria-label": label, class: "qty-input", dataset: { quantity: "" },
    max: Number.isFinite(MAX_QTY) ? String(MAX_QTY) : null,
    oninput: () => (typing = typing?.input === input ? typing : { key, input, from: input.defaultValue }),
    onkeydown: (event) => event.key === "Enter" && take(),
    onchange: take,
    onblur: take,
  });
  takeOverTyping(input, key);
  return h(
    "div", { class: "qty" },
    h("button", { type: "button", class: "qty-btn", "aria-label": `${label} minus one`, onclick: () => onChange((now) => Math.max(0, now - 1)) }, "−"),
    input,
    h("button", { type: "button", class: "qty-btn", "aria-label": `${label} plus one`, onclick: () => onChange((now) => now + 1) }, "+"),
  );
}

// The most a movement may carry (sync/movement.py's MAX_QTY, given by the page):
// a number typed past it (a finger held on a key) is refused at once, not
// stored and rejected by the server later.  The app shows why.
const MAX_QTY = Number(globalThis.document?.body?.dataset.maxQty) || Infinity;

// The number being typed into a quantity and not yet taken: {key, input, from},
// `from` the number its field was drawn with.
let typing = null;

function takeOverTyping(input, key) {
  const was = typing;
  if (!was || was.key !== key || was.input.isConnected || was.input.value === was.from) return;
  input.value = was.input.value;
  typing = { ...was, input };
  queueMicrotask(() => {
    const active = document.activeElement;
    if (input.isConnected && (!active || active === document.body)) input.focus({ preventScroll: true });
  });
}

export function itemLabel(catalog, sku) {
  const item = catalog.item(sku);
  return item ? `${item.sku} · ${item.name}` : `${sku} (unknown)`;
}

// Ask for one of some choices in a <dialog>; resolves with the value or null.
export function choose(title, choices) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "choose" }, h("h2", {}, title));
    for (const [value, text] of choices) {
      dialog.append(h("button", { type: "button", onclick: () => finish(value) }, text));
    }
    dialog.append(h("button", { type: "button", class: "secondary", onclick: () => finish(null) }, "Cancel"));
    function finish(value) {
      dialog.close();
      dialog.remove();
      resolve(value);
    }
    document.body.append(dialog);
    dialog.showModal();
  });
}

// Run fn once the next frame has been painted: a scan's confirmation is shown
// first, what can wait (re-rendering a list, the status bar, the beep) comes
// after it.  Calls for the same fn before then run it once.  A hidden page
// paints no frames: then fn runs after a short while anyway.
const later = new Set();

export function afterPaint(fn) {
  if (later.has(fn)) return;
  later.add(fn);
  let ran = false;
  const go = () => {
    if (ran) return;
    ran = true;
    later.delete(fn);
    fn();
  };
  requestAnimationFrame(() => setTimeout(go, 0));
  setTimeout(go, 250);
}
