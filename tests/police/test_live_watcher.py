"""The live queues of a process share one watcher of the change feed (issue 18): while
nothing changes, open streams read nothing (the watcher reads the counter, once per
poll; on PostgreSQL only when a write's NOTIFY comes); a change outside a stream's
jurisdiction costs it no query; one inside reaches it, with its filters, as before, and
streams of the same view share one read; a signed-out session ends every stream it
opened."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request

from server.models import User, WebSession
from server.police import changes, live
from server.police.deadlines import for_user as deadlines_for
from server.police.queue import parse_filters
from tests.builders import api_token, declaration
from tests.police import steps

STREAMS = 12


def _events(body: str) -> list[str]:
    return re.findall(r'"id": "([0-9a-f-]{36})"', body)


async def _officer_stream(app: Starlette) -> tuple[httpx.AsyncClient, str]:
    """police.hk signed in, and the live stream of their queue page: streams that last
    3 s, a watcher that polls every 50 ms."""
    app.state.settings = dataclasses.replace(
        app.state.settings,
        live_stream_seconds=3,
        live_poll_seconds=0.05,
        live_streams_per_user=STREAMS,
    )
    officer = await steps.officer(app, "police.hk")
    return officer, await steps.live_stream_url(officer)


async def test_quiet_streams_read_nothing_and_changes_reach_only_their_jurisdiction(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    officer, url = await _officer_stream(app)
    other_hotel = await api_token(client, "owner.cn")  # another ward
    streams = [asyncio.create_task(officer.get(url)) for _ in range(STREAMS)]
    await asyncio.sleep(1.0)  # every stream has caught up and waits
    watcher = app.state.changes
    reads, polls = live.READS[0], watcher.queries
    await asyncio.sleep(0.8)
    assert live.READS[0] == reads, "a quiet stream read the database"
    if app.state.settings.database_url.startswith("sqlite"):
        assert watcher.queries - polls <= 0.8 / 0.05 + 2  # the counter, once per poll
    else:  # PostgreSQL: woken by the writes' NOTIFY, a poll only every 10 s
        assert watcher.listening and watcher.queries - polls <= 1
    elsewhere = declaration(full_name="OTHER WARD GUEST")
    await steps.send(client, other_hotel, elsewhere)
    await asyncio.sleep(0.5)
    assert live.READS[0] == reads, "a change in another ward made streams read"
    mine = declaration(full_name="MY WARD GUEST")
    await steps.send(client, hotel, mine)
    bodies = [(await s).text for s in streams]
    # One read for all: the streams share a view (jurisdiction, filters, language, position).
    assert 1 <= live.READS[0] - reads <= 2
    for body in bodies:
        assert _events(body) == [mine["id"]]
        assert "OTHER WARD GUEST" not in body


async def test_an_account_holds_at_most_its_limit_of_open_streams(app: Starlette) -> None:
    """One account's tabs (or a script) cannot hold the process's connections: past
    ``LIVE_STREAMS_PER_USER`` a stream ends at once, saying so, with a long retry;
    another account is not affected, and a closed stream frees its place."""
    officer, url = await _officer_stream(app)
    app.state.settings = dataclasses.replace(app.state.settings, live_streams_per_user=2)
    held = [asyncio.create_task(officer.get(url)) for _ in range(2)]
    await asyncio.sleep(0.5)
    refused = await asyncio.wait_for(officer.get(url), 2)
    assert refused.status_code == 200  # an error status would end EventSource for good
    assert "event: too_many" in refused.text
    assert f"retry: {live.TOO_MANY_RETRY_MS}" in refused.text
    colleague = await steps.officer(app, "pa08.hn")
    other = asyncio.create_task(colleague.get(await steps.live_stream_url(colleague)))
    await asyncio.sleep(0.3)
    assert not other.done()  # open: another account's limit
    for stream in [*held, other]:
        assert "too_many" not in (await asyncio.wait_for(stream, 5)).text
    assert app.state.changes._per_user == {}  # every stream counted out at its end
    again = await asyncio.wait_for(officer.get(url), 5)
    assert "too_many" not in again.text and "retry: 3000" in again.text


async def _never() -> dict[str, Any]:
    await asyncio.sleep(3600)
    return {}


async def test_a_stream_closed_at_its_first_line_is_counted_out(app: Starlette) -> None:
    """A browser gone before the stream's first line: the stream still frees its place
    (it was counted open before the first line, outside the part that counts it out)."""
    user = await User.get(username="police.hk").prefetch_related("police_unit")
    scope = {"type": "http", "app": app, "method": "GET", "path": "/", "headers": []}
    request = Request(scope, receive=_never)
    filters = parse_filters(QueryParams(""))
    events = live._events(request, user, filters, await deadlines_for(user), 0)
    assert (await anext(events)).startswith("retry: 3000")
    assert len(app.state.changes._sessions) == 1
    await events.aclose()
    assert app.state.changes._sessions == {}


async def test_a_revoked_session_ends_its_streams(
    app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changes, "SESSION_CHECK_SECONDS", 0.2)
    officer, url = await _officer_stream(app)
    stream = asyncio.create_task(officer.get(url))
    await asyncio.sleep(0.5)
    await WebSession.all().delete()  # signed out everywhere
    body = (await asyncio.wait_for(stream, 5)).text
    assert "event: signed_out" in body


@pytest.mark.postgres_only  # SQLite has no LISTEN: the poll is all there is (tested above)
async def test_a_lost_listen_connection_falls_back_to_polling_then_listens_again(
    client: httpx.AsyncClient, app: Starlette, hotel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL restarted under a running server: changes still arrive (the poll), and
    the watcher listens again."""
    monkeypatch.setattr(changes, "FALLBACK_POLL_SECONDS", 0.3)
    officer, url = await _officer_stream(app)
    stream = asyncio.create_task(officer.get(url))
    await asyncio.sleep(0.5)
    watcher = app.state.changes
    assert watcher.listening
    await watcher._listener.close()  # as a database restart would
    mine = declaration(full_name="AFTER THE DROP")
    await steps.send(client, hotel, mine)
    body = (await asyncio.wait_for(stream, 10)).text
    assert _events(body) == [mine["id"]]
    assert watcher.listening  # a new LISTEN connection
