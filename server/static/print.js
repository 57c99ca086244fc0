// The "Print" button of receipts (an inline onclick would break the page's CSP).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
