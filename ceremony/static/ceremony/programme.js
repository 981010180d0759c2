// The public programme, better with JavaScript (templates/ceremony/programme.html). Without this script the form's
// "Show" button does everything below with a new page; with it, words apply as they are typed and a kind or a zone
// as it is chosen: the page is fetched again, the parts marked data-swap are swapped in, and the address follows
// (so it can be shared, bookmarked, or reloaded), while the search box keeps its focus. It also offers the
// browser's own time zone as a one-click link.
(() => {
  const TYPING_PAUSE_MS = 300;
  const form = document.getElementById("programme-filters");
  if (!form || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  const status = document.getElementById("programme-status");
  let timer = null;
  let pending = null;

  function address() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value) {
        params.set(name, value);
      }
    }
    const query = params.toString();
    return window.location.pathname + (query ? `?${query}` : "");
  }

  function offerBrowserZone() {
    const link = document.querySelector("[data-tz-link]");
    let zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    if (!link || !zone || zone === form.dataset.homeZone) {
      return;
    }
    const params = new URLSearchParams(window.location.search);
    params.set("tz", zone);
    params.delete("page");
    link.href = `${window.location.pathname}?${params}`;
    link.textContent = link.dataset.label.replace("{zone}", zone);
    link.hidden = false;
  }

  async function apply() {
    window.clearTimeout(timer);
    const url = address();
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    let html;
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      html = await response.text();
    } catch (error) {
      if (error.name !== "AbortError") {
        window.location.assign(url); // a page of its own shows whatever went wrong
      }
      return;
    }
    const fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-swap]").forEach((part) => {
      const replacement = fresh.getElementById(part.id);
      if (replacement) {
        part.replaceWith(document.importNode(replacement, true));
      }
    });
    const freshStatus = fresh.getElementById("programme-status");
    if (status && freshStatus) {
      status.textContent = freshStatus.textContent; // a live region: screen readers hear the new count
    }
    window.history.replaceState(null, "", url);
    const next = document.querySelector("form.language-switcher input[name=next]");
    if (next) {
      next.value = url; // switching language keeps what the reader chose
    }
    offerBrowserZone();
  }

  form.querySelector("input[name=q]").addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, TYPING_PAUSE_MS);
  });
  form.querySelectorAll("select").forEach((select) => select.addEventListener("change", apply));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  document.getElementById("filter-submit").hidden = true;
  offerBrowserZone();
})();
