// The review queue's live updates: new and changed declarations arrive as Server-Sent
// Events with their row already rendered (and escaped) by the server. A new row that
// matches the page's filters goes on top, marked; a row already shown is replaced; a row
// that no longer matches (decided by someone else) is greyed out, not removed, so that
// nothing jumps under the officer's pointer.

const status = document.getElementById("live-status");
const table = document.querySelector("#queue tbody");

function rowFrom(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim(); // server-rendered with autoescape
  return template.content.firstElementChild;
}

function start() {
  if (!status || !table || !window.EventSource) return;
  const url = new URL(status.dataset.stream, window.location.href);
  url.searchParams.set("since", status.dataset.since);
  url.searchParams.set("key", status.dataset.key);
  const source = new EventSource(url);
  let arrived = 0;
  const label = status.dataset.newLabel;
  const idle = status.textContent;

  source.addEventListener("open", () => {
    status.classList.add("on");
    status.textContent = arrived ? label.replace("{n}", arrived) : status.dataset.onLabel || idle;
  });
  source.addEventListener("error", () => status.classList.remove("on"));
  source.addEventListener("too_many", () => {
    // The server's limit of open queues per account: it says when to try again (retry).
    status.classList.remove("on");
    status.textContent = status.dataset.tooManyLabel || idle;
  });
  source.addEventListener("signed_out", () => {
    source.close();
    status.classList.remove("on");
  });
  source.addEventListener("declaration", (event) => {
    const data = JSON.parse(event.data);
    const row = rowFrom(data.html);
    if (!row) return;
    const shown = document.getElementById(`row-${data.id}`);
    if (shown) {
      if (!data.matches) row.classList.add("live-changed");
      shown.replaceWith(row);
      return;
    }
    if (!data.matches) return;
    const empty = table.querySelector("td[colspan]");
    if (empty) empty.parentElement.remove();
    row.classList.add("live-new");
    table.prepend(row);
    arrived += 1;
    status.textContent = label.replace("{n}", arrived);
  });
}

start();
