// A keyboard-wedge scanner types the code and presses Enter: in an item
// field that moves on to the next field instead of sending the form early.
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key !== "Enter" || !(field instanceof HTMLInputElement)) return;
  if (!field.hasAttribute("data-enter-next")) return;
  event.preventDefault();
  const fields = Array.from(field.form.querySelectorAll("input:not([type=hidden]), select, button"));
  const next = fields[fields.indexOf(field) + 1];
  if (next) next.focus();
});
