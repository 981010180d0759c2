// Django's autocomplete lists (Select2) made readable to screen readers, on every admin page.
//
// Loaded before jQuery and Django's autocomplete.js, so this listener runs before they turn the lists into Select2:
// - a list of several choices gets no "clear all" cross: Select2 puts it inside its list of chosen items (a <span>
//   in a <ul>, which assistive technology reads as a broken list); each chosen item keeps its own cross;
// - the box typed into to search gets the name of its field, which Select2 leaves it without.
"use strict";
{
    const nameSearchBoxes = (root) => {
        root.querySelectorAll("select.admin-autocomplete[multiple]").forEach((select) => {
            const label = select.id && document.querySelector(`label[for="${select.id}"]`);
            const container = select.nextElementSibling;
            const box = container && container.querySelector(".select2-search__field");
            if (label && box) {
                box.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
            }
        });
    };
    document.addEventListener("DOMContentLoaded", () => {
        document.querySelectorAll("select.admin-autocomplete[multiple]").forEach((select) => {
            select.setAttribute("data-allow-clear", "false");
        });
        // Queued after Django's own "ready" handler (autocomplete.js, loaded by now), which makes the Select2 boxes.
        if (window.django && window.django.jQuery) {
            window.django.jQuery(() => nameSearchBoxes(document));
        }
    });
    document.addEventListener("formset:added", (event) => {
        event.target.querySelectorAll("select.admin-autocomplete[multiple]").forEach((select) => {
            select.setAttribute("data-allow-clear", "false");
        });
        setTimeout(() => nameSearchBoxes(event.target), 0);
    });
}
