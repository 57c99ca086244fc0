"""Benchmarks (`make bench`): each script writes bench/results/<name>-<db>.json.

So far: the police queue at 1,000,000 declarations (bench/police_queue.py). Issue 7 adds
ingest, offline drain and the app shell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [["police_queue.py", "--db", "both"]]

if __name__ == "__main__":
    for script, *args in SCRIPTS:
        print(f"== {script} {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *args], check=True)  # noqa: S603
