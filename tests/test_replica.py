"""DATABASE_READ_URL (issue 18, part 5): reports, exports and queue listings read the
streaming replica; the declaration page, decisions and the API read the primary. Shown
with the replica's replay paused, so that it lags on purpose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from server import settings as settings_module
from tests import pg
from tests.builders import api_token, bearer, declared, settings_for
from tests.police import steps
from tests.replica import replica_url
from tests.test_metrics import value

pytestmark = pytest.mark.postgres_only


@asynccontextmanager
async def _served(
    database_url: str, **more: str
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The application (lifespan running) on ``database_url`` with ``more`` settings, and
    a client of its API."""
    from server.app import create_app

    app: Starlette = create_app(settings_for(database_url, **more))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            yield app, api


def _nobody(database_url: str) -> str:
    """A read URL where nobody listens."""
    return urlsplit(database_url)._replace(netloc=f"postgres@127.0.0.1:{pg.free_port()}").geturl()


def _total(csv: str) -> int:
    line = next(row for row in csv.splitlines() if row.startswith("summary,total,"))
    return int(line.rsplit(",", 1)[1])


async def test_listings_read_the_replica_and_decisions_the_primary(
    database_url: str, pg_cluster: pg.Cluster, pg_replica: pg.Cluster
) -> None:
    pg_cluster.caught_up(pg_replica)
    read = replica_url(database_url, pg_replica)
    async with _served(database_url, DATABASE_READ_URL=read) as (app, api):
        token = await api_token(api, "staff.hk")
        officer = await steps.officer(app, "police.hk")
        (first,) = await declared(api, token)
        pg_cluster.caught_up(pg_replica)
        report = "/reports/export.csv"
        assert _total((await officer.get(report)).text) == 1

        pg_replica.sql("SELECT pg_wal_replay_pause()")
        try:
            (second,) = await declared(api, token)
            # The primary has it: the API and the declaration page.
            found = await api.get(f"/api/v1/declarations/{second['id']}", headers=bearer(token))
            assert found.status_code == 200
            page = await officer.get(f"/police/declarations/{second['id']}")
            assert page.status_code == 200
            # The replica does not yet: the report, the queue and the export.
            assert _total((await officer.get(report)).text) == 1
            queue = (await officer.get("/police/declarations")).text
            assert first["id"] in queue and second["id"] not in queue
            export = (await officer.get("/police/declarations/export.csv?state=all")).text
            assert second["document_number"] not in export
        finally:
            pg_replica.sql("SELECT pg_wal_replay_resume()")
        pg_cluster.caught_up(pg_replica)
        assert _total((await officer.get(report)).text) == 2
        queue = (await officer.get("/police/declarations")).text
        assert second["id"] in queue
        await officer.aclose()


def test_a_read_url_needs_postgresql() -> None:
    with pytest.raises(settings_module.SettingsError, match="DATABASE_READ_URL"):
        settings_module.load(
            {"DATABASE_URL": "sqlite:///tmp/x.sqlite3", "TESTING": "1",
             "DATABASE_READ_URL": "postgres://postgres@127.0.0.1:5/x"}
        )  # fmt: skip


TOKEN = "r" * 40


async def test_metrics_say_how_far_the_replica_is_behind(
    database_url: str, pg_cluster: pg.Cluster, pg_replica: pg.Cluster
) -> None:
    pg_cluster.caught_up(pg_replica)
    async with _served(
        database_url,
        DATABASE_READ_URL=replica_url(database_url, pg_replica),
        METRICS_TOKEN=TOKEN,
    ) as (app, api):

        async def lag() -> tuple[float, float, float]:
            app.state.metrics_figures = None  # the figures are kept for a few seconds
            text = (await api.get("/metrics", headers=bearer(TOKEN))).text
            return tuple(  # type: ignore[return-value]
                value(text, f"luutru_replica_{name}", database="replica")
                for name in ("up", "lag_bytes", "lag_seconds")
            )

        up, _, _ = await lag()
        assert up == 1
        token = await api_token(api, "staff.hk")
        pg_replica.sql("SELECT pg_wal_replay_pause()")
        try:
            await declared(api, token)
            # The primary's write position passes the commit within wal_writer_delay.
            for _ in range(100):
                up, behind, seconds = await lag()
                if behind > 0:
                    break
                await asyncio.sleep(0.05)
            assert up == 1 and behind > 0 and seconds >= 0
        finally:
            pg_replica.sql("SELECT pg_wal_replay_resume()")
        pg_cluster.caught_up(pg_replica)
        up, after, _ = await lag()
        assert up == 1 and after < behind


async def test_metrics_say_when_the_replica_does_not_answer(database_url: str) -> None:
    nobody = _nobody(database_url)
    async with _served(database_url, DATABASE_READ_URL=nobody, METRICS_TOKEN=TOKEN) as (_, api):
        answer = await api.get("/metrics", headers=bearer(TOKEN))
        assert answer.status_code == 200
        assert value(answer.text, "luutru_replica_up", database="replica") == 0
        assert (await api.get("/healthz")).status_code == 200  # the primary answers


async def test_pages_read_the_primary_when_the_replica_does_not_answer(
    database_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica out of reach: the report, the queue and its export still answer, from
    the primary, and the replica rests (one warning, not one per page). A request that
    is refused for itself (a bad date) is answered as such, without asking the replica."""
    from server import db

    def warnings() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "read replica did not answer" in r.getMessage()]

    monkeypatch.setattr(db, "_replica_rests_until", 0.0)  # and back after the test
    async with _served(database_url, DATABASE_READ_URL=_nobody(database_url)) as (app, api):
        token = await api_token(api, "staff.hk")
        officer = await steps.officer(app, "police.hk")
        (guest,) = await declared(api, token)
        refused = await officer.get("/reports?from=not-a-date")
        assert refused.status_code == 400
        assert warnings() == [] and db._replica_rests_until == 0.0
        report = await officer.get("/reports/export.csv")
        assert report.status_code == 200 and _total(report.text) == 1
        queue = await officer.get("/police/declarations")
        assert queue.status_code == 200 and guest["id"] in queue.text
        export = await officer.get("/police/declarations/export.csv?state=all")
        assert export.status_code == 200 and guest["document_number"] in export.text
        await officer.aclose()
    assert len(warnings()) == 1
