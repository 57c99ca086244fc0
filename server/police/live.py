"""The live queue: Server-Sent Events with each new or changed declaration of the
officer's scope that matches the page's filters.

The streams of a process share one watcher of the change feed (``changes.py``): nothing
is kept in memory that another process could miss, so it works the same with one server
process or many, on SQLite or PostgreSQL. A declaration stored through any process
reaches every open queue within ``LIVE_POLL_SECONDS`` (at once on PostgreSQL, by
LISTEN/NOTIFY). A stream reads the database only when a change lies in its
jurisdiction. It ends after ``LIVE_STREAM_SECONDS`` (the browser reconnects from its
last event id, and the session is checked again then, and by the watcher every half
minute meanwhile), and when the server is asked to stop."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import partial

import jinja2
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .. import auth, i18n, paging, scope, security
from ..errors import BadRequest
from ..i18n import N_
from ..models import POLICE_ROLES, User
from ..templating import templates
from . import rows
from .changes import watcher
from .deadlines import Deadlines
from .deadlines import for_user as deadlines_for
from .queue import Filters, filtered, live_key, parse_filters

BATCH = 100
READS = [0]  # the streams' own reads of the database, in this process (tests, the bench)
HEARTBEAT_SECONDS = 15
TOO_MANY_RETRY_MS = 60_000  # a stream over its account's limit: the browser's next try


def _start(request: Request, user: User, f: Filters) -> int:
    """Where the stream starts: never before its page's "live since" (so it cannot replay
    the jurisdiction unlogged), and after the browser's last event when it reconnects."""
    since = request.query_params.get("since", "")
    key = request.query_params.get("key", "")
    if not paging.whole(since) or not security.same(key, live_key(request, user, int(since), f)):
        raise BadRequest(
            N_("This live queue link is not valid. Reload the queue page."), code="bad_stream"
        )
    last = request.headers.get("last-event-id", "")
    return max(int(since), int(last) if paging.whole(last) else 0)


async def _events(
    request: Request, user: User, f: Filters, deadlines: Deadlines, last: int
) -> AsyncGenerator[str, None]:
    settings = request.app.state.settings
    template = templates.get_template("police/_queue_rows.html")
    changes = watcher(request.app)
    me = id(request)
    started = time.monotonic()
    quiet_since = started
    catching_up = True  # first, what happened since the page (or the last event)
    try:  # opened inside: a stream closed at its first line is counted out again
        session = request.cookies.get(auth.SESSION_COOKIE, "")
        if not changes.open(me, session, user.id, settings.live_streams_per_user):
            # A 200 that ends at once, with a long retry: an error status would end the
            # browser's EventSource for good; this one comes back when a tab has closed.
            yield f"retry: {TOO_MANY_RETRY_MS}\nevent: too_many\ndata: {{}}\n\n"
            return
        yield "retry: 3000\n\n"
        while time.monotonic() - started < settings.live_stream_seconds:
            if request.app.state.stopping:
                return  # the browser reconnects, to this process's successor or another
            if await request.is_disconnected():
                return
            if changes.signed_out(me):
                yield "event: signed_out\ndata: {}\n\n"
                return
            if catching_up or changes.head > last:
                head = changes.head
                if not catching_up and changes.nothing_for(user, last):
                    last = head  # nothing of this jurisdiction: no query
                    continue
                catching_up = False
                # Streams of the same view (jurisdiction, filters, language) at the same
                # position share one read: a thousand open queues of a ward, one query.
                view = (user.role, user.police_unit_id, repr(f), i18n.get_locale(), last)
                read = await changes.once(
                    view, partial(_changed, request, user, f, deadlines, template, last, head)
                )
                for event, seq in read.events:
                    yield event
                    last = seq
                if len(read.events) == BATCH:
                    catching_up = True  # more to read at once
                elif read.head > last:
                    last = read.head  # the rest, up to what the read saw, lay elsewhere
                if read.events:
                    quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
                yield ": still here\n\n"
                quiet_since = time.monotonic()
            await changes.wait(last, within=min(HEARTBEAT_SECONDS, settings.live_poll_seconds * 5))
    finally:
        changes.close(me)


@dataclass
class Read:
    events: list[tuple[str, int]]  # (the event, its change position)
    head: int  # the counter before the read: every change up to it was visible to it


async def _changed(
    request: Request,
    user: User,
    f: Filters,
    deadlines: Deadlines,
    template: jinja2.Template,
    last: int,
    head: int,
) -> Read:
    """The view's rows changed after ``last`` (at most ``BATCH``), as events. ``head`` is
    the counter as the watcher last read it: every change up to it is visible here."""
    READS[0] += 1
    changed = await (
        scope.declarations(user)
        .filter(change_seq__gt=last)
        .order_by("change_seq")
        .limit(BATCH)
        .select_related("establishment")
    )
    if not changed:
        return Read([], head)
    ids = [d.id for d in changed]
    matching = {
        str(i)
        for i in (
            await filtered(scope.declarations(user), f, deadlines)
            .filter(id__in=ids)
            .values_list("id", flat=True)
        )
    }
    events = []
    names = {d.establishment_id: d.establishment.name for d in changed}
    for d, view in zip(changed, rows.views(request.app, changed, names, deadlines), strict=True):
        html = template.render(rows=[view])
        data = json.dumps({"id": str(d.id), "matches": str(d.id) in matching, "html": html})
        events.append((f"id: {d.change_seq}\nevent: declaration\ndata: {data}\n\n", d.change_seq))
    return Read(events, head)


async def stream(request: Request) -> Response:
    user = auth.require(request, POLICE_ROLES)
    f = parse_filters(request.query_params)
    start = _start(request, user, f)
    deadlines = await deadlines_for(user)
    return StreamingResponse(
        _events(request, user, f, deadlines, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
