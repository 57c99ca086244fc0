"""SQLite's write lock held by someone else beyond the busy timeout: the API answers 503
with Retry-After (translated, in the documented error shape), stores nothing half-way,
and the same batch is stored once the lock is released."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from server import settings as settings_module
from server.app import create_app
from server.models import Declaration
from tests.builders import DEMO_PASSWORD, api_token, declaration, send_batch


@pytest.fixture
def held_lock(lane: str, database_url: str) -> Iterator[sqlite3.Connection]:
    """Another process's open write transaction on the same database file."""
    if lane != "sqlite":
        pytest.skip("SQLite's single writer lock; PostgreSQL locks rows")
    conn = sqlite3.connect(database_url[len("sqlite://") :], isolation_level=None)
    yield conn
    conn.close()


@pytest.fixture
async def impatient_app(database_url: str) -> AsyncIterator[Starlette]:
    """The app with a 200 ms busy timeout instead of 5 s, to keep the test short."""
    settings = settings_module.load(
        {
            "DATABASE_URL": f"{database_url}?busy_timeout=200",
            "TESTING": "1",
            "DEMO_PASSWORD": DEMO_PASSWORD,
        }
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_locked_database_means_503_and_the_batch_is_kept_by_the_client(
    held_lock: sqlite3.Connection, impatient_app: Starlette
) -> None:
    transport = httpx.ASGITransport(app=impatient_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = await api_token(client, "owner.hk")
        item = declaration()
        held_lock.execute("BEGIN IMMEDIATE")  # the write lock, held
        busy = await send_batch(client, token, [item])
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "5"
        error = busy.json()["error"]
        assert error["code"] == "unavailable"
        assert error["message"] == "Hệ thống đang bận. Vui lòng thử lại sau giây lát."
        assert "Traceback" not in busy.text and "locked" not in busy.text
        held_lock.execute("ROLLBACK")
        assert not await Declaration.exists(id=item["id"])
        stored = await send_batch(client, token, [item])
        assert stored.status_code == 200
        assert stored.json()["results"][0]["result"] == "created"
        assert await Declaration.filter(id=item["id"]).count() == 1
