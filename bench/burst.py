"""The reconnect burst (issue 18): after an outage, 2,000 phones with 25 declarations each
reconnect at once. PostgreSQL (fsync on), 2 server processes, loopback only.

Each simulated phone behaves as the hotel app does: its 25 queued declarations in one
batch, on a connection of its own (a plain HTTP/1.1 exchange, see ``_post``); on 503 or
429 it waits what Retry-After says, spread over up to half as long again; with no answer
it backs off 2 s → 4 s with jitter; until its batch is stored. The phones belong to 20
establishments (one API token each: 2,000 sign-ins would measure Argon2, not the burst).
Bounded: every phone gives up after DEADLINE seconds.

Measured: the time until all 50,000 declarations are stored exactly once, the answers the
phones saw (how many of each status), how long each answer took (p50/p95/max: a shed
request must be answered fast, not after tens of seconds in a queue), and the database's
count of rows and distinct ids afterwards.

    .venv/bin/python bench/burst.py [--phones 2000] [--each 25] [--workers 2]

Writes bench/results/burst-postgres.json.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench import common, ingest  # noqa: E402
from server import settings as settings_module  # noqa: E402
from tests.live import LiveServer  # noqa: E402

HOTELS = 20
DEADLINE = 300.0  # seconds: a phone still trying then counts as not done
TIMEOUT = 60.0  # seconds: an answer slower than this counts as none


async def _post(address: tuple[str, int], request: bytes) -> tuple[int, dict[str, str]]:
    """One batch on a connection of its own, as a phone whose Wi-Fi just came back sends
    it: the status and headers of the answer (its body is read and dropped)."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        status, headers, _ = await common.exchange(reader, writer, request)
        return status, headers
    finally:
        writer.close()


async def _phone(
    address: tuple[str, int],
    request: bytes,
    answers: collections.Counter[str],
    took: dict[str, list[float]],
    done_at: list[float],
    start: float,
) -> None:
    failures = 0
    while time.monotonic() - start < DEADLINE:
        sent = time.monotonic()
        try:
            status, headers = await asyncio.wait_for(_post(address, request), TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            took.setdefault("no answer", []).append(time.monotonic() - sent)
            answers["no answer"] += 1
            failures += 1
            await asyncio.sleep(min(2**failures, 4) * (0.5 + random.random() / 2))  # noqa: S311
            continue
        took.setdefault(str(status), []).append(time.monotonic() - sent)
        answers[str(status)] += 1
        if status == 200:
            done_at.append(time.monotonic() - start)
            return
        failures += 1
        after = headers.get("retry-after")
        if after is not None:
            await asyncio.sleep(float(after) * (1 + random.random() / 2))  # noqa: S311
        else:
            await asyncio.sleep(min(2**failures, 4) * (0.5 + random.random() / 2))  # noqa: S311


async def _burst(
    server: LiveServer, usernames: list[str], phones: int, each: int
) -> dict[str, Any]:
    address = ("127.0.0.1", server.port)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        tokens = []
        for username in usernames:
            answer = await http.post(
                "/api/v1/auth/token", json={"username": username, "password": ingest.PASSWORD}
            )
            tokens.append(answer.json()["access_token"])
        bodies = [
            json.dumps({"declarations": [ingest._item(p * each + n) for n in range(each)]}).encode()
            for p in range(phones)
        ]
        answers: collections.Counter[str] = collections.Counter()
        took: dict[str, list[float]] = {}
        done_at: list[float] = []
        requests = [
            common.batch_request(address, tokens[p % len(tokens)], bodies[p], keepalive=False)
            for p in range(phones)
        ]
        start = time.monotonic()
        cpu = time.process_time()
        await asyncio.gather(
            *(_phone(address, requests[p], answers, took, done_at, start) for p in range(phones))
        )
        elapsed = time.monotonic() - start
        client_cpu = (time.process_time() - cpu) / elapsed
    took_ms = {status: [t * 1000 for t in times] for status, times in took.items()}
    done_at.sort()
    return {
        "phones": phones,
        "declarations": phones * each,
        "phones_done": len(done_at),
        "seconds_until_all_stored": round(done_at[-1], 1) if done_at else None,
        "seconds_until_half_the_phones_done": round(done_at[len(done_at) // 2], 1)
        if done_at
        else None,
        "elapsed_s": round(elapsed, 1),
        # The phones' own process (one event loop for all 2,000). Near 1.0 it would be
        # the bottleneck, and its own wait would be in what the phones saw (it was, with
        # httpx: 0.82 cores and answers 10–20 s slower).
        "phones_cpu_cores": round(client_cpu, 2),
        "answers": dict(answers),
        "answer_ms": {status: common.latency(ms) for status, ms in took_ms.items()},
    }


def _server_side(log: str) -> dict[str, Any]:
    """From the access lines: how long the batches' answers took from the moment the
    application had the request (what the phones saw, less the time in the network,
    the kernel's accept queue and their own event loop)."""
    took: dict[str, list[float]] = {}
    # (a request shed before routing is logged as "shed")
    lines = re.findall(r"POST (?:/api/v1/declarations/batch|shed) (\d{3}) ([\d.]+) ms", log)
    for status, ms in lines:
        took.setdefault(status, []).append(float(ms))
    return {status: common.latency(ms) for status, ms in took.items()}


def run(phones: int, each: int, workers: int, concurrency: int) -> dict[str, Any]:
    folder = common.scratch("bench-burst-")
    with common.database("postgres", folder, durable=True) as url:
        settings = settings_module.load({"DATABASE_URL": url, "TESTING": "1"})
        usernames = asyncio.run(ingest._prepare(settings, HOTELS))
        server = LiveServer(url, folder / "server.log")
        # LOG_LEVEL=info: the access lines say how long each answer took inside the server.
        # One token stands for a hundred phones (see above): its own limit is theirs.
        server.start(
            WORKERS=str(workers),
            API_CONCURRENCY=str(concurrency),
            API_CONCURRENCY_PER_CLIENT=str(phones),
            LOG_LEVEL="info",
        )
        try:
            assert server.process is not None
            cpu = ingest._cpu_seconds(server.process)
            figures = asyncio.run(_burst(server, usernames, phones, each))
            used = ingest._cpu_seconds(server.process)
            # Per process (the supervisor, then the workers): whether both did the work.
            figures["server_cpu_cores_per_process"] = [
                round((t - cpu.get(pid, 0)) / figures["elapsed_s"], 2) for pid, t in used.items()
            ]
        finally:
            server.stop()
        figures["server_side_ms"] = _server_side(server.log())

        async def count() -> tuple[int, int]:
            conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
            try:
                row = await conn.fetchrow("SELECT COUNT(*), COUNT(DISTINCT id) FROM declaration")
            finally:
                await conn.close()
            return int(row[0]), int(row[1])

        stored, distinct = asyncio.run(count())
    result = {
        "benchmark": "reconnect burst",
        "engine": "postgres",
        "date": common.now(),
        "machine": common.machine(),
        "server_processes": workers,
        "api_concurrency": concurrency,
        **figures,
        "stored": stored,
        "stored_distinct": distinct,
        "exactly_once": stored == distinct == phones * each,
    }
    print(result, flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--each", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32, help="API_CONCURRENCY")
    args = parser.parse_args()
    common.write("burst-postgres", run(args.phones, args.each, args.workers, args.concurrency))
