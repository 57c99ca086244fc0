"""The reports' running totals (reports/rollups.py): kept in step by every change, equal to
a rebuild from the declarations, and to the figures counted row by row."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from server import purge
from server.declarations import feed
from server.declarations.context import VIETNAM
from server.models import Declaration, ReportTotals
from server.reports import figures, rollups
from tests.builders import api_token, bearer, declaration, send_batch
from tests.police import steps

from .oracle import COLUMNS, compute

NATIONS = ["KOR", "USA", "FRA", "JPN", "DEU", "AUS"]
USERS = {"staff.hk": "police.hk", "owner.cn": "police.cn"}


async def totals() -> dict[tuple[Any, ...], Any]:
    """Every row that counts something, keyed by its place and period."""
    rows = await ReportTotals.all().values_list("level", "place", "period", "day", "counts")
    return {(lv, pl, pe, str(d)): c for lv, pl, pe, d, c in rows if c}


def _item(rng: random.Random) -> dict[str, Any]:
    """A guest who arrived up to 40 hours ago, but not before yesterday in Vietnam (the
    oldest arrival the API takes: before 16:00 there, 40 hours go back further)."""
    now = datetime.now(VIETNAM)
    yesterday = datetime.combine(now.date() - timedelta(days=1), time.min, tzinfo=VIETNAM)
    arrived = max(
        now - timedelta(minutes=rng.randint(5, 40 * 60)), yesterday + timedelta(minutes=5)
    )
    return declaration(
        nationality=rng.choice(NATIONS),
        arrived_at=arrived.isoformat(),
        entry_date=(arrived.date() - timedelta(days=1)).isoformat(),
    )


async def _act(
    rng: random.Random,
    item: dict[str, Any],
    client: httpx.AsyncClient,
    token: str,
    officer: httpx.AsyncClient,
) -> None:
    """One random step on one declaration; a step the lifecycle refuses is fine too."""
    path = f"/api/v1/declarations/{item['id']}"
    action = rng.choice(["correct", "confirm", "return", "escalate", "check_out", "cancel"])
    if action == "correct":
        changed = {**item, "nationality": rng.choice(NATIONS), "room": str(rng.randint(1, 99))}
        if rng.random() < 0.5:
            arrived = datetime.fromisoformat(item["arrived_at"]) - timedelta(hours=3)
            changed["arrived_at"] = arrived.isoformat()
        answer = await client.put(path, json=changed, headers=bearer(token))
        if answer.status_code == 200:
            item.update(changed)
    elif action in ("confirm", "return", "escalate"):
        version = (await Declaration.get(id=item["id"])).version
        await steps.post_form(
            officer, f"/police/declarations/{item['id']}/decide", "/police/declarations",
            decision=action, version=str(version), reason_code="visa",
        )  # fmt: skip
    elif action == "check_out":
        departed = datetime.now(UTC) - timedelta(minutes=rng.randint(0, 60))
        departed = max(departed, datetime.fromisoformat(item["arrived_at"]))
        await client.post(
            f"{path}/checkout", json={"departed_at": departed.isoformat()}, headers=bearer(token)
        )
    else:
        await client.post(f"{path}/cancel", json={"reason": "test"}, headers=bearer(token))


async def test_totals_follow_every_change_and_equal_a_rebuild(
    client: httpx.AsyncClient, app: object
) -> None:
    rng = random.Random(18)
    items: dict[str, list[dict[str, Any]]] = {user: [] for user in USERS}
    tokens = {user: await api_token(client, user) for user in USERS}
    officers = {user: await steps.officer(app, police) for user, police in USERS.items()}
    for _round in range(3):
        for user, token in tokens.items():
            batch = [_item(rng) for _ in range(6)]
            answers = (await send_batch(client, token, batch)).json()["results"]
            stored = [i for i, a in zip(batch, answers, strict=True) if a["result"] == "created"]
            items[user] += stored
        for _step in range(12):
            user = rng.choice(list(USERS))
            await _act(rng, rng.choice(items[user]), client, tokens[user], officers[user])
    upto = await feed.last_change_number()
    confirmed = await steps.post_form(
        officers["staff.hk"], "/police/declarations/bulk-confirm",
        "/police/declarations/bulk-confirm", upto=str(upto),
    )  # fmt: skip
    assert confirmed.status_code == 303
    await purge.purge(1, now=datetime.now(UTC) + timedelta(days=30))
    kept = await totals()
    nation = [c["t"][""] for k, c in kept.items() if k[:3] == ("n", 0, "d")]
    assert sum(nation) == sum(len(v) for v in items.values())
    assert await rollups.rebuild_all() == sum(len(v) for v in items.values())
    assert await totals() == kept


def _within_one_bucket(kept: float | None, exact: float | None) -> bool:
    if kept is None or exact is None:
        return kept is exact
    width = rollups.QUARTER if exact * 3600 < rollups.FINE_BUCKETS * rollups.QUARTER else 3600
    return abs(kept - exact) * 3600 <= width


@pytest.mark.parametrize(("level", "user"), [("e", None), ("u", "police.hk"), ("n", None)])
async def test_the_totals_agree_with_the_rows(
    client: httpx.AsyncClient, app: object, level: str, user: str | None
) -> None:
    """Counts exactly, medians within one bucket, at every level a report reads."""
    rng = random.Random(7)
    token = await api_token(client, "staff.hk")
    batch = [_item(rng) for _ in range(25)]
    answers = (await send_batch(client, token, batch)).json()["results"]
    assert all(a["result"] == "created" for a in answers), answers
    officer = await steps.officer(app, "police.hk")
    for item in batch[:10]:
        await _act(rng, item, client, token, officer)
    first = await Declaration.get(id=batch[0]["id"])
    place = {"e": first.establishment_id, "u": first.police_unit_id, "n": 0}[level]
    # Two whole months, read from their month rows (the reports fixture reads day rows).
    today = datetime.now(VIETNAM).date()
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert [period for period, _, _ in figures.spans(start, end)] == ["m"]
    per_day, tallies = await figures.counts(level, place, start, end)
    kept = figures.from_counts(start, end, per_day, tallies, [])
    query = Declaration.all()
    if level == "e":
        query = query.filter(establishment_id=place)
    elif level == "u":
        query = query.filter(police_unit_id=place)
    rows: list[Any] = await query.values_list(*COLUMNS)
    exact = compute(rows, start, end, [])
    for name in ("total", "per_day", "by_nationality", "by_establishment", "on_time",
                 "by_review_state", "by_stay_status", "decided"):  # fmt: skip
        assert getattr(kept, name) == getattr(exact, name), name
    assert _within_one_bucket(kept.median_hours_to_declare, exact.median_hours_to_declare)
    assert _within_one_bucket(kept.median_hours_to_decide, exact.median_hours_to_decide)


def test_a_median_from_buckets() -> None:
    assert rollups.median_hours({}) is None
    assert rollups.median_hours({rollups.bucket(3600): 1}) == pytest.approx(1.125)
    # Even count: the mean of the two middle values, as statistics.median takes it.
    two = {rollups.bucket(3600): 1, rollups.bucket(3 * 3600): 1}
    assert rollups.median_hours(two) == pytest.approx(2.125)
    assert rollups.bucket(-5) == 0
    assert rollups.bucket(49 * 3600) == rollups.FINE_BUCKETS + 1
    assert rollups.bucket(10**9) == rollups.LAST_BUCKET


def test_a_range_reads_whole_months_from_their_month_rows() -> None:
    assert figures.spans(date(2026, 1, 15), date(2026, 4, 10)) == [
        ("d", date(2026, 1, 15), date(2026, 2, 1)),
        ("m", date(2026, 2, 1), date(2026, 4, 1)),
        ("d", date(2026, 4, 1), date(2026, 4, 11)),
    ]
    assert figures.spans(date(2026, 1, 1), date(2026, 12, 31)) == [
        ("m", date(2026, 1, 1), date(2027, 1, 1))
    ]
    assert figures.spans(date(2026, 1, 3), date(2026, 1, 20)) == [
        ("d", date(2026, 1, 3), date(2026, 1, 21))
    ]


async def test_a_database_without_totals_gets_them_at_migrate(
    client: httpx.AsyncClient, database_url: str
) -> None:
    """A database made before the totals existed (or a repair): ``migrate`` fills them
    once, and ``luutru rollups`` rebuilds them from the command line."""
    token = await api_token(client, "staff.hk")
    rng = random.Random(3)
    answers = (await send_batch(client, token, [_item(rng) for _ in range(3)])).json()["results"]
    assert all(a["result"] == "created" for a in answers), answers
    kept = await totals()
    await ReportTotals.all().delete()
    assert await rollups.fill_if_missing() == 3
    assert await totals() == kept
    assert await rollups.fill_if_missing() is None  # nothing to do the second time

    await ReportTotals.all().delete()
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "rollups",
        env={**os.environ, "DATABASE_URL": database_url, "TESTING": "1"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(command.communicate(), 120)
    assert command.returncode == 0, err.decode()
    assert "Report totals rebuilt from 3 declarations." in out.decode()
    assert await totals() == kept
