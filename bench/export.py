"""The police queue's CSV export at its cap: 50,000 rows of a busy ward, and how long the
export holds the server's event loop at a time (while it runs, every other request of
the process waits that long).

The seed of ``bench/police_queue.py`` (``--rows``, 60 % in the measured ward), then the
real application in process (session, scope, access log, streaming; no network): the
ward officer's export of every state, ``--repeat`` times for each chunk size, with a
task beside it that sleeps 1 ms at a time and records its longest wait.

    .venv/bin/python bench/export.py [--db sqlite|postgres|both] [--rows 100000]
        [--chunks 50,200,1000] [--repeat 2]

Writes bench/results/export-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, police_queue  # noqa: E402
from server import settings as settings_module  # noqa: E402
from server.app import create_app  # noqa: E402
from server.police import export  # noqa: E402


async def _longest_wait(until: asyncio.Task[Any]) -> float:
    longest, last = 0.0, time.perf_counter()
    while not until.done():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    return longest


async def _measure(settings: Any, chunks: list[int], repeat: int) -> list[dict[str, Any]]:
    app = create_app(settings)
    measured = []
    async with app.router.lifespan_context(app):
        officer = await police_queue._officer(app)
        for _ in range(repeat):
            for chunk in chunks:
                export.CHUNK = chunk
                started = time.perf_counter()
                task = asyncio.create_task(officer.get("/police/declarations/export.csv?state=all"))
                longest = await _longest_wait(task)
                answer = await task
                assert answer.status_code == 200, answer.status_code
                measured.append(
                    {
                        "chunk": chunk,
                        "rows": answer.text.count("\n") - 1,
                        "seconds": round(time.perf_counter() - started, 2),
                        "longest_loop_wait_ms": round(longest * 1000, 1),
                    }
                )
                print(measured[-1], flush=True)
        await officer.aclose()
    return measured


def run(engine: str, rows: int, chunks: list[int], repeat: int) -> dict[str, Any]:
    folder = common.scratch("bench-export-")
    with common.database(engine, folder) as url:
        settings = settings_module.load(
            {"DATABASE_URL": url, "TESTING": "1", "LOG_LEVEL": "warning"}
        )
        places, ward = asyncio.run(police_queue._prepare(settings))
        generated = police_queue._rows(rows, places, ward)
        if engine == "postgres":
            asyncio.run(police_queue._seed_postgres(url, generated))
        else:
            police_queue._seed_sqlite(url[len("sqlite://") :], generated)
        measured = asyncio.run(_measure(settings, chunks, repeat))
    return {
        "benchmark": "queue export",
        "engine": engine,
        "declarations": rows,
        "export_max": export.EXPORT_MAX,
        "chunk_in_use": export.CHUNK,
        "date": common.now(),
        "machine": common.machine(),
        "results": measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--chunks", default=f"{export.CHUNK},200,1000")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.db == "both":
        argv = ["--rows", str(args.rows), "--chunks", args.chunks, "--repeat", str(args.repeat)]
        common.each_engine(__file__, argv)
        return
    chunks = [int(c) for c in args.chunks.split(",")]
    in_use = export.CHUNK
    result = run(args.db, args.rows, chunks, args.repeat)
    result["chunk_in_use"] = in_use
    common.write(f"export-{args.db}", result)


if __name__ == "__main__":
    main()
