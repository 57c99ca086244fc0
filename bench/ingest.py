"""Ingest: hotel clients posting batches of 50 over real HTTP to the real server.

A fresh database (the real migrations, the jurisdictions, the demo data and one more
establishment per client), the server started as `make run` starts it (uvicorn, one
process), and CLIENTS concurrent clients, each one establishment with its own API token,
posting batches of 50 valid declarations to ``POST /api/v1/declarations/batch`` until
TOTAL are stored. Every declaration is validated (the same checks as always: documents,
dates, the in-house duplicate check against the database, the watch list) and committed.

Measured: declarations per second (wall clock, first request to last answer), batch
latency p50/p99, the server's peak resident memory (``VmHWM``). Then the machine's limit
for the same rows: the stored rows are read back and written with the raw ``sqlite3``
module (or asyncpg ``executemany``) into an equivalent table, in transactions of 50 like
the server's, and the ratio is printed (the issue's yardstick); and once more with the
two other rows ingest writes per declaration (its first revision and its history entry)
written in the same transactions: the database's limit for the same work.

    .venv/bin/python bench/ingest.py [--db sqlite|postgres|both] [--total N] [--clients C]
        [--workers W] [--new-connections]

Each client signs in with httpx, then speaks plain HTTP/1.1 on asyncio's streams
(``common.exchange``): the clients share one process, and a client library's own work
would be counted in the batches' time. Each keeps its connection (keep-alive), as hotel
software does. With several
server processes the kernel may then hand every client to one of them: the CPU each
process used is reported (``server_cpu_cores_per_process``). ``--new-connections``
opens one per batch, which spreads them.

Writes bench/results/ingest-<db>.json. Target: 5,000 declarations/s, peak under 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from tortoise import connections

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, reports  # noqa: E402
from server import db, demo, jurisdictions, security  # noqa: E402
from server import settings as settings_module  # noqa: E402
from server.establishments import create_establishment  # noqa: E402
from server.models import EstablishmentKind, EstablishmentStatus, Role, User  # noqa: E402
from tests.builders import declaration  # noqa: E402
from tests.live import LiveServer  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105 — a throwaway database
BATCH = 50
TARGET_PER_SECOND = 5000
HISTORY = 200_000
TARGET_PEAK_MB = 250
NATIONS = ["SWE", "KOR", "USA", "FRA", "DEU", "JPN", "AUS", "GBR", "CHN", "THA"]
WARDS = [70, 73]  # Hoàn Kiếm, Cửa Nam


def _letters(n: int) -> str:
    out = ""
    for _ in range(5):
        n, digit = divmod(n, 26)
        out += chr(ord("A") + digit)
    return out


def _item(n: int) -> dict[str, Any]:
    """A valid declaration, varied by ``n`` (names take letters only)."""
    return declaration(
        full_name=f"GUEST {_letters(n)} BENCH",
        sex="FM"[n % 2],
        date_of_birth=f"{1950 + n % 50}-0{1 + n % 9}-1{n % 10}",
        nationality=NATIONS[n % len(NATIONS)],
        document_number=f"B{n:08d}",
        entry_document_number=f"V{n:07d}",
        room=str(100 + n % 400),
    )


async def _history(engine: str, rows: int) -> None:
    """``rows`` declarations of the past year (checked out or cancelled, over 34
    provinces; bench/reports.py's straight SQL), then the statistics that autovacuum
    would have gathered: what a database in service holds before the day's storm. On an
    empty table without statistics, PostgreSQL plans the in-house lookups as scans of
    every guest in house (4–7 ms a batch, growing with the table)."""
    if not rows:
        return
    conn = connections.get("default")
    places = await reports.make_places(34)
    await conn.execute_script(reports.insert_sql(engine, 0, rows, rows, places))
    await conn.execute_script(f"UPDATE change_counter SET value = {rows + 1} WHERE id = 1")  # noqa: S608
    await conn.execute_script("ANALYZE" if engine == "sqlite" else "VACUUM ANALYZE")


async def _prepare(settings: Any, clients: int, history: int = 0) -> list[str]:
    """Migrate, load the places and the demo (and ``history`` past declarations), add
    one establishment + owner per client."""
    await db.migrate(settings)
    await db.connect(settings)
    usernames = []
    try:
        await jurisdictions.load()
        await demo.load(PASSWORD)
        await _history(connections.get("default").capabilities.dialect, history)
        password_hash = security.hash_password(PASSWORD)
        for i in range(clients):
            est = await create_establishment(
                name=f"Bench hotel {i}",
                kind=EstablishmentKind.HOTEL,
                licence_number=f"BENCH{i:05d}",
                ward_code=WARDS[i % len(WARDS)],
                street=f"{i} Bench street",
                phone="024 0000 0000",
                status=EstablishmentStatus.ACTIVE,
            )
            username = f"bench.owner{i}"
            await User.create(
                username=username,
                full_name=f"Bench owner {i}",
                role=Role.OWNER,
                establishment_id=est.id,
                password_hash=password_hash,
            )
            usernames.append(username)
    finally:
        await db.close()
    return usernames


async def _client(
    base_url: str,
    username: str,
    bodies: list[bytes],
    latencies: list[float],
    start: asyncio.Barrier,
    keepalive: bool,
) -> int:
    stored = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        token = await http.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        token.raise_for_status()
    access = token.json()["access_token"]
    split = urlsplit(base_url)
    address = (split.hostname or "127.0.0.1", split.port or 80)
    requests = [common.batch_request(address, access, body, keepalive) for body in bodies]
    await start.wait()  # all signed in: the clock starts
    connection = None
    try:
        for request in requests:
            started = time.perf_counter()
            if connection is None:
                connection = await asyncio.open_connection(*address)
            status, _, answer = await common.exchange(*connection, request)
            latencies.append((time.perf_counter() - started) * 1000)
            if not keepalive:
                connection[1].close()
                connection = None
            if status != 200:
                raise RuntimeError(f"{status}: {answer[:300]!r}")
            results = json.loads(answer)["results"]
            bad = [r for r in results if r["result"] != "created"]
            if bad:
                raise RuntimeError(f"not created: {bad[:2]}")
            stored += len(results)
    finally:
        if connection is not None:
            connection[1].close()
    return stored


async def _storm(
    base_url: str, usernames: list[str], total: int, keepalive: bool
) -> dict[str, Any]:
    start = asyncio.Barrier(len(usernames) + 1)
    per_client = total // len(usernames) // BATCH
    work: list[list[bytes]] = []
    n = 0
    for _ in usernames:
        bodies = []
        for _b in range(per_client):
            items = [_item(n + k) for k in range(BATCH)]
            n += BATCH
            bodies.append(json.dumps({"declarations": items}).encode())
        work.append(bodies)
    latencies: list[float] = []
    tasks = [
        asyncio.create_task(_client(base_url, u, bodies, latencies, start, keepalive))
        for u, bodies in zip(usernames, work, strict=True)
    ]
    await start.wait()
    started = time.perf_counter()
    cpu = time.process_time()
    stored = sum(await asyncio.gather(*tasks))
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu
    return {
        "stored": stored,
        "seconds": seconds,
        "latencies": latencies,
        "client_cpu_share": client_cpu / seconds,
    }


# The declarations stored by ingest (the history has no revisions).
STORED = "SELECT declaration_id FROM declaration_revision ORDER BY id LIMIT ?"
# What ingest writes for each declaration: the row, its first revision, its history entry
# (the report totals and the change counter are per batch, and left out).
ROW_TABLES = {
    "declaration": "id",
    "declaration_revision": "declaration_id",
    "declaration_event": "declaration_id",
}


def _raw_sqlite(path: str, count: int, tables: list[str]) -> float:
    """The same rows, written with the raw sqlite3 module in transactions of 50, into
    tables with the same columns and indexes (foreign keys are off in raw sqlite3)."""
    source = sqlite3.connect(path)
    ids = [row[0] for row in source.execute(STORED, (count,))]
    target = sqlite3.connect(Path(path).with_name("raw.sqlite3"), isolation_level=None)
    target.execute("PRAGMA journal_mode = WAL")
    inserts, rows = [], []
    for table in tables:
        target.execute(f"DROP TABLE IF EXISTS {table}")
        schema = [
            sql
            for (sql,) in source.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                "ORDER BY type = 'table' DESC",  # the table before its indexes
                (table,),
            )
        ]
        for statement in schema:
            target.execute(statement)
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        by_id = {
            row[columns.index(ROW_TABLES[table])]: row
            for row in source.execute(f"SELECT * FROM {table}")  # noqa: S608
        }
        rows.append([by_id[i] for i in ids])
        names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
        inserts.append(f"INSERT INTO {table} ({names}) VALUES ({marks})")  # noqa: S608
    source.close()
    started = time.perf_counter()
    for i in range(0, len(ids), BATCH):
        target.execute("BEGIN")
        for insert, table_rows in zip(inserts, rows, strict=True):
            target.executemany(insert, table_rows[i : i + BATCH])
        target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    return len(ids) / seconds


async def _raw_postgres(url: str, count: int, tables: list[str]) -> float:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        ids = [r[0] for r in await conn.fetch(STORED.replace("?", "$1"), count)]
        inserts, rows = [], []
        for table in tables:
            await conn.execute(f"DROP TABLE IF EXISTS raw_{table}")
            await conn.execute(
                f"CREATE TABLE raw_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
            found = await conn.fetch(f"SELECT * FROM {table}")  # noqa: S608
            by_id = {r[ROW_TABLES[table]]: tuple(r) for r in found}
            columns = list(found[0].keys())
            names = ", ".join(columns)
            marks = ", ".join(f"${i + 1}" for i in range(len(columns)))
            inserts.append(f"INSERT INTO raw_{table} ({names}) VALUES ({marks})")  # noqa: S608
            rows.append([by_id[i] for i in ids])
        started = time.perf_counter()
        for i in range(0, len(ids), BATCH):
            async with conn.transaction():
                for insert, table_rows in zip(inserts, rows, strict=True):
                    await conn.executemany(insert, table_rows[i : i + BATCH])
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return len(ids) / seconds


def _raw(engine: str, url: str, count: int, tables: list[str]) -> float:
    if engine == "postgres":
        return asyncio.run(_raw_postgres(url, count, tables))
    return _raw_sqlite(url[len("sqlite://") :], count, tables)


def _pids(process: Any) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [process.pid, *map(int, children)]


def _peak_mb(process: Any) -> float:
    """The server's peak: the largest worker (or the only process)."""
    return max(common.peak_rss_mb(pid) for pid in _pids(process))


def _cpu_seconds(process: Any) -> dict[int, float]:
    """CPU seconds used so far by each process of the server (the supervisor and its
    workers)."""
    used = {}
    for pid in _pids(process):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def demo_server(name: str) -> tuple[Path, LiveServer]:
    """A fresh SQLite database in a temp folder, migrated, with the places and the demo
    accounts, and a server on it (started): what the browser benchmarks run against."""
    folder = common.scratch(f"bench-{name}-")
    url = f"sqlite://{folder / f'{name}.sqlite3'}"
    asyncio.run(_prepare(settings_module.load({"DATABASE_URL": url, "TESTING": "1"}), 0))
    server = LiveServer(url, folder / "server.log")
    server.start()
    return folder, server


def app_signed_in(page: Any, server: LiveServer) -> None:
    """The hotel app opened on ``page``, signed in as staff.hk, its shell cached by the
    service worker (so that it keeps working once the server stops)."""
    page.goto(f"{server.url}/app/")
    page.locator("#username").fill("staff.hk")
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.locator("#new-guest").wait_for()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def run(
    engine: str, total: int, clients: int, workers: int, history: int, keepalive: bool = True
) -> dict[str, Any]:
    folder = common.scratch("bench-ingest-")
    with common.database(engine, folder, durable=True) as url:
        settings = settings_module.load(
            {"DATABASE_URL": url, "TESTING": "1", "LOG_LEVEL": "warning"}
        )
        usernames = asyncio.run(_prepare(settings, clients, history))
        server = LiveServer(url, folder / "server.log")
        server.start(WORKERS=str(workers))
        try:
            assert server.process is not None
            baseline_mb = _peak_mb(server.process)
            cpu = _cpu_seconds(server.process)
            storm = asyncio.run(_storm(server.url, usernames, total, keepalive))
            after = _cpu_seconds(server.process)
            # Per process: with keep-alive, the kernel may hand every client's connection
            # to one worker (seen: all 600 batches in one of two SQLite workers).
            per_process = sorted(
                (round((t - cpu.get(pid, 0)) / storm["seconds"], 2) for pid, t in after.items()),
                reverse=True,
            )
            server_cpu = sum(per_process)
            peak_mb = _peak_mb(server.process)
        finally:
            server.stop()
        rate = storm["stored"] / storm["seconds"]
        raw = _raw(engine, url, storm["stored"], ["declaration"])
        raw_all = _raw(engine, url, storm["stored"], list(ROW_TABLES))
    result = {
        "benchmark": "ingest",
        "engine": engine,
        "date": common.now(),
        "machine": common.machine(),
        "clients": clients,
        "declarations_before": history,
        "server_processes": workers,
        "batch": BATCH,
        "declarations": storm["stored"],
        "seconds": round(storm["seconds"], 2),
        "declarations_per_second": round(rate),
        "batch_latency": common.latency(storm["latencies"]),
        "server_peak_rss_mb": peak_mb,
        "client_cpu_cores": round(storm["client_cpu_share"], 2),
        "server_cpu_cores": round(server_cpu, 2),
        "server_cpu_cores_per_process": per_process,
        "keepalive": keepalive,
        "server_rss_after_start_mb": baseline_mb,
        "raw_executemany_per_second": round(raw),
        "ratio_to_raw": round(rate / raw, 3),
        "raw_all_rows_per_second": round(raw_all),
        "ratio_to_raw_all_rows": round(rate / raw_all, 3),
        "target_per_second": TARGET_PER_SECOND,
        "target_peak_mb": TARGET_PEAK_MB,
        "durability": "SQLite WAL, synchronous as the server sets it"
        if engine == "sqlite"
        else "PostgreSQL with fsync and synchronous_commit on",
    }
    print(
        f"{engine}: {result['declarations']:,} declarations in {result['seconds']} s = "
        f"{result['declarations_per_second']:,}/s (batch p50 "
        f"{result['batch_latency']['p50_ms']} ms, p99 {result['batch_latency']['p99_ms']} ms), "
        f"server peak {peak_mb} MB, {result['server_cpu_cores']} cores {per_process}"
        f"{'' if keepalive else ' (a new connection per batch)'}; "
        f"raw executemany {result['raw_executemany_per_second']:,}/s, "
        f"ratio {result['ratio_to_raw']}; with the revision and history rows too "
        f"{result['raw_all_rows_per_second']:,}/s, ratio {result['ratio_to_raw_all_rows']}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--total", type=int, default=30_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--history",
        type=int,
        default=HISTORY,
        help="past declarations in the database before the storm (0: an empty table)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="server processes (WORKERS); default 1 on SQLite, 2 on PostgreSQL",
    )
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="each batch on a new connection (no keep-alive), so that the kernel spreads "
        "the clients over the server's processes; with keep-alive it may give all of "
        "them to one",
    )
    args = parser.parse_args()
    if args.db == "both":
        argv = ["--total", str(args.total), "--clients", str(args.clients)]
        argv += ["--history", str(args.history)]
        argv += ["--new-connections"] if args.new_connections else []
        common.each_engine(__file__, [*argv, "--workers", str(args.workers)])
        return
    workers = args.workers or (1 if args.db == "sqlite" else 2)
    result = run(args.db, args.total, args.clients, workers, args.history, not args.new_connections)
    common.write(f"ingest-{args.db}", result)


if __name__ == "__main__":
    main()
