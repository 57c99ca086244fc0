"""Reports at 10,000,000 declarations, on SQLite and on PostgreSQL.

Seeds a database (the real migrations and demo data, then ``--establishments`` more
establishments spread over the wards of 34 provinces) with a year of declarations
written by the database itself (one INSERT … SELECT over a number series per million:
straight SQL for speed), builds the reports' running totals from them with the real
``rollups.rebuild`` (timed), then measures, in a fresh server process, the report page
and its CSV and spreadsheet exports through the real application (session, scope,
queries, rendering): a ward-month, a province-year and the nation-year.

    .venv/bin/python bench/reports.py [--rows N] [--db sqlite|postgres|both] [--repeat R]

Writes bench/results/reports-<db>.json. Targets: province-year ≤ 1 s, nation-year ≤ 2 s,
ward-month ≤ 100 ms (p95 of each request), the measuring process ≤ 200 MB resident.

To keep the seed to minutes, the declaration table is filled with its secondary indexes
dropped and only the one the rebuild reads recreated; the reports never read the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tortoise import connections  # noqa: E402

from bench import common  # noqa: E402
from server import db, demo, jurisdictions, security  # noqa: E402
from server import settings as settings_module  # noqa: E402
from server.models import Establishment, PoliceUnit, Province, Role, User  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105 — a throwaway database
TARGETS_MS = {"ward-month": 100, "province-year": 1000, "nation-year": 2000}
TARGET_MB = 200
PROVINCES = 34
YEAR_START = datetime(2025, 12, 1, tzinfo=UTC)
SECONDS = 365 * 86400
CHUNK = 1_000_000
NATIONS = ["KOR", "CHN", "USA", "JPN", "TWN", "AUS", "FRA", "DEU", "GBR", "RUS", "THA",
           "MYS", "SGP", "IND", "CAN", "ITA"]  # fmt: skip
SERIES = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n "
    "WHERE i + 1 < {hi}) SELECT i FROM n",
    "postgres": "SELECT i FROM generate_series({lo}::bigint, {hi} - 1) AS i",
}
# One declaration per number ``i``: its place, times, nationality and states follow from
# ``i`` (5 % late, 90 % decided, 2 % returned, 3 % cancelled), spread evenly over the year.
DIALECT = {
    "sqlite": {
        "id": "'00000000-0000-4000-8000-' || printf('%012x', i)",
        "moment": "strftime('%Y-%m-%d %H:%M:%S+00:00', {epoch} + {seconds}, 'unixepoch')",
        "day": "date({epoch} + {seconds}, 'unixepoch')",
        "text": "CAST({value} AS TEXT)",
    },
    "postgres": {
        "id": "('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid",
        "moment": "to_timestamp({epoch} + {seconds})",
        "day": "to_timestamp({epoch} + {seconds})::date",
        "text": "CAST({value} AS TEXT)",
    },
}


def insert_sql(engine: str, lo: int, hi: int, rows: int, places: int) -> str:
    d = DIALECT[engine]
    epoch = int(YEAR_START.timestamp())
    received = f"(i * {SECONDS} / {rows})"
    arrived = f"({received} - CASE WHEN i % 20 = 0 THEN 108000 ELSE 300 + (i * 37) % 36000 END)"
    reviewed = f"({received} + 600 + (i * 13) % 172800)"

    def moment(seconds: str) -> str:
        return d["moment"].format(epoch=epoch, seconds=seconds)

    columns = {
        "id": d["id"],
        "establishment_id": "p.establishment_id",
        "police_unit_id": "p.police_unit_id",
        "province_id": "p.province_id",
        "receipt_number": "'R' || " + d["text"].format(value="i"),
        "content_hash": "'" + "0" * 64 + "'",
        "full_name": "'BENCH GUEST'",
        "name_search": "'bench guest'",
        "sex": "'F'",
        "date_of_birth": "'1980-01-01'" if engine == "sqlite" else "DATE '1980-01-01'",
        "nationality": "c.code",
        "document_type": "'passport'",
        "document_number": "'B' || " + d["text"].format(value="i"),
        "document_expiry": "'2030-01-01'" if engine == "sqlite" else "DATE '2030-01-01'",
        "entry_kind": "'visa'",
        "visa_category": "'DL'",
        "stay_permitted_until": d["day"].format(epoch=epoch, seconds=f"{received} + 2592000"),
        "entry_date": d["day"].format(epoch=epoch, seconds=f"{arrived} - 86400"),
        "entry_port": "'HAN'",
        "purpose": "'tourism'",
        "arrived_at": moment(arrived),
        "expected_departure": d["day"].format(epoch=epoch, seconds=f"{received} + 259200"),
        "room": "'101'",
        "party_leader": "false",
        "declared_at": moment(received),
        "received_at": moment(received),
        "clock_skew_seconds": "0",
        "warnings": "'[]'",
        "stay_status": "CASE WHEN i % 33 = 0 THEN 'cancelled' ELSE 'checked_out' END",
        "review_state": "CASE WHEN i % 10 = 0 THEN 'new' WHEN i % 50 = 1 THEN 'returned' "
        "ELSE 'confirmed' END",
        "reviewed_at": f"CASE WHEN i % 10 = 0 THEN NULL ELSE {moment(reviewed)} END",
        "flags": "CASE WHEN i % 20 = 0 THEN ' late ' ELSE ' ' END",
        "queue_rank": "CASE WHEN i % 20 = 0 THEN 0 ELSE 1 END",
        "revision": "1",
        "version": "1",
        "change_seq": "i + 1",
        "updated_at": moment(received),
    }
    series = SERIES[engine].format(lo=lo, hi=hi)
    return (
        f"INSERT INTO declaration ({', '.join(columns)}) "  # noqa: S608 — our own numbers
        # CROSS JOIN: SQLite keeps the series as the outer loop (and looks the rest up).
        f"SELECT {', '.join(columns.values())} FROM ({series}) AS s "
        f"CROSS JOIN bench_place p CROSS JOIN bench_nation c "
        f"WHERE p.k = (i * 7919) % {places} AND c.k = (i * i + i / 7) % {len(NATIONS)}"
    )


async def make_places(count: int) -> int:
    """``count`` establishments over the wards of 34 provinces, the demo's among them,
    written to ``bench_place`` (k, establishment, unit, province) with the nations."""
    conn = connections.get("default")
    await conn.execute_script(
        "CREATE TABLE bench_place (k INTEGER PRIMARY KEY, establishment_id INTEGER, "
        "police_unit_id INTEGER, province_id INTEGER);"
        "CREATE TABLE bench_nation (k INTEGER PRIMARY KEY, code VARCHAR(3));"
    )
    places = [(e.id, e.police_unit_id, e.province_id) for e in await Establishment.all()]
    provinces = await Province.all().order_by("code").limit(PROVINCES)
    per_province = max(1, (count - len(places)) // len(provinces))
    for province in provinces:
        units = (
            await PoliceUnit.filter(kind="ward", province_id=province.code)
            .order_by("id")
            .limit(per_province)
        )
        for n in range(per_province):
            unit = units[n % len(units)]
            est = await Establishment.create(
                name=f"Bench {province.code}-{n}", kind="hotel", licence_number="0",
                province_id=province.code, ward_id=unit.ward_id, street="1", phone="0",
                police_unit_id=unit.id, status="active",
            )  # fmt: skip
            places.append((est.id, unit.id, province.code))
    sqlite = conn.capabilities.dialect == "sqlite"
    marks = "?, ?, ?, ?" if sqlite else "$1, $2, $3, $4"
    await conn.execute_many(
        f"INSERT INTO bench_place VALUES ({marks})",  # noqa: S608
        [[k, *p] for k, p in enumerate(places)],
    )
    await conn.execute_many(
        f"INSERT INTO bench_nation VALUES ({'?, ?' if sqlite else '$1, $2'})",  # noqa: S608
        [[k, code] for k, code in enumerate(NATIONS)],
    )
    ministry = await PoliceUnit.get(kind="ministry")
    await User.create(
        username="ministry", full_name="Bench", role=Role.POLICE_SUPERVISOR,
        police_unit_id=ministry.id, password_hash=security.hash_password(PASSWORD),
    )  # fmt: skip
    return len(places)


async def _indexes(engine: str) -> list[str]:
    """Drop the declaration table's secondary indexes; the statements that made them."""
    conn = connections.get("default")
    if engine == "sqlite":
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'declaration' AND sql IS NOT NULL"  # noqa: E501
    else:
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'declaration' AND indexdef NOT LIKE '%UNIQUE%'"  # noqa: E501
    _, rows = await conn.execute_query(sql)
    found = [(str(r[0]), str(r[1])) for r in rows]
    for name, _made in found:
        await conn.execute_script(f'DROP INDEX "{name}"')
    return [made for _name, made in found]


async def _seed(settings: Any, engine: str, rows: int, establishments: int) -> dict[str, Any]:
    from server.reports import rollups

    await db.migrate(settings)
    await db.connect(settings)
    try:
        await jurisdictions.load()
        await demo.load(PASSWORD)
        places = await make_places(establishments)
        made = await _indexes(engine)
        conn = connections.get("default")
        started = time.perf_counter()
        for lo in range(0, rows, CHUNK):
            await conn.execute_script(insert_sql(engine, lo, min(rows, lo + CHUNK), rows, places))
            print(f"  {min(rows, lo + CHUNK):,} declarations", flush=True)
        for statement in made:  # only the one the rebuild reads
            if re.search(r"\(\s*\"?province_id\"?\s*,\s*\"?received_at\"?\s*\)", statement):
                await conn.execute_script(statement)
        await conn.execute_script("ANALYZE" if engine == "sqlite" else "VACUUM ANALYZE")
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        counted = await rollups.rebuild_all()
        rebuilt = time.perf_counter() - started
        await conn.execute_script("ANALYZE" if engine == "sqlite" else "VACUUM ANALYZE")
        _, found = await conn.execute_query("SELECT COUNT(*) FROM report_totals")
        totals = int(next(iter(found[0])))
    finally:
        await db.close()
    assert counted == rows, (counted, rows)
    return {
        "establishments": places,
        "seed_seconds": round(seeded, 1),
        "rebuild_seconds": round(rebuilt, 1),
        "report_totals_rows": totals,
    }


CASES = {
    # Not aligned to months: days at both ends, whole months between.
    "ward-month": ("police.hk", "from=2026-10-15&to=2026-11-14"),
    "province-year": ("pa08.hn", "from=2025-12-10&to=2026-12-09"),
    "nation-year": ("ministry", "from=2025-12-10&to=2026-12-09"),
}
FORMATS = {"page": "/reports?", "csv": "/reports/export.csv?", "xlsx": "/reports/export.xlsx?"}


async def _signed_in(app: Any, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    await client.post(
        "/login",
        data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
    )
    return client


async def _measure(url: str, repeat: int) -> dict[str, Any]:
    """In a process of its own: each case × format ``repeat`` times; the peak memory."""
    from server.app import create_app

    settings = settings_module.load({"DATABASE_URL": url, "TESTING": "1", "LOG_LEVEL": "warning"})
    app = create_app(settings)
    results: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        for case, (username, query) in CASES.items():
            client = await _signed_in(app, username)
            for name, path in FORMATS.items():
                samples = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    answer = await client.get(path + query)
                    samples.append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 200, (case, name, answer.status_code)
                if name == "page":
                    total = re.search(r'<strong id="total">([^<]+)</strong>', answer.text)
                    results[f"{case} total"] = total.group(1) if total else "?"
                figures = common.latency(samples)
                results[f"{case} {name}"] = {k: figures[k] for k in ("p50_ms", "p95_ms", "max_ms")}
            await client.aclose()
    results["peak_rss_mb"] = round(common.peak_rss_mb(os.getpid()), 1)
    return results


def run(engine: str, rows: int, establishments: int, repeat: int) -> dict[str, Any]:
    folder = common.scratch("bench-reports-")
    with common.database(engine, folder) as url:
        settings = settings_module.load(
            {"DATABASE_URL": url, "TESTING": "1", "LOG_LEVEL": "warning"}
        )
        seeded = asyncio.run(_seed(settings, engine, rows, establishments))
        print(f"{engine}: {json.dumps(seeded)}", flush=True)
        measured = subprocess.run(  # noqa: S603 — our own script
            [sys.executable, __file__, "--measure", url, "--repeat", str(repeat)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        results = json.loads(measured.stdout.strip().splitlines()[-1])
    return {
        "benchmark": "reports",
        "engine": engine,
        "declarations": rows,
        "provinces": PROVINCES,
        **seeded,
        "repeat": repeat,
        "targets_ms": TARGETS_MS,
        "target_mb": TARGET_MB,
        "date": common.now(),
        "machine": common.machine(),
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--establishments", type=int, default=3_400)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(_measure(args.measure, args.repeat))))
        return
    if args.db == "both":
        common.each_engine(
            __file__,
            ["--rows", str(args.rows), "--establishments", str(args.establishments),
             "--repeat", str(args.repeat)],
        )  # fmt: skip
        return
    report = run(args.db, args.rows, args.establishments, args.repeat)
    common.write(f"reports-{args.db}", report)
    results = report["results"]
    print(f"\n{args.db}, {args.rows:,} declarations (p50 / p95 ms):")
    for case, target in TARGETS_MS.items():
        for name in FORMATS:
            r = results[f"{case} {name}"]
            mark = "ok" if r["p95_ms"] <= target else "SLOW"
            print(f"  {case:<14} {name:<5} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}  {mark}")
    print(f"  peak memory {results['peak_rss_mb']} MB (target {TARGET_MB})")


if __name__ == "__main__":
    main()
