"""Live queues at scale (issue 18): 1,000 open streams on one server process.

One server process (SQLite or PostgreSQL), 1,000 Server-Sent Events streams of the
police queue opened on loopback by one client process (a ward officer's and a province
officer's streams, half each). Then:

- quiet: 10 s with no change: the server's CPU (from /proc, user + system) and its
  database queries (counted from Tortoise's query log, DEBUG);
- a change: one declaration in the ward: the time until every stream has its event (all
  1,000 are in its jurisdiction: the ward's and the province's officers). That a change
  elsewhere reaches no stream, and costs none a query, is tested in make test
  (tests/police/test_live_watcher.py).

Targets: at most 0.05 cores and 2 queries a second while quiet; every stream within 2 s.

    .venv/bin/python bench/live.py [--db sqlite|postgres|both] [--streams 1000]

Writes bench/results/live-<engine>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import common, ingest  # noqa: E402
from server import settings as settings_module  # noqa: E402
from tests.builders import declaration  # noqa: E402
from tests.live import LiveServer  # noqa: E402

QUIET_SECONDS = 10.0
DEADLINE_SECONDS = 30.0  # a stream that has not had its event by then counts as missed


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _queries(log: Path) -> int:
    return len(re.findall(r"tortoise\.db_client.*(SELECT|UPDATE|INSERT)", log.read_text()))


async def _sign_in(base: str, username: str) -> tuple[httpx.Cookies, str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as web:
        await web.get("/login")
        token = web.cookies["csrftoken"]
        answer = await web.post(
            "/login",
            data={"username": username, "password": ingest.PASSWORD, "csrf_token": token},
        )
        assert answer.status_code in (302, 303), answer.text[-500:]
        page = (await web.get("/police/declarations")).text
        return web.cookies, page


async def _open(
    base: str, username: str, count: int, seen: dict[str, float], ready: list[int]
) -> tuple[httpx.AsyncClient, list[asyncio.Task[None]]]:
    cookies, page = await _sign_in(base, username)
    found = re.search(r'data-since="(\d+)" data-key="([0-9a-f]+)"', page)
    assert found, page[-500:]
    url = f"{base}/police/declarations/stream?since={found[1]}&key={found[2]}"
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    timeout = httpx.Timeout(30, read=None)  # a stream may stay quiet for long
    client = httpx.AsyncClient(cookies=cookies, timeout=timeout, limits=limits)

    async def one(n: int) -> None:
        async with client.stream("GET", url) as response:
            ready.append(1)
            async for line in response.aiter_lines():
                if line.startswith("data: ") and '"id"' in line:
                    name = re.search(r'"id": "([0-9a-f-]{36})"', line)
                    if name:
                        seen.setdefault(f"{username}:{n}:{name[1]}", time.monotonic())

    return client, [asyncio.create_task(one(n)) for n in range(count)]


async def _measure(server: LiveServer, log: Path, streams: int) -> dict[str, Any]:
    seen: dict[str, float] = {}
    ready: list[int] = []
    half = streams // 2
    opened = [
        await _open(server.url, "police.hk", half, seen, ready),
        await _open(server.url, "pa08.hn", streams - half, seen, ready),
    ]
    started = time.monotonic()
    while len(ready) < streams and time.monotonic() - started < 120:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    opening = time.monotonic() - started
    await asyncio.sleep(3)  # every stream caught up
    assert server.process is not None
    cpu, queries, quiet_from = _cpu_seconds(server.process.pid), _queries(log), time.monotonic()
    await asyncio.sleep(QUIET_SECONDS)
    quiet = time.monotonic() - quiet_from
    cpu = _cpu_seconds(server.process.pid) - cpu
    queries = _queries(log) - queries

    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:

        async def token(username: str) -> str:
            answer = await http.post(
                "/api/v1/auth/token", json={"username": username, "password": ingest.PASSWORD}
            )
            return str(answer.json()["access_token"])

        mine = declaration(full_name="LIVE BENCH GUEST")
        hotel = await token("staff.hk")
        sent_at = time.monotonic()
        answer = await http.post(
            "/api/v1/declarations/batch",
            json={"declarations": [mine]},
            headers={"Authorization": f"Bearer {hotel}"},
        )
        assert answer.json()["results"][0]["result"] == "created", answer.text
    while time.monotonic() - sent_at < DEADLINE_SECONDS:
        got = [t for k, t in seen.items() if k.endswith(mine["id"])]
        if len(got) >= streams:
            break
        await asyncio.sleep(0.05)
    delays = sorted(t - sent_at for k, t in seen.items() if k.endswith(mine["id"]))
    for client, tasks in opened:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.aclose()
    return {
        "streams": streams,
        "opening_s": round(opening, 1),
        "quiet_seconds": round(quiet, 1),
        "quiet_cores": round(cpu / quiet, 4),
        "quiet_queries_per_s": round(queries / quiet, 2),
        "change_reached": len(delays),
        "change_p50_s": round(delays[len(delays) // 2], 3) if delays else None,
        "change_max_s": round(delays[-1], 3) if delays else None,
    }


def run(engine: str, streams: int) -> dict[str, Any]:
    folder = common.scratch("bench-live-")
    with common.database(engine, folder) as url:
        asyncio.run(ingest._prepare(settings_module.load({"DATABASE_URL": url, "TESTING": "1"}), 0))
        log = folder / "server.log"
        server = LiveServer(url, log)
        # Two accounts stand for a thousand officers: each account's own limit raised.
        server.start(
            LOG_LEVEL="debug",
            LIVE_STREAM_SECONDS="600",
            LIVE_POLL_SECONDS="1",
            LIVE_STREAMS_PER_USER=str(streams),
        )
        try:
            figures = asyncio.run(_measure(server, log, streams))
        finally:
            server.stop()
    result = {
        "benchmark": "live queues",
        "engine": engine,
        "date": common.now(),
        "machine": common.machine(),
        "targets": {"quiet_cores": 0.05, "quiet_queries_per_s": 2, "change_max_s": 2.0},
        **figures,
    }
    print(result, flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args()
    if args.db == "both":
        common.each_engine(__file__, ["--streams", str(args.streams)])
    else:
        common.write(f"live-{args.db}", run(args.db, args.streams))
