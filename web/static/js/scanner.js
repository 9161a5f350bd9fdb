// The scan field: keyboard-wedge scanners type the code and press Enter (or
// Tab).  The code is taken from the field and queued in the keydown handler
// itself, synchronously, so no scan is lost or reordered however busy the
// page is; the queue is processed one scan at a time, in order.  The field
// keeps the focus unless the person is typing into another field.

const EDITABLE = new Set(["INPUT", "SELECT", "TEXTAREA"]);

export function createScanner(input, handle) {
  const queue = [];
  let draining = false;

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
    const code = input.value;
    input.value = "";
    submit(code, "wedge");
  });

  function refocus() {
    const active = document.activeElement;
    if (active && active !== input && EDITABLE.has(active.tagName) && !active.readOnly) return;
    if (document.querySelector("dialog[open]")) return;
    input.focus({ preventScroll: true });
  }
  input.addEventListener("blur", () => setTimeout(refocus, 0));
  document.addEventListener("click", () => setTimeout(refocus, 0));

  return { submit, refocus, pending: () => queue.length + (draining ? 1 : 0) };
}
