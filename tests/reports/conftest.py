"""A known set of declarations for the report tests, with fixed times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from server.models import Declaration, Feedback, ReviewState
from server.reports import rollups
from tests.builders import api_token, declaration, send_batch

# Reports and queue listings read the PostgreSQL lane's replica (tests/replica.py).
from tests.replica import app, settings  # noqa: F401

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = date(2026, 11, 1), date(2026, 11, 3)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=VIETNAM)


# (nationality, received, hours from arrival to receipt, hours to decision, state, late)
Row = tuple[str, datetime, int, int | None, ReviewState, bool]
HOAN_KIEM: list[Row] = [
    ("KOR", at(1, 10), 2, 4, ReviewState.CONFIRMED, False),
    ("KOR", at(1, 12), 1, 10, ReviewState.CONFIRMED, False),
    ("USA", at(2, 9), 24, None, ReviewState.NEW, True),
    ("FRA", at(3, 23), 3, 2, ReviewState.RETURNED, False),
]
# In another ward: never in Hoàn Kiếm's figures.
CUA_NAM: list[Row] = [("KOR", at(2, 8), 1, None, ReviewState.NEW, False)]
# Outside the range (the day before; 00:30 local on 4 Nov is after it).
OUTSIDE: list[Row] = [
    ("JPN", at(1, 0) - timedelta(minutes=1), 1, None, ReviewState.NEW, False),
    ("JPN", at(4, 0) + timedelta(minutes=30), 1, None, ReviewState.NEW, False),
]


async def _declare(client: httpx.AsyncClient, username: str, rows: list[Row]) -> list[str]:
    token = await api_token(client, username)
    items = [declaration(nationality=row[0]) for row in rows]
    answer = await send_batch(client, token, items)
    assert all(r["result"] == "created" for r in answer.json()["results"])
    ids = [item["id"] for item in items]
    for item_id, (_, received, to_declare, to_decide, state, late) in zip(ids, rows, strict=True):
        await Declaration.filter(id=item_id).update(
            received_at=received,
            arrived_at=received - timedelta(hours=to_declare),
            reviewed_at=None if to_decide is None else received + timedelta(hours=to_decide),
            review_state=state,
            flags=" late " if late else " ",
        )
    await rollups.rebuild_all()  # the times above were set behind the totals' back
    return ids


@pytest.fixture
async def known(client: httpx.AsyncClient) -> list[str]:
    """Hoàn Kiếm's four declarations of 1–3 November 2026 (and others that must not
    count), with two ratings of its decisions: 5 and 3."""
    ids = await _declare(client, "staff.hk", HOAN_KIEM + OUTSIDE)
    await _declare(client, "owner.cn", CUA_NAM)
    first = await Declaration.get(id=ids[0])
    for n, rating in enumerate((5, 3)):
        feedback = await Feedback.create(
            declaration_id=first.id, decision_event_id=1000 + n, rating=rating,
            establishment_id=first.establishment_id, police_unit_id=first.police_unit_id,
            province_id=first.province_id, decision="confirmed", comment=f"comment {rating}",
        )  # fmt: skip
        await Feedback.filter(id=feedback.id).update(created_at=at(2, 10))
    return ids[: len(HOAN_KIEM)]
