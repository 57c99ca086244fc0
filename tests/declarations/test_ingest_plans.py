"""Ingest's lookups keep their index whatever the table statistics say (issue 18, part 3).

Each lookup runs inside or just before every batch's transaction, where a scan of many
rows stalls every writer. The statistics here are the hostile kind a database in service
can have: gathered (ANALYZE) while every stored guest had checked out and none named a
guardian. Then PostgreSQL took "in house" for a rare value and served the in-house and
minors lookups from the stay index (every guest in house, growing with the day's
storm: 4–7 ms a batch in bench/ingest.py), and SQLite, which counts a column's NULLs as
one value, scanned the whole table for ``guardian_id IN (…)``.

Checked with each database's own EXPLAIN of the exact statements ingest runs. On
PostgreSQL sequential scans are off while explaining (the test table is small, where a
scan is the cheap plan): what matters is which index."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from tortoise import connections

from server import db
from server.declarations import screening
from server.models import Declaration, Establishment, StayStatus
from tests.builders import api_token, declared

HISTORY = 1200


async def _history(client: httpx.AsyncClient) -> Establishment:
    """``HISTORY`` checked-out stays (copies of a declaration), then ANALYZE."""
    await declared(client, await api_token(client, "staff.hk"))
    model = await Declaration.filter(stay_status=StayStatus.IN_HOUSE).first()
    assert model is not None
    columns = {f: getattr(model, f) for f in Declaration._meta.fields_db_projection}
    copies = []
    for n in range(HISTORY):
        columns.update(
            id=uuid.uuid4(), receipt_number=f"H{n:09d}", document_number=f"H{n:08d}",
            change_seq=10_000_000 + n, stay_status=StayStatus.CHECKED_OUT, guardian_id=None,
            party_id=None,
        )  # fmt: skip
        copies.append(Declaration(**columns))
    await Declaration.bulk_create(copies, batch_size=500)
    await connections.get("default").execute_script("ANALYZE")
    return await Establishment.get(id=model.establishment_id)


async def _index(table: str, columns: tuple[str, ...]) -> str:
    """The name of ``table``'s index on exactly ``columns``."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        names = await conn.execute_query_dict(f"PRAGMA index_list({table})")
        for row in names:
            info = await conn.execute_query_dict(f"PRAGMA index_info({row['name']})")
            if tuple(r["name"] for r in sorted(info, key=lambda r: r["seqno"])) == columns:
                return str(row["name"])
    else:
        rows = await conn.execute_query_dict(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", [table]
        )
        for row in rows:
            if row["indexdef"].endswith(f"({', '.join(columns)})"):
                return str(row["indexname"])
    raise AssertionError(f"no index on {table}{columns}")


async def _plan(sql: str, values: list[Any]) -> str:
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        rows = await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {sql}", values)
        return "\n".join(str(r["detail"]) for r in rows)
    async with conn._in_transaction() as tx:  # SET LOCAL lasts until this ends
        await tx.execute_query("SET LOCAL enable_seqscan = off")
        rows = await tx.execute_query_dict(f"EXPLAIN {sql}", values)
    return "\n".join(str(next(iter(r.values()))) for r in rows)


def _uses_only(plan: str, *indexes: str) -> None:
    """Every access to the table in ``plan`` goes through one of ``indexes``, and each
    of them serves one."""
    accesses = [  # (a bitmap heap scan reads what its bitmap index scan found)
        line.strip()
        for line in plan.splitlines()
        if "SCAN declaration" in line
        or "SEARCH declaration" in line  # SQLite
        or ("Scan" in line and "Bitmap Heap Scan" not in line)  # PostgreSQL
    ]
    assert accesses, plan
    for line in accesses:
        assert any(index in line for index in indexes), plan
    for index in indexes:
        assert any(index in line for line in accesses), plan


async def test_the_minors_lookup_uses_the_guardian_and_party_indexes(
    client: httpx.AsyncClient,
) -> None:
    establishment = await _history(client)
    conn = connections.get("default")
    batch = [uuid.uuid4() for _ in range(50)]
    wheres, values = screening.related_query(
        conn, establishment.id, batch, set(), set(), unsaved=True
    )
    plan = await _plan(db.ids_sql("declaration", wheres), values)
    _uses_only(plan, await _index("declaration", ("guardian_id",)))

    party = {uuid.uuid4()}
    wheres, values = screening.related_query(
        conn, establishment.id, batch, party, set(), unsaved=True
    )
    plan = await _plan(db.ids_sql("declaration", wheres), values)
    _uses_only(
        plan,
        await _index("declaration", ("guardian_id",)),
        await _index("declaration", ("establishment_id", "party_id")),
    )


async def test_the_in_house_and_resend_lookups_use_their_indexes(client: httpx.AsyncClient) -> None:
    await _history(client)
    conn = connections.get("default")
    numbers = [f"N{n:08d}" for n in range(50)]
    where = f"document_number IN ({db.marks(conn, 50)})"
    plan = await _plan(db.ids_sql("declaration", [where]), numbers)
    _uses_only(plan, await _index("declaration", ("document_number", "stay_status")))

    ids = db.params(Declaration, "id", [uuid.uuid4() for _ in range(50)])
    plan = await _plan(db.ids_sql("declaration", [f"id IN ({db.marks(conn, 50)})"]), ids)
    sqlite = conn.capabilities.dialect == "sqlite"
    primary = "sqlite_autoindex_declaration_1" if sqlite else "declaration_pkey"
    _uses_only(plan, primary)
