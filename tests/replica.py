"""The PostgreSQL lane's streaming replica (issue 18, part 5).

The report and police console tests run with ``DATABASE_READ_URL`` naming a real hot
standby of the session's cluster (``pg_basebackup -R``): reports, exports and queue
listings read it, everything else the primary. Before each request the application waits
until the standby has replayed all the primary wrote, as a person reloading a page a
moment later would see it; tests/test_replica.py shows the lag itself, with replay paused.
On the SQLite lane these fixtures are the plain ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from starlette.applications import Starlette

from server.app import create_app
from server.settings import Settings
from tests import pg
from tests.builders import settings_for


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


class CaughtUp:
    """The application, waiting before each request for the replica to catch up."""

    def __init__(self, app: Starlette, primary: str, replica: str) -> None:
        self.app, self.primary_dsn, self.replica_dsn = app, _dsn(primary), _dsn(replica)
        self.links: list[asyncpg.Connection] = []
        self.lock = asyncio.Lock()  # one query at a time on each link (streams run together)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await self.wait()
        await self.app(scope, receive, send)

    async def wait(self) -> None:
        async with self.lock:
            await self._wait()

    async def _wait(self) -> None:
        if not self.links:
            self.links = [
                await asyncpg.connect(self.primary_dsn),
                await asyncpg.connect(self.replica_dsn),
            ]
        primary, replica = self.links
        # The insert position, not pg_current_wal_lsn (the write position): the test
        # cluster commits without waiting for the WAL write (synchronous_commit=off), so
        # a commit just made can lie past the write position for up to wal_writer_delay,
        # and the page would read the replica before it (a flaky overdue count).
        inserted = await primary.fetchval("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
        target = pg.record_end(int(inserted))
        for _ in range(2000):
            if int(await replica.fetchval(pg.REPLAYED)) >= target:
                return
            await asyncio.sleep(0.01)
        raise TimeoutError(f"the replica did not replay up to {target}")

    async def close(self) -> None:
        for link in self.links:
            await link.close()


def replica_url(database_url: str, replica: pg.Cluster) -> str:
    return replica.url(urlsplit(database_url).path.lstrip("/"))


@pytest.fixture
def settings(database_url: str, pg_cluster: pg.Cluster | None, pg_replica: Any) -> Settings:
    """The test settings, with DATABASE_READ_URL on the PostgreSQL lane."""
    if pg_cluster is None or pg_replica is None:
        return settings_for(database_url)
    pg_cluster.caught_up(pg_replica)  # the test's database exists there too
    return settings_for(database_url, DATABASE_READ_URL=replica_url(database_url, pg_replica))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The real application; on the PostgreSQL lane, reading its replica."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        if not settings.database_read_url:
            yield application
            return
        waiting = CaughtUp(application, settings.database_url, settings.database_read_url)
        try:
            yield waiting
        finally:
            await waiting.close()


def pg_replica_fixture(pg_cluster: pg.Cluster | None) -> Iterator[pg.Cluster | None]:
    if pg_cluster is None:
        yield None
        return
    standby = pg_cluster.replica()
    try:
        yield standby
    finally:
        standby.stop()
