"""The SQLite engine: Tortoise's SQLite client, with reading connections beside the one
that writes, and write transactions run whole on the writer's thread.

Tortoise's client has one connection for everything. A read waits for any transaction
in progress (the client holds its lock from BEGIN to COMMIT), and every statement takes
its turn on that connection's one thread. In WAL mode SQLite lets readers read while
one connection writes, so here:

- a statement that only reads (``SELECT``), outside a transaction, goes to one of
  ``READERS`` reading connections, each with its own thread. A reader sees every
  committed write, as the writer's connection does outside a transaction: a request
  that wrote and then reads finds what it wrote. The readers are ``query_only``.
- everything else (writes, ``PRAGMA``, scripts, every statement of a transaction) goes
  to the writing connection, as before.
- ``write_transaction`` runs a transaction (BEGIN, its statements, COMMIT) as one task
  on the writer's thread: in an ordinary one, each statement is a round trip to the
  event loop, busy with other requests between them, while the transaction holds the
  database's write lock.
- the log is checkpointed by a thread of its own (``Checkpointer``), not by commits.

Ingest with 8 clients (``bench/ingest.py``), where each batch's reads waited for the
batch being written: see the README's ingest table.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

import aiosqlite
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import IntegrityError, OperationalError

T = TypeVar("T")
Job = Callable[[BaseDBAsyncClient], Coroutine[Any, Any, T]]

log = logging.getLogger("luutru")

READERS = 2
# The checkpointer's pace, and the log's size (in pages) at which a commit checkpoints
# itself all the same (the checkpointer stopped or fell behind: SQLite's default is
# 1,000 pages, checkpointed by the commit that passes it).
CHECKPOINT_EVERY_SECONDS = 0.2
WRITER_CHECKPOINT_PAGES = 20_000
# What the readers take of the writer's settings (the others are about writing).
_READER_PRAGMAS = ("busy_timeout", "case_sensitive_like")


def _nul_safe(query: str) -> str:
    """A NUL in the statement's text as SQL, as Tortoise's SQLite client sends it."""
    return query.replace("\x00", "'||CHAR(0)||'")


def _reads_only(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


class Client(SqliteClient):
    """Tortoise's SQLite client with readers (see the module's docstring)."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self._readers: list[aiosqlite.Connection] = []
        self._turn = itertools.count()
        self._checkpointer: Checkpointer | None = None

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)
        if self.filename == ":memory:" or self._readers:
            return  # a database in memory is the writer's alone
        for _ in range(READERS):
            reader = await aiosqlite.connect(self.filename, isolation_level=None)
            reader._conn.row_factory = sqlite3.Row
            for pragma in _READER_PRAGMAS:
                if pragma in self.pragmas:
                    await reader.execute(f"PRAGMA {pragma}={self.pragmas[pragma]}")
            await reader.execute("PRAGMA query_only=ON")
            self._readers.append(reader)
        self._checkpointer = Checkpointer(self.filename)
        assert self._connection is not None
        await self._connection.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")

    async def close(self) -> None:
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer:
            await asyncio.to_thread(checkpointer.stop)  # up to a checkpoint's time
        readers, self._readers = self._readers, []
        for reader in readers:
            await reader.close()
        await super().close()

    def checkpoint_state(self) -> tuple[int, float] | None:
        """The log's pages not yet copied into the database file, and the seconds since
        the checkpointer last copied it whole; None without a checkpointer (a database
        in memory)."""
        found = self._checkpointer
        if found is None:
            return None
        return found.pages_behind, time.monotonic() - found.caught_up_at

    def _reader(self, query: str) -> aiosqlite.Connection | None:
        if not self._readers or not _reads_only(query):
            return None
        return self._readers[next(self._turn) % len(self._readers)]

    @translate_exceptions
    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        reader = self._reader(query)
        if reader is None:
            found: tuple[int, Sequence[dict[str, Any]]] = await super().execute_query(query, values)
            return found
        rows: list[Any] = list(await reader.execute_fetchall(_nul_safe(query), values))
        return len(rows), rows  # sqlite3.Row, as Tortoise's

    @translate_exceptions
    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        reader = self._reader(query)
        if reader is None:
            dicts: list[dict[str, Any]] = await super().execute_query_dict(query, values)
            return dicts
        return [dict(row) for row in await reader.execute_fetchall(_nul_safe(query), values)]

    async def write_transaction(self, job: Job[T]) -> T:
        """``await job(conn)`` in a transaction, as one task on the writer's thread (see
        ``db.write_transaction``)."""
        async with self.acquire_connection() as connection:  # as in_transaction does
            result: T = await connection._execute(_run_inline, _Inline(self), job)
            return result


client_class = Client


class Checkpointer:
    """Copies the write-ahead log into the database on a thread and a connection of its
    own (``PRAGMA wal_checkpoint(PASSIVE)``, every ``CHECKPOINT_EVERY_SECONDS``), which
    does not hold up writers or readers. SQLite's default has the commit that passes
    1,000 pages in the log do it, holding the write lock meanwhile: under ingest's load,
    commits took 6–10 ms on average that way, 4.2 ms with this thread."""

    def __init__(self, path: str) -> None:
        self._path = path
        # What /metrics reports: the log's pages not yet in the database file after the
        # last checkpoint, and when the last one copied the whole log (a checkpoint that
        # fails, or that a long read keeps from finishing, leaves it behind).
        self.pages_behind = 0
        self.caught_up_at = time.monotonic()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stopping.wait(CHECKPOINT_EVERY_SECONDS):
                try:
                    _, log_pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:  # the file is gone, the disk full …
                    log.warning("WAL checkpoint failed: %s", error)
                    continue
                self.pages_behind = max(0, log_pages - copied)
                if self.pages_behind == 0:
                    self.caught_up_at = time.monotonic()
        finally:
            conn.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _run_inline(conn: _Inline, job: Job[T]) -> T:
    """On the writer's thread: ``job`` in a transaction, its coroutine driven to the end
    at once (each of its statements runs when awaited)."""
    raw = conn.raw
    with _translated():
        raw.execute("BEGIN IMMEDIATE")  # the write lock first, waiting up to busy_timeout
    try:
        coroutine = job(conn)
        try:
            coroutine.send(None)
        except StopIteration as done:
            result: T = done.value
        else:
            coroutine.close()
            raise RuntimeError("a write_transaction job waited for something else")
        with _translated():
            raw.execute("COMMIT")
        return result
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """sqlite3's errors as Tortoise's (as its SQLite client raises them)."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        raise IntegrityError(error) from error
    except sqlite3.OperationalError as error:
        raise OperationalError(error) from error


class _Inline(SqliteTransactionWrapper):
    """A transaction's connection whose statements run at once, on the thread that awaits
    them: the writer's own (see ``_run_inline``)."""

    def __init__(self, client: SqliteClient) -> None:
        super().__init__(client)
        self.raw: sqlite3.Connection = self._connection._conn

    async def execute_insert(self, query: str, values: list[Any]) -> int:
        with _translated():
            return int(self.raw.execute(query, values).lastrowid or 0)

    async def execute_many(self, query: str, values: list[list[Any]]) -> None:
        with _translated():
            self.raw.executemany(query, values)

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        with _translated():
            start = self.raw.total_changes
            rows = self.raw.execute(_nul_safe(query), values or []).fetchall()
            return (self.raw.total_changes - start) or len(rows), rows

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        with _translated():
            rows = self.raw.execute(_nul_safe(query), values or []).fetchall()
            return [dict(row) for row in rows]

    async def execute_script(self, query: str) -> None:
        raise RuntimeError("no scripts inside write_transaction")
