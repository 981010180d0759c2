// The delegation's page folds the programme one day at a time (<details>, which needs no script). This only helps:
// a link to an item ("what changed", "your invitations") opens the day that holds it, and printing prints every day.
(function () {
  "use strict";

  function openDayOf(hash) {
    if (!hash || hash.indexOf("#item-") !== 0) return;
    var item = document.getElementById(decodeURIComponent(hash.slice(1)));
    var day = item && item.closest("details.programme-day");
    if (day && !day.open) {
      day.open = true;
      item.scrollIntoView();
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#item-"]');
    if (link) openDayOf(link.getAttribute("href"));
  });
  window.addEventListener("hashchange", function () {
    openDayOf(window.location.hash);
  });
  openDayOf(window.location.hash);

  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details.programme-day"), function (day) {
      return !day.open;
    });
    closed.forEach(function (day) {
      day.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (day) {
      day.open = false;
    });
    closed = [];
  });
})();
