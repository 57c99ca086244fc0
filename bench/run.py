"""Benchmarks (`make bench`): each script writes bench/results/<name>.json.

ingest.py       hotel clients over real HTTP, and the raw-driver ratio (SQLite, PostgreSQL)
police_queue.py the police queue at 1,000,000 declarations (SQLite, PostgreSQL)
export.py       the queue's CSV export at its 50,000-row cap: time, the event loop's longest wait
drain.py        500 entries queued offline in the hotel app reach the server (Chromium)
shell.py        the app shell's size and a Lighthouse-style audit (Chromium)
scan.py         the passport reader's speed, time to a reading, taps per guest (Chromium)
guestlist.py    the hotel's guest list with 500 guests, CPU slowed 4× (Chromium)
lighthouse.py   Lighthouse 12 (npm), 3 runs each: /app/ signed out and in, the police queue
live.py         1,000 open live-queue streams on one process: quiet cost, change delivery
burst.py        2,000 phones x 25 declarations reconnect at once (PostgreSQL, 2 processes)
reports.py      reports over 10,000,000 declarations: ward-month, province-year, nation-year"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ["ingest.py", "--db", "both"],
    ["drain.py"],
    ["shell.py"],
    ["scan.py"],
    ["guestlist.py"],
    ["lighthouse.py"],
    ["live.py", "--db", "both"],
    ["burst.py"],
    ["police_queue.py", "--db", "both"],
    ["export.py", "--db", "both"],
    ["reports.py", "--db", "both"],
]

if __name__ == "__main__":
    for script, *args in SCRIPTS:
        print(f"== {script} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *args], check=True)  # noqa: S603
