"""The SQLite engine (server/sqlite.py): reads beside a write in progress, transactions
run whole on the writer's thread, the log checkpointed off the commit path. And
``db.write_transaction``, the same on both engines."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server import db, sqlite
from server.models import Establishment

SCRATCH = "CREATE TABLE scratch (v TEXT UNIQUE)"


async def _count(conn: BaseDBAsyncClient) -> int:
    rows = await conn.execute_query_dict("SELECT COUNT(*) AS n FROM scratch")
    return int(rows[0]["n"])


@pytest.fixture
def sqlite_only(lane: str) -> None:
    if lane != "sqlite":
        pytest.skip("the SQLite engine")


async def test_a_write_transaction_commits_whole_or_not_at_all(app: Starlette) -> None:
    conn = connections.get("default")
    await conn.execute_script(SCRATCH)
    establishments = await Establishment.all().count()

    async def job(tx: BaseDBAsyncClient) -> tuple[int, int]:
        await tx.execute_query("INSERT INTO scratch (v) VALUES ('a')")
        # Its own write is seen inside, by raw SQL and by the ORM alike.
        return await _count(tx), await Establishment.all().using_db(tx).count()

    assert await db.write_transaction(job) == (1, establishments)

    async def clashing(tx: BaseDBAsyncClient) -> None:
        await tx.execute_query("INSERT INTO scratch (v) VALUES ('b')")
        await tx.execute_query("INSERT INTO scratch (v) VALUES ('a')")

    with pytest.raises(IntegrityError):  # the driver's error, as the ORM raises it
        await db.write_transaction(clashing)
    assert await _count(conn) == 1  # 'b' went with the transaction


async def test_write_transactions_at_once_each_commit_or_fail_alone(app: Starlette) -> None:
    """Transactions sent together: the ones that fail undo themselves, not the others."""
    conn = connections.get("default")
    await conn.execute_script(SCRATCH)

    async def insert(tx: BaseDBAsyncClient, values: list[str]) -> int:
        sql = f"INSERT INTO scratch (v) VALUES ({_mark(tx)})"
        for value in values:
            await tx.execute_query(sql, [value])
        return await _count(tx)

    jobs = [["a"], ["b", "c"], ["d", "a"], ["e"], ["f", "f"], ["g"]]  # the 3rd and 5th clash
    outcomes = await asyncio.gather(
        *(db.write_transaction(functools.partial(insert, values=v)) for v in jobs),
        return_exceptions=True,
    )
    assert [type(o) for o in outcomes[2::2]] == [IntegrityError, IntegrityError]
    rows = await conn.execute_query_dict("SELECT v FROM scratch ORDER BY v")
    assert [r["v"] for r in rows] == ["a", "b", "c", "e", "g"]


def _mark(conn: BaseDBAsyncClient) -> str:
    return "?" if conn.capabilities.dialect == "sqlite" else "$1"


async def test_a_write_transaction_may_wait_only_for_its_statements(
    app: Starlette, sqlite_only: None
) -> None:
    conn = connections.get("default")
    await conn.execute_script(SCRATCH)

    async def waiting(tx: BaseDBAsyncClient) -> None:
        await tx.execute_query("INSERT INTO scratch (v) VALUES ('a')")
        await asyncio.sleep(0)  # the loop is on another thread: this cannot be

    with pytest.raises(RuntimeError, match="waited"):
        await db.write_transaction(waiting)
    assert await _count(conn) == 0
    await db.write_transaction(lambda tx: tx.execute_query("INSERT INTO scratch (v) VALUES ('b')"))
    assert await _count(conn) == 1  # the connection is usable after it


async def test_a_read_does_not_wait_for_a_transaction_in_progress(
    app: Starlette, sqlite_only: None
) -> None:
    conn = connections.get("default")
    await conn.execute_script(SCRATCH)
    written, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with in_transaction("default") as tx:
            await tx.execute_query("INSERT INTO scratch (v) VALUES ('a')")
            written.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await written.wait()
    # Tortoise's own client would wait here for the COMMIT (it holds its one
    # connection's lock from BEGIN to COMMIT).
    assert await asyncio.wait_for(_count(conn), 2) == 0  # nothing uncommitted
    found = await asyncio.wait_for(Establishment.all().count(), 2)
    assert found > 0
    release.set()
    await task
    assert await _count(conn) == 1  # a read after the commit sees it


async def test_the_readers_only_read(app: Starlette, sqlite_only: None) -> None:
    client = connections.get("default")
    assert isinstance(client, sqlite.Client)
    await client.execute_script(SCRATCH)
    assert client._readers
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await client._readers[0].execute("INSERT INTO scratch (v) VALUES ('a')")
    # A statement that writes, in whatever form, goes to the writer.
    rows = await client.execute_query_dict("INSERT INTO scratch (v) VALUES ('a') RETURNING v")
    assert rows == [{"v": "a"}]
    await client.execute_query("WITH x AS (SELECT 'b' AS v) INSERT INTO scratch SELECT v FROM x")
    assert await _count(client) == 2
    assert not sqlite._reads_only("  with x as (select 1) select * from x")
    assert sqlite._reads_only("\n  select 1")


async def _eventually(condition: Any, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


def _size(path: Path) -> int:
    return path.stat().st_size


async def test_the_log_is_copied_into_the_database_off_the_commit(
    app: Starlette, settings: Any, sqlite_only: None
) -> None:
    """The writer's commits no longer checkpoint below ``WRITER_CHECKPOINT_PAGES``: the
    checkpointer's thread copies the log into the database file."""
    path = Path(settings.database_url[len("sqlite://") :])
    conn = connections.get("default")
    _n, pages = await conn.execute_query("PRAGMA wal_autocheckpoint")  # the writer's
    assert pages[0][0] == sqlite.WRITER_CHECKPOINT_PAGES
    await conn.execute_script("CREATE TABLE scratch (v TEXT)")
    before = _size(path)
    rows = [[f"{n:06d}" + "x" * 2000] for n in range(2000)]  # about 1,000 pages
    await db.write_transaction(
        lambda tx: tx.execute_many("INSERT INTO scratch (v) VALUES (?)", rows)
    )
    assert await _eventually(lambda: _size(path) > before + 2_000_000)


async def test_closing_stops_the_readers_and_the_checkpointer(tmp_path: Path) -> None:
    def ours() -> set[threading.Thread]:
        return set(threading.enumerate())

    before = ours()
    client = sqlite.Client(str(tmp_path / "x.sqlite3"), connection_name="closing")
    await client.create_connection(with_db=True)
    started = ours() - before
    assert len(started) == 1 + sqlite.READERS + 1  # writer, readers, checkpointer
    assert await client.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]
    await client.close()
    assert await _eventually(lambda: not any(t.is_alive() for t in started))
