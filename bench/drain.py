"""Offline drain: 500 entries queued in the hotel app while the server is down reach the
server after it comes back (Playwright, Debian's Chromium, a phone-sized profile).

The app is opened and signed in online, the server is stopped, 500 declarations are put
in the app's outbox through its own module (typing 500 forms would measure the typist),
the app is reloaded (it shows them as unsent, and its sync starts failing and backing
off), and after OUTAGE seconds the server is started again. Measured: seconds from the
server answering its health check to the app showing no unsent entry, and from the first
batch request to the last answer. The database is then checked to hold each entry once.

    .venv/bin/python bench/drain.py [--entries N]

Writes bench/results/drain-sqlite.json. Target: under 15 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Response, sync_playwright  # noqa: E402

from bench import common, ingest  # noqa: E402
from tests.browser.conftest import open_phone  # noqa: E402
from tests.builders import declaration  # noqa: E402

TARGET_SECONDS = 15
OUTAGE = 20  # seconds the app spends failing and backing off before the server returns
QUEUE = """async (items) => {
  const db = await import("/app/js/db.js");
  const outbox = await import("/app/js/outbox.js");
  const session = await db.getMeta("session");
  for (const item of items) {
    await outbox.save({ id: item.id, establishmentId: session.establishment.id, item });
  }
  return (await outbox.entries(session.establishment.id)).length;
}"""


def run(entries: int) -> dict[str, Any]:
    folder, server = ingest.demo_server("drain")
    batches: list[tuple[float, float, int]] = []
    starts: dict[int, float] = {}
    try:
        with sync_playwright() as playwright:
            context = open_phone(playwright, folder / "profile")
            page = context.pages[0] if context.pages else context.new_page()
            ingest.app_signed_in(page, server)
            # The outbox's own modules, loaded while online (the app runs from its bundle,
            # which the service worker keeps; these plain module URLs it does not).
            page.evaluate('async () => { await import("/app/js/db.js"); '
                          'await import("/app/js/outbox.js"); }')  # fmt: skip
            server.stop()

            items = [declaration() for _ in range(entries)]
            queued = page.evaluate(QUEUE, items)
            assert queued == entries, queued
            page.reload()
            page.wait_for_function(
                f"() => document.querySelector('#unsent-count')?.textContent.includes('{entries}')"
            )

            def request(req: Any) -> None:
                if "/declarations/batch" in req.url:
                    starts[id(req)] = time.perf_counter()

            def response(res: Response) -> None:
                if "/declarations/batch" in res.url and id(res.request) in starts:
                    batches.append((starts[id(res.request)], time.perf_counter(), res.status))

            context.on("request", request)
            context.on("response", response)
            time.sleep(OUTAGE)
            server.start()
            back = time.perf_counter()
            page.wait_for_function(
                "() => document.querySelector('#unsent-count')?.textContent.trim()"
                " === 'Chưa gửi: 0'",
                timeout=120_000,
                polling=50,
            )
            drained = time.perf_counter() - back
            context.close()
    finally:
        server.stop()
    with sqlite3.connect(server.database_url[len("sqlite://") :]) as conn:
        stored, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM declaration"
        ).fetchone()
    ok = [b for b in batches if b[2] == 200 and b[0] >= back]
    sending = max(b[1] for b in ok) - min(b[0] for b in ok) if ok else None
    result = {
        "benchmark": "offline drain",
        "engine": "sqlite",
        "date": common.now(),
        "machine": common.machine(),
        "entries": entries,
        "outage_seconds": OUTAGE,
        "seconds_from_server_back_to_all_sent": round(drained, 2),
        "seconds_first_batch_to_last_answer": round(sending, 2) if sending else None,
        "batches_sent_after_return": len(ok),
        "stored": stored,
        "stored_distinct": distinct,
        "target_seconds": TARGET_SECONDS,
    }
    print(
        f"drain: {entries} entries sent {drained:.1f} s after the server came back "
        f"({len(ok)} batches in {sending or 0:.2f} s); stored {stored}, distinct {distinct}",
        flush=True,
    )
    assert stored == distinct == entries, result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    common.write("drain-sqlite", run(args.entries))


if __name__ == "__main__":
    main()
