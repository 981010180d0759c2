// Django's autocomplete lists (Select2) made readable to screen readers, on every admin page.
//
// Loaded before jQuery and Django's autocomplete.js, so this listener runs before they turn the lists into Select2:
// - a list of several choices gets no "clear all" cross: Select2 puts it inside its list of chosen items (a <span>
//   in a <ul>, which assistive technology reads as a broken list); each chosen item keeps its own cross;
// - then each box is named after its field: Select2 names a single choice's box after the choice alone (nothing
//   when it is empty) and leaves the box typed into to search among several choices without a name.
"use strict";
{
    const LISTS = "select.admin-autocomplete";
    const fieldLabel = (select) => select.id && document.querySelector(`label[for="${select.id}"]`);

    const nameBoxes = (root) => {
        root.querySelectorAll(LISTS).forEach((select) => {
            const label = fieldLabel(select);
            const container = select.nextElementSibling;
            if (!label || !container || !container.classList.contains("select2")) {
                return;
            }
            label.id = label.id || `${select.id}-label`;
            const box = container.querySelector(".select2-selection");
            if (box) {
                // The field's name, then (for a single choice) what is chosen.
                const chosen = box.getAttribute("aria-labelledby");
                if (!chosen) {
                    box.setAttribute("aria-labelledby", label.id);
                } else if (!chosen.split(" ").includes(label.id)) {
                    box.setAttribute("aria-labelledby", `${label.id} ${chosen}`);
                }
            }
            // A single choice's text, announced as a read-only text box: the field's name, then the choice.
            const rendered = container.querySelector(".select2-selection__rendered[role='textbox'][id]");
            if (rendered) {
                rendered.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
            }
            const search = container.querySelector(".select2-search__field");
            if (search) {
                search.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
            }
        });
    };
    const keepClearAllOut = (root) => {
        root.querySelectorAll(`${LISTS}[multiple]`).forEach((select) => {
            select.setAttribute("data-allow-clear", "false");
        });
    };

    document.addEventListener("DOMContentLoaded", () => {
        keepClearAllOut(document);
        // Queued after Django's own "ready" handler (autocomplete.js, loaded by now), which makes the Select2 boxes.
        if (window.django && window.django.jQuery) {
            window.django.jQuery(() => nameBoxes(document));
        }
    });
    document.addEventListener("formset:added", (event) => {
        keepClearAllOut(event.target);
        setTimeout(() => nameBoxes(event.target), 0);  // after Django's listener has made the new row's boxes
    });
}
