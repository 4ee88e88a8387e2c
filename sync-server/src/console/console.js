// Progressive enhancement only: every page works without this script.
// On a list of applications, a "select all pending" box ticks every pending row for bulk accept.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-bulk]")) {
    const boxes = form.querySelectorAll("input[type=checkbox][name=item]");
    if (boxes.length === 0) continue;
    const label = document.createElement("label");
    const all = document.createElement("input");
    all.type = "checkbox";
    all.id = "select-all";
    label.htmlFor = "select-all";
    label.append(all, " Select all pending on this page");
    all.addEventListener("change", () => boxes.forEach((box) => { box.checked = all.checked; }));
    form.prepend(label);
  }
});
