// The scan field: keyboard-wedge scanners type the code and press Enter (or
// Tab).  The code is taken from the field and queued in the keydown handler
// itself, synchronously, so no scan is lost or reordered however busy the
// page is; the queue is processed one scan at a time, in order.  The field
// keeps the focus unless the person is typing into another field.
//
// The taken code stays in the field until the scan's outcome is shown
// (settle(), or the handler finishing): the field and the banner change in
// one frame.  Clearing the field at the Enter would make the browser draw a
// frame of its own while the scan is being stored, and the confirmation
// would wait for the frame after it (measured: about twice the time to the
// confirmation).  A code typed before the field is cleared follows the taken
// text; the next Enter takes only what follows it.
//
// Two ways a scan could land elsewhere are caught.  A screen drawn again
// removes the field that had the focus, and the browser leaves the focus on
// the page itself: a key typed then goes to the scan field.
// A person who tapped a quantity field (data-quantity), typed a number and
// scanned before finishing would make the scan that number: a burst of keys
// a few milliseconds apart ending in Enter or Tab (a wedge types far faster
// than anyone) is taken as a scan, and the field keeps what the person typed.

const EDITABLE = new Set(["INPUT", "SELECT", "TEXTAREA"]);
const BURST_GAP_MS = 30; // at most this between a wedge's keys
const BURST_MIN = 4; // keys: no code is shorter

export function createScanner(input, handle) {
  const queue = [];
  let draining = false;
  let taken = ""; // text at the start of the field that was already queued

  // Take the scan typed since the last one: what follows the taken text, or
  // the whole field if the person changed it.
  function take() {
    const value = input.value;
    const code = taken && value.startsWith(taken) ? value.slice(taken.length) : value;
    taken = value;
    return code;
  }

  // Clear what was taken from the field, keeping anything typed after it.
  function settle() {
    if (!taken) return;
    const value = input.value;
    input.value = value.startsWith(taken) ? value.slice(taken.length) : value;
    taken = "";
  }

  async function drain() {
    if (draining) return;
    draining = true;
    try {
      while (queue.length) {
        const scan = queue.shift();
        try {
          await handle(scan);
        } catch (error) {
          console.error("scan failed", scan, error);
        } finally {
          settle();
        }
      }
    } finally {
      draining = false;
    }
  }

  function submit(code, source = "manual") {
    const text = String(code).trim();
    if (!text) return;
    queue.push({ code: text, source, t0: performance.now() });
    drain();
  }

  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== "Tab") return;
    event.preventDefault();
    const code = take();
    if (code.trim()) submit(code, "wedge");
    else settle(); // nothing new to store: just clear the field
  });

  function refocus() {
    const active = document.activeElement;
    if (active && active !== input && EDITABLE.has(active.tagName) && !active.readOnly) return;
    if (document.querySelector("dialog[open]")) return;
    input.focus({ preventScroll: true });
  }
  input.addEventListener("blur", () => setTimeout(refocus, 0));
  document.addEventListener("click", () => setTimeout(refocus, 0));

  // Nothing has the focus (the field that had it was drawn again): a key
  // typed now is the start of a scan.
  document.addEventListener("keydown", (event) => {
    const active = document.activeElement;
    if (active && active !== document.body) return;
    if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    input.focus({ preventScroll: true }); // the key's character goes to the field
  }, true);

  // The keys typed into a quantity field since it took the focus: a burst at
  // their end, closed by Enter or Tab, is a scan.
  let keys = [];
  let before = "";
  document.addEventListener("focusin", (event) => {
    if (event.target.matches?.("input[data-quantity]")) {
      keys = [];
      before = event.target.value;
    }
  });
  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (!field.matches?.("input[data-quantity]")) return;
    if (event.key.length === 1) {
      keys.push({ key: event.key, t: event.timeStamp });
      return;
    }
    if (event.key !== "Enter" && event.key !== "Tab") {
      keys = []; // Backspace, arrows: a person editing
      return;
    }
    let start = keys.length;
    let last = event.timeStamp;
    while (start > 0 && last - keys[start - 1].t <= BURST_GAP_MS) last = keys[--start].t;
    const burst = keys.slice(start).map((k) => k.key).join("");
    keys = [];
    if (burst.length < BURST_MIN) return; // a person's number: the field takes it
    event.preventDefault();
    event.stopPropagation();
    const typed = field.value.endsWith(burst) ? field.value.slice(0, -burst.length) : before;
    field.value = typed || before;
    if (field.value !== before) field.dispatchEvent(new Event("change", { bubbles: true }));
    before = field.value;
    input.focus({ preventScroll: true });
    // after the number typed before it, which the field takes in a microtask
    queueMicrotask(() => submit(burst, "wedge"));
  }, true);

  return { submit, settle, refocus, pending: () => queue.length + (draining ? 1 : 0) };
}
