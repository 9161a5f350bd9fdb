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

const EDITABLE = new Set(["INPUT", "SELECT", "TEXTAREA"]);

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

  return { submit, settle, refocus, pending: () => queue.length + (draining ? 1 : 0) };
}
