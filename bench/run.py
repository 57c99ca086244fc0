"""Benchmarks (`make bench`). Not yet written: issue 7 adds ingest, queue and drain runs."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    print("No benchmarks yet: see issue 7. Nothing was measured.")
    sys.exit(0)
