"""The live queue: Server-Sent Events with each new or changed declaration of the
officer's scope that matches the page's filters.

It polls the change feed (``change_seq``) instead of keeping anything in process memory,
so it works the same with one server process or many behind a load balancer, on SQLite
or PostgreSQL: a declaration stored through any process reaches every open queue within
``LIVE_POLL_SECONDS``. A stream ends after ``LIVE_STREAM_SECONDS`` (the browser
reconnects from its last event id, and the session is checked again then and every
half minute meanwhile), and when the server is asked to stop."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .. import auth, paging, scope, security
from ..declarations import flags
from ..errors import BadRequest
from ..i18n import N_
from ..models import POLICE_ROLES, User
from ..templating import templates
from .deadlines import Deadlines
from .deadlines import for_user as deadlines_for
from .queue import Filters, filtered, live_key, parse_filters

BATCH = 100
HEARTBEAT_SECONDS = 15
SESSION_CHECK_SECONDS = 30


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
) -> AsyncIterator[str]:
    settings = request.app.state.settings
    partial = templates.get_template("police/_queue_row.html")
    row = getattr(partial.make_module({"request": request}), "queue_row")  # noqa: B009
    yield "retry: 3000\n\n"
    started = time.monotonic()
    quiet_since = checked_at = started
    while time.monotonic() - started < settings.live_stream_seconds:
        if request.app.state.stopping:
            return  # the browser reconnects, to this process's successor or another
        if await request.is_disconnected():
            return
        if time.monotonic() - checked_at > SESSION_CHECK_SECONDS:
            if not await auth.still_signed_in(request, settings):
                yield "event: signed_out\ndata: {}\n\n"
                return
            checked_at = time.monotonic()
        changed = await (
            scope.declarations(user)
            .filter(change_seq__gt=last)
            .order_by("change_seq")
            .limit(BATCH)
            .select_related("establishment")
        )
        if changed:
            ids = [d.id for d in changed]
            matching = {
                str(i)
                for i in (
                    await filtered(scope.declarations(user), f, deadlines)
                    .filter(id__in=ids)
                    .values_list("id", flat=True)
                )
            }
            for d in changed:
                html = str(row(d, d.establishment.name, deadlines, flags.FLAGS))
                data = json.dumps({"id": str(d.id), "matches": str(d.id) in matching, "html": html})
                yield f"id: {d.change_seq}\nevent: declaration\ndata: {data}\n\n"
                last = d.change_seq
            quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            yield ": still here\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(settings.live_poll_seconds)


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
