"""Every filter of the review queue is served by an index, on both engines (issue 18,
part 6): the database's own EXPLAIN of the exact query the page runs — its first page in
the queue's order, its next page after a cursor, and the capped count of each tab — for a
ward officer and a province's PA08. A full scan of the declaration table fails the test.

On PostgreSQL sequential scans are switched off while explaining: the test tables are
tiny, where a scan is the cheap plan; what this checks is that an index *can* serve the
query (bench/police_queue.py measures the speed at a million rows). Nor does it judge
which index: on a tiny table without statistics, SQLite walks the jurisdiction's index in
the queue's order even where a narrower one exists (one establishment, one document)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import connections
from tortoise.queryset import QuerySet

from server import db, scope
from server.models import Declaration, User
from server.police import queue
from server.police.deadlines import COUNT_CAP
from server.police.deadlines import for_user as deadlines_for
from tests.builders import declaration, send_batch

CASES: dict[str, dict[str, Any]] = {
    "waiting (first page)": {},
    "all states": {"state": "all"},
    "flag late": {"state": "all", "flag": "late"},
    "flag late, waiting": {"flag": "late"},
    "any flag": {"flag": "any"},
    "no flag": {"state": "all", "flag": "none"},
    "one establishment": {"state": "all", "establishment": 1},
    "nationality": {"state": "all", "nationality": "KOR"},
    "arrival dates": {
        "state": "all",
        "arrived_from": date(2026, 11, 1),
        "arrived_to": date(2026, 11, 30),
    },
    "document, exact": {"state": "all", "document": "B12345678"},
    "name prefix": {"state": "all", "name": "kowalski e"},
    "name prefix, waiting": {"name": "mu"},
    "overdue": {"overdue": True},
    "name prefix and flag": {"state": "all", "name": "mu", "flag": "late"},
}


async def _plan(query: Any, *, only_indexes: bool = False, in_order: bool = False) -> str:
    """The database's plan for an ORM query, with its parameters (``only_indexes``: on
    PostgreSQL, with bitmap scans off too; ``in_order``: and sorts)."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(dict(r)["detail"]) for r in rows)
    async with conn._in_transaction() as tx:  # SET LOCAL lasts until this ends
        await tx.execute_query("SET LOCAL enable_seqscan = off")
        if only_indexes or in_order:
            await tx.execute_query("SET LOCAL enable_bitmapscan = off")
        if in_order:
            await tx.execute_query("SET LOCAL enable_sort = off")
        _, rows = await tx.execute_query(f"EXPLAIN {sql}", params)
    return "\n".join(str(next(iter(dict(r).values()))) for r in rows)


def _scans_the_table(plan: str) -> bool:
    for line in plan.splitlines():
        text = line.strip()
        if text.startswith("SCAN declaration") and "INDEX" not in text:  # SQLite
            return True
        if "Seq Scan on declaration" in text:  # PostgreSQL
            return True
    return False


@pytest.mark.parametrize("username", ["police.hk", "pa08.hn"])
async def test_every_queue_filter_uses_an_index(app: Starlette, username: str) -> None:
    user = await User.get(username=username).prefetch_related("police_unit")
    deadlines = await deadlines_for(user)
    base: QuerySet[Declaration] = scope.declarations(user)
    found = {}
    for name, values in CASES.items():
        f = queue.Filters(**values)
        page = queue.filtered(base, f, deadlines).order_by("queue_rank", "arrived_at", "id")
        queries = {
            "page": page.limit(queue.PAGE_SIZE + 1).only(*queue.ROW_FIELDS),
            "next page": page.filter(
                queue._after("1~2026-11-20T10:00:00+00:00~00000000-0000-4000-8000-000000000001")
            )
            .limit(queue.PAGE_SIZE + 1)
            .only(*queue.ROW_FIELDS),
            "tab count": db.counted_rows(
                queue.filtered(base, f, deadlines, with_state=False).filter(review_state="new"),
                COUNT_CAP,
            ),
        }
        for part, query in queries.items():
            plan = await _plan(query)
            found[f"{name} / {part}"] = plan
            assert not _scans_the_table(plan), f"{username}: {name} / {part}\n{plan}"
    assert len(found) == len(CASES) * 3


async def _index_columns(name: str) -> list[str]:
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"PRAGMA index_info('{name}')")
        return [str(dict(r)["name"]) for r in rows]
    _, rows = await conn.execute_query(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE c.relname = $1",
        [name],
    )
    return [str(dict(r)["attname"]) for r in rows]


@pytest.mark.parametrize("values", [{"state": "all"}, {}, {"state": "all", "flag": "late"}])
async def test_a_common_name_is_tested_from_the_queue_index(
    app: Starlette, values: dict[str, Any]
) -> None:
    """A common name prefix is tested on each row walked in the queue's order
    (``queue.rows_page``, which reads the page's keys so): the index walked holds the
    name (migration 0010), so the walk reads no row (SQLite, a million rows: "kowalski
    e" 8 → 2 ms)."""
    user = await User.get(username="police.hk").prefetch_related("police_unit")
    deadlines = await deadlines_for(user)
    f = queue.Filters(name="mu", **values)
    page = (
        queue.filtered(scope.declarations(user), f, deadlines, common=True)
        .order_by(*queue.QUEUE_ORDER)
        .limit(queue.PAGE_SIZE + 1)
        .values_list("id", flat=True)
    )
    plan = await _plan(page, in_order=True)
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    used = re.search(r"USING (?:COVERING )?INDEX (\w+)|Index (?:Only )?Scan using (\w+)", plan)
    assert used is not None, plan
    assert "name_search" in await _index_columns(used.group(1) or used.group(2)), plan


# The tabs whose count an index answers alone: every one filter but the document (its
# own index, a few rows). "No flag" and the one establishment are too, but here they
# hold every row, which PostgreSQL may as well read from a narrower index and the
# table: that stops at the cap as soon.
COUNTED_FROM_AN_INDEX = [
    "waiting (first page)", "all states", "flag late", "flag late, waiting", "any flag",
    "nationality", "arrival dates", "name prefix", "name prefix, waiting", "overdue",
    "name prefix and flag",
]  # fmt: skip


@pytest.mark.parametrize("username", ["police.hk", "pa08.hn"])
async def test_tab_counts_read_no_row(
    app: Starlette, client: httpx.AsyncClient, hotel: str, username: str
) -> None:
    """Each tab's capped count is answered by an index alone (SQLite: "COVERING INDEX";
    PostgreSQL: "Index Only Scan"), without a visit to each row it counts: at a million
    rows a flag tab's count went from 11.4 to 0.5 ms on PostgreSQL (migration 0009).
    On PostgreSQL the table is first given some size, statistics and a visibility map
    (``_in_service``): on a table of a few rows, where every plan costs the same, the
    planner's choice says nothing."""
    names = ["KOWALSKI EWA", "MULLER ANNA", "MURPHY KATE", "SMITH JOHN", "NGUYEN VAN A"]
    answers = await send_batch(client, hotel, [declaration(full_name=n) for n in names])
    assert all(a["result"] == "created" for a in answers.json()["results"])
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await _in_service(conn)
    user = await User.get(username=username).prefetch_related("police_unit")
    deadlines = await deadlines_for(user)
    base: QuerySet[Declaration] = scope.declarations(user)
    for name in COUNTED_FROM_AN_INDEX:
        f = queue.Filters(**CASES[name])
        tabs = queue.filtered(base, f, deadlines, with_state=False)
        for state in queue.STATES:
            plan = await _plan(
                db.counted_rows(tabs.filter(review_state=state), COUNT_CAP), only_indexes=True
            )
            assert "COVERING INDEX" in plan or "Index Only Scan" in plan, (
                f"{username}: {name} / {state}\n{plan}"
            )


async def _in_service(conn: Any) -> None:
    """PostgreSQL: 600 copies of each declaration, in every review state, received over
    four days (so that some are overdue), arrived one a day, one in 16 flagged
    late, then a VACUUM
    ANALYZE as autovacuum would do: the planner sees a table of some size, with the
    statistics and the visibility map that index-only scans are planned from."""
    await conn.execute_script(
        f"""
        INSERT INTO declaration SELECT (jsonb_populate_record(NULL::declaration,
            to_jsonb(d) || jsonb_build_object(
                'id', gen_random_uuid(),
                'receipt_number', 'T' || left(md5(d.id::text || n::text), 15),
                'received_at', d.received_at - make_interval(hours => n % 96),
                'arrived_at', d.arrived_at - make_interval(days => n),
                'flags', CASE WHEN n % 16 = 0 THEN ' late ' ELSE d.flags END,
                'queue_rank', CASE WHEN n % 16 = 0 THEN 0 ELSE d.queue_rank END,
                'review_state', (ARRAY{queue.STATES!r})[1 + n % {len(queue.STATES)}]))).*
        FROM declaration d, generate_series(1, 600) n
        """
    )
    await conn.execute_script("VACUUM ANALYZE declaration")
