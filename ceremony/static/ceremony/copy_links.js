// "Copy" buttons beside private links (admin/issued_links.html): shown only where the browser can copy, since
// without this script the link text is there to select by hand.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(button.dataset.copy).then(() => {
        button.textContent = button.dataset.copied;
      });
    });
  });
});
