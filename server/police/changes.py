"""One change watcher per server process, shared by all its open live queues.

It reads the change counter (``ChangeCounter``: one row) every ``LIVE_POLL_SECONDS``, or,
on PostgreSQL, as soon as a write's ``NOTIFY`` arrives (the poll stays as a fallback, at
a slower pace). When the counter moves, it reads the new changes' places (province, ward
unit) once, and wakes every stream: a stream whose jurisdiction holds none of them moves
on without a query; the others read their own rows, in their scope and filters, as
before. So a quiet system costs one query per poll per process, whatever the number of
open queues, and the sessions behind the streams are checked together, in one query.

Works across processes (the counter is in the database), and ends its streams when the
server is asked to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette

from .. import auth, db, inflight, metrics, scope
from ..models import ChangeCounter, Declaration, User

log = logging.getLogger(__name__)

MEMORY = 5000  # changes remembered (their places), to spare streams a query
NOTIFY_CHANNEL = "luutru_changes"
FALLBACK_POLL_SECONDS = 10.0  # with LISTEN/NOTIFY, a poll only in case one is lost
SESSION_CHECK_SECONDS = 30.0
SHARE_SECONDS = 2.0  # how long one stream's read serves others of the same view


class Changes:
    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.head = -1  # the counter as last read; -1 until the first read
        # The places of every change after ``known_after`` up to ``head``.
        self.places: deque[tuple[int, int, int]] = deque(maxlen=MEMORY)
        self.known_after = 0
        self.queries = 0  # database queries made by the watcher (for tests and the bench)
        self._next: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._notified = asyncio.Event()
        self._sessions: dict[int, str] = {}  # stream → its session key
        self._users: dict[int, int] = {}  # stream → its account
        self._per_user = inflight.Counts()  # account → its open streams
        self._signed_out: set[int] = set()
        self._task = asyncio.create_task(self._run())
        self._listener: Any = None
        self._relisten_at = 0.0  # when to try LISTEN again after its connection dropped
        self._shared: dict[tuple[Any, ...], asyncio.Future[Any]] = {}

    # --- what streams use ---------------------------------------------------------------

    def open(self, stream: int, session_key: str, user_id: int, most: int) -> bool:
        """Count ``stream`` as open, unless its account already has ``most`` open here:
        then False (one account's tabs, or a script, cannot hold the process's
        connections and wake-ups)."""
        if stream in self._sessions:
            return True
        if not self._per_user.enter(user_id, most):
            return False
        metrics.LIVE_STREAMS.inc()
        self._sessions[stream] = session_key
        self._users[stream] = user_id
        return True

    def close(self, stream: int) -> None:
        if self._sessions.pop(stream, None) is not None:
            metrics.LIVE_STREAMS.dec()
            self._per_user.leave(self._users.pop(stream))
        self._signed_out.discard(stream)

    @property
    def listening(self) -> bool:
        """Whether writes wake the watcher (PostgreSQL's NOTIFY) rather than its poll."""
        return self._listener is not None

    def signed_out(self, stream: int) -> bool:
        return stream in self._signed_out

    async def wait(self, seen: int, within: float) -> None:
        """Until the counter moves past ``seen``, the server stops, or ``within`` s pass."""
        if self.head > seen or self.app.state.stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._next), within)

    def nothing_for(self, user: User, last: int) -> bool:
        """Whether every change after ``last`` up to the counter is known to lie outside
        ``user``'s jurisdiction (then the stream moves on without a query)."""
        if last < self.known_after:
            return False  # older than what is remembered: the stream asks for itself
        unit = user.police_unit
        return unit is None or not any(
            seq > last and scope.covers(unit, province, ward) for seq, province, ward in self.places
        )

    async def once(self, key: tuple[Any, ...], make: Callable[[], Awaitable[Any]]) -> Any:
        """``make()``'s answer, shared by every stream that asks with the same ``key`` while
        it runs and for a moment after (streams of one view, at one position, read once)."""
        found = self._shared.get(key)
        if found is None:
            found = asyncio.ensure_future(make())
            self._shared[key] = found
            loop = asyncio.get_running_loop()
            found.add_done_callback(
                lambda _: loop.call_later(SHARE_SECONDS, self._shared.pop, key, None)
            )
        return await asyncio.shield(found)

    # --- the watcher ----------------------------------------------------------------------

    async def _run(self) -> None:
        self._listener = await self._listen(self.app.state.settings.database_url)
        loop = asyncio.get_running_loop()
        read_at = checked_at = loop.time()
        first = True
        while not self.app.state.stopping:
            settings = self.app.state.settings  # (tests change it on the fly)
            if self._listener is not None and self._listener.is_closed():
                # PostgreSQL restarted or the connection dropped: poll at the normal pace
                # until a new LISTEN connection is up (tried again at each fallback poll).
                self._listener = None
                self._relisten_at = loop.time() + FALLBACK_POLL_SECONDS
            if self._listener is None and self._relisten_at and loop.time() >= self._relisten_at:
                self._listener = await self._listen(settings.database_url)
                self._relisten_at = 0.0 if self._listener else loop.time() + FALLBACK_POLL_SECONDS
            pace = FALLBACK_POLL_SECONDS if self._listener else settings.live_poll_seconds
            try:
                if first or self._notified.is_set() or loop.time() - read_at >= pace:
                    self._notified.clear()
                    first, read_at = False, loop.time()
                    await self._read_counter()
                if loop.time() - checked_at >= SESSION_CHECK_SECONDS:
                    checked_at = loop.time()
                    if self._sessions:
                        await self._check_sessions()
            except Exception:  # the database is away: streams wait, the poll goes on
                log.warning("live queue watcher: could not read the change counter")
            # A tick to notice a stop; a query only when due or notified (above).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._notified.wait(), settings.live_poll_seconds)
        self._wake()  # the server stops: every stream ends

    async def _read_counter(self) -> None:
        counter = await ChangeCounter.get_or_none(id=1)
        self.queries += 1
        value = counter.value if counter else 0
        if self.head < 0:
            self.head = self.known_after = value
            return
        if value <= self.head:
            return
        rows = await (
            Declaration.filter(change_seq__gt=self.head, change_seq__lte=value)
            .order_by("change_seq")
            .limit(MEMORY)
            .values_list("change_seq", "province_id", "police_unit_id")
        )
        self.queries += 1
        if len(rows) == MEMORY:
            self.places.clear()  # too many to remember: streams ask for themselves
            self.known_after = value
        else:
            self.places.extend((int(s), int(p), int(u)) for s, p, u in rows)
            if len(self.places) == MEMORY:  # the oldest may have been let go
                self.known_after = self.places[0][0] - 1
        self.head = value
        self._wake()

    async def _check_sessions(self) -> None:
        keys = dict(self._sessions)
        valid = await auth.valid_sessions(set(keys.values()), self.app.state.settings)
        self.queries += 1
        self._signed_out = {stream for stream, key in keys.items() if key not in valid}
        if self._signed_out:
            self._wake()

    def _wake(self) -> None:
        done, self._next = self._next, asyncio.get_running_loop().create_future()
        if not done.done():
            done.set_result(None)

    async def _listen(self, url: str) -> Any:
        """On PostgreSQL, a connection of its own that LISTENs for writes' NOTIFY."""
        if url.startswith("sqlite"):
            return None
        import asyncpg

        # The server's own reading of DATABASE_URL (its query string holds pool settings
        # that asyncpg would take for server parameters).
        given = db.connection_config(url)["credentials"]
        wanted = ("host", "port", "user", "password", "database", "timeout")
        try:
            connection = await asyncpg.connect(**{k: given[k] for k in wanted})
            await connection.add_listener(NOTIFY_CHANNEL, lambda *_: self._notified.set())
        except (OSError, asyncpg.PostgresError):
            log.warning("live queue watcher: no LISTEN connection, polling instead")
            return None
        return connection

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        self._wake()


def watcher(app: Starlette) -> Changes:
    """This process's watcher, started with the first live queue (and again in a new event
    loop: the tests run one per test)."""
    current: Changes | None = getattr(app.state, "changes", None)
    loop = asyncio.get_running_loop()
    if current is None or current._task.done() or current._task.get_loop() is not loop:
        current = Changes(app)
        app.state.changes = current
    return current
