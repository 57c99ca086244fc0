"""Upgrades without losing data (both databases). Each file in tests/upgrade/ holds the
rows of a demo database made by an earlier release (tests/upgrade/make_fixture.py, run in
that release's checkout): declarations, police decisions, a correction, a check-out, the
audit and access logs. The test migrates an empty database to that release's last
migration, loads the rows, runs today's `luutru migrate`, and checks that everything is
there and that the app serves it."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as migrate_api

from server import db
from server.app import create_app
from tests import pg
from tests.builders import api_token, bearer, run_async, settings_for, web_login
from tests.outage.storm import database_rows
from tests.test_backup import luutru

FIXTURES = sorted((Path(__file__).parent / "upgrade").glob("release-*.json"))
PG_TYPES: dict[str, Callable[[Any], Any]] = {
    "boolean": bool,
    "timestamp with time zone": datetime.fromisoformat,
    "date": date.fromisoformat,
    "uuid": uuid.UUID,
    "numeric": Decimal,
}


@pytest.fixture
def empty_url(pg_cluster: pg.Cluster | None, tmp_path: Path) -> Iterator[str]:
    if pg_cluster is None:
        yield f"sqlite://{tmp_path / 'old.sqlite3'}"
        return
    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    pg_cluster.create_database(name)
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)


async def _migrate_to(url: str, last: str) -> None:
    """The schema as the earlier release left it: its migrations, not one more."""
    await migrate_api(config=db.tortoise_config(url), target=f"models.{last}")
    await Tortoise.close_connections()


def _load_sqlite(url: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    conn = sqlite3.connect(url[len("sqlite://") :])
    with conn:
        for table, rows in tables.items():
            names = list(rows[0])
            conn.execute(f'DELETE FROM "{table}"')  # e.g. the counter's first row
            conn.executemany(
                f'INSERT INTO "{table}" ({", ".join(names)}) '
                f"VALUES ({', '.join('?' for _ in names)})",
                [[row[n] for n in names] for row in rows],
            )
    conn.close()


async def _load_postgres(url: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        async with conn.transaction():
            # Table by table, in name order: the rows kept their foreign keys in the
            # release that wrote them; triggers (and so those checks) wait meanwhile.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table, rows in tables.items():
                types = dict(
                    await conn.fetch(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = $1",
                        table,
                    )
                )
                names = list(rows[0])
                convert = [PG_TYPES.get(types[n]) for n in names]
                await conn.execute(f'DELETE FROM "{table}"')
                await conn.executemany(
                    f'INSERT INTO "{table}" ({", ".join(names)}) '
                    f"VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})",
                    [
                        [v if f is None or v is None else f(v) for f, v in
                         zip(convert, (row[n] for n in names), strict=True)]
                        for row in rows
                    ],
                )  # fmt: skip
                if "id" in types and types["id"] in ("integer", "bigint"):
                    await conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f'(SELECT MAX(id) FROM "{table}"))'
                    )
    finally:
        await conn.close()


async def _served(url: str, declarations: list[dict[str, Any]]) -> None:
    app = create_app(settings_for(url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            token = await api_token(c, "owner.hk")
            feed = (await c.get("/api/v1/declarations?cursor=0", headers=bearer(token))).json()
            assert {d["id"] for d in feed["declarations"]} == {d["id"] for d in declarations}
            signed_in = await web_login(c, "police.hk")
            assert signed_in.status_code in (302, 303)
            for d in declarations:
                page = await c.get(f"/police/declarations/{d['id']}")
                assert page.status_code == 200 and d["full_name"] in page.text
            report = await c.get("/reports")
            assert report.status_code == 200


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_a_database_of_an_earlier_release_upgrades_intact(
    fixture: Path, empty_url: str, lane: str
) -> None:
    dump = json.loads(fixture.read_text())
    tables: dict[str, list[dict[str, Any]]] = dump["tables"]
    run_async(_migrate_to(empty_url, dump["migrations"][-1]))
    if lane == "sqlite":
        _load_sqlite(empty_url, tables)
    else:
        run_async(_load_postgres(empty_url, tables))
    assert luutru(empty_url, "migrate", "--check").returncode == 1  # today's are pending

    upgraded = luutru(empty_url, "migrate")
    assert upgraded.returncode == 0, upgraded.stderr
    if "report_totals" not in tables:  # a release before them: migrate builds them
        assert "Report totals built from 6 declarations" in upgraded.stdout
    assert luutru(empty_url, "migrate", "--check").returncode == 0

    for table, rows in tables.items():
        if table in ("province", "ward", "police_unit"):  # migrate adds the other places
            continue
        (count,) = database_rows(empty_url, f"SELECT COUNT(*) FROM {table}")
        assert count[0] == len(rows), table
    kept = {
        str(r[0]): r[1:]
        for r in database_rows(
            empty_url,
            "SELECT id, full_name, review_state, stay_status, receipt_number, revision "
            "FROM declaration",
        )
    }
    for d in tables["declaration"]:
        assert kept[d["id"]] == (
            d["full_name"], d["review_state"], d["stay_status"], d["receipt_number"],
            d["revision"],
        )  # fmt: skip
    (nation,) = database_rows(
        empty_url, "SELECT counts FROM report_totals WHERE level = 'n' AND period = 'm'"
    )
    counts = nation[0] if isinstance(nation[0], dict) else json.loads(nation[0])
    assert counts["t"][""] == len(tables["declaration"])
    if lane == "sqlite":  # migration 0008: every moment in UTC
        for (moment,) in database_rows(empty_url, "SELECT arrived_at FROM declaration"):
            assert str(moment).endswith("+00:00")
        # migrate gathers the planner's statistics (db.refresh_statistics)
        analysed = database_rows(
            empty_url, "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'declaration'"
        )
        assert analysed[0][0] > 0
    for table in ("audit_event", "access_log"):
        with pytest.raises(Exception, match="is append-only"):
            database_rows(empty_url, f"DELETE FROM {table}")
    run_async(_served(empty_url, tables["declaration"]))


def test_the_fixtures_come_from_earlier_releases() -> None:
    """Each fixture's migrations are the first ones of today's list, in order."""
    today = sorted(p.stem for p in (Path(db.__file__).parent / "migrations").glob("0*.py"))
    assert FIXTURES, "at least one earlier release"
    for fixture in FIXTURES:
        migrations = json.loads(fixture.read_text())["migrations"]
        assert migrations == today[: len(migrations)] and len(migrations) < len(today) + 1
