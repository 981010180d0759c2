// The export page's "Select all" box: django-import-export binds it with an inline onchange
// attribute, which the planner's Content-Security-Policy blocks, so it is bound here instead.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".select-toggle");
  if (!toggle) {
    return;
  }
  toggle.addEventListener("change", () => {
    document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach((box) => {
      box.checked = toggle.checked;
    });
  });
});
