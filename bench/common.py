"""What the benchmark scripts share: the machine line, percentiles, writing results."""

from __future__ import annotations

import asyncio
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


def batch_request(address: tuple[str, int], token: str, body: bytes, keepalive: bool) -> bytes:
    """A ``POST /api/v1/declarations/batch`` as bytes on the wire (see ``exchange``)."""
    host, port = address
    head = (
        f"POST /api/v1/declarations/batch HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keepalive else 'close'}\r\n\r\n"
    )
    return head.encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request and its answer (status, headers in lower case, body): plain
    asyncio streams, not an HTTP client library, whose own work per request (a
    millisecond or more of the clients' process) would be counted as the server's time
    when many clients share one process."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()  # until the server closes
    return status, headers, body


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
