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

from datetime import date
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise import connections
from tortoise.queryset import QuerySet

from server import scope
from server.models import Declaration, User
from server.police import queue
from server.police.deadlines import COUNT_CAP
from server.police.deadlines import for_user as deadlines_for

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
}


async def _plan(query: Any) -> str:
    """The database's plan for an ORM query, with its parameters."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(dict(r)["detail"]) for r in rows)
    async with conn._in_transaction() as tx:  # SET LOCAL lasts until this ends
        await tx.execute_query("SET LOCAL enable_seqscan = off")
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
            "tab count": queue.filtered(base, f, deadlines, with_state=False)
            .filter(review_state="new")
            .limit(COUNT_CAP)
            .values_list("id", flat=True),
        }
        for part, query in queries.items():
            plan = await _plan(query)
            found[f"{name} / {part}"] = plan
            assert not _scans_the_table(plan), f"{username}: {name} / {part}\n{plan}"
    assert len(found) == len(CASES) * 3
