// The public list of signatures, kept live (templates/delegations/signatures.html). Every few seconds it asks the
// JSON twin of the page whether anything changed (If-None-Match: the server answers 304 when not) and, when it did,
// rewrites the heading and the lists with text (never HTML). Without this script a reload shows the same.
(() => {
  const root = document.getElementById("signatures");
  if (!root || !window.fetch) {
    return;
  }
  const url = root.dataset.url;
  const every = Math.max(5, Number(root.dataset.pollSeconds) || 20) * 1000;
  let etag = null;

  function fill(list, rows) {
    const items = rows.map((row) => {
      const item = document.createElement("li");
      item.id = row.id;
      item.value = row.order;
      const name = document.createElement("span");
      name.className = "signature-name";
      name.textContent = row.name;
      const time = document.createElement("span");
      time.className = "signature-time";
      time.textContent = row.time;
      item.append(name, " — ", time);
      return item;
    });
    list.replaceChildren(...items);
  }

  function show(data) {
    document.getElementById("signatures-heading").textContent = data.heading;
    fill(document.getElementById("signatures-states"), data.states);
    document.getElementById("signatures-organizations-heading").textContent = data.organizations_heading;
    fill(document.getElementById("signatures-organizations"), data.organizations);
    document.getElementById("signatures-organizations-part").hidden = data.organizations.length === 0;
  }

  async function poll() {
    try {
      const headers = { Accept: "application/json" };
      if (etag) {
        headers["If-None-Match"] = etag;
      }
      const response = await fetch(url, { headers, cache: "no-store", credentials: "same-origin" });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        show(await response.json());
      }
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    }
    window.setTimeout(poll, every);
  }

  window.setTimeout(poll, every);
})();
