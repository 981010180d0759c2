// The export page's "Select all" box: django-import-export binds it with an inline onchange
// attribute, which the planner's Content-Security-Policy blocks, so it is bound here instead.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".select-toggle");
  if (!toggle) {
    return;
  }
  // Its label points at id="select-all-toggle", which the package gives the box as a name only: without the id the
  // box has no name for a screen reader, and clicking the label does nothing.
  if (!toggle.id && !document.getElementById("select-all-toggle")) {
    toggle.id = "select-all-toggle";
  }
  toggle.addEventListener("change", () => {
    document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((box) => {
      box.checked = toggle.checked;
    });
  });
});
