"""What the benchmark scripts share: the machine line, percentiles, writing results."""

from __future__ import annotations

import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests import pg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{model or platform.machine()}, {os.cpu_count()} CPUs{memory}, "
        f"Python {platform.python_version()}"
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def latency(samples_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples_ms), 1),
        "p95_ms": round(percentile(samples_ms, 0.95), 1),
        "p99_ms": round(percentile(samples_ms, 0.99), 1),
        "max_ms": round(max(samples_ms), 1),
    }


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a process's resident memory (Linux ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def write(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(ROOT)}", flush=True)
    return path


_SCRATCH: list[Path] = []


def scratch(prefix: str) -> Path:
    """A temporary folder for this run (its database, logs, a browser's profile), removed
    when the script ends: one million-row run leaves 1.5 GB, and runs add up."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if not _SCRATCH:
        atexit.register(_remove_scratch)
    _SCRATCH.append(folder)
    return folder


def _remove_scratch() -> None:
    for folder in _SCRATCH:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def database(engine: str, folder: Path, durable: bool = False) -> Iterator[str]:
    """A fresh, empty database's URL: a SQLite file in ``folder``, or a database in a
    throwaway PostgreSQL cluster (``durable``: fsync and synchronous commit on)."""
    if engine == "sqlite":
        yield f"sqlite://{folder / 'bench.sqlite3'}"
        return
    cluster = pg.Cluster.start(durable=durable)
    try:
        cluster.create_database("bench")
        yield cluster.url("bench")
    finally:
        cluster.stop()


def each_engine(script: str, argv: list[str]) -> None:
    """Run ``script`` once per engine, each in a process of its own: Tortoise caches its
    SQL per table, not per dialect, so one process cannot serve both."""
    for engine in ("sqlite", "postgres"):
        command = [sys.executable, script, "--db", engine, *argv]
        subprocess.run(command, check=True)  # noqa: S603 — our own script
