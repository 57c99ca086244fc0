"""``/metrics`` in Prometheus's text format (``prometheus-client``), for operators only.

Reachable from the addresses in ``METRICS_ALLOW_IPS`` (the client address as uvicorn
resolved it: behind the proxy, set ``FORWARDED_ALLOW_IPS``) or with
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 404, as for a page that does
not exist. Nothing personal is in it: counts, times and province codes.

Kept by the code as it runs (per process; with ``WORKERS`` > 1 the processes share
them through prometheus-client's multiprocess files, see ``__main__.serve``):

- ``luutru_http_requests_total`` and ``luutru_http_request_seconds`` by route template
  (never the path itself: ids and searches stay out) and status;
- ``luutru_declarations_total`` by result (created, duplicate, conflict, invalid);
- ``luutru_sign_in_failures_total`` and ``luutru_sign_in_locks_total``;
- ``luutru_live_streams`` open.

Read from the database at each scrape (at most every ``FIGURES_SECONDS`` per process):
the review queue and the overdue declarations by province, the connection pool in use,
and how far this process's change watcher is behind the change counter. And, where they
exist: whether the read replica answers and how far it is behind the primary
(``luutru_replica_*``), and on SQLite how much of the write-ahead log is not yet in the
database file (``luutru_sqlite_*``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import secrets
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import Scope
from tortoise import connections
from tortoise.functions import Count

from . import db, sqlite
from .declarations.feed import last_change_number
from .errors import NotFound
from .models import Declaration, PoliceUnit, UnitKind
from .police.deadlines import DEFAULT_TARGET_HOURS, WAITING
from .settings import Settings

FIGURES_SECONDS = 10.0
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

REQUESTS = Counter("luutru_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "luutru_http_request_seconds", "Time to answer an HTTP request", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)  # fmt: skip
DECLARATIONS = Counter("luutru_declarations", "Declarations sent by hotels, by result", ["result"])
SIGN_IN_FAILURES = Counter("luutru_sign_in_failures", "Failed sign-ins (password or code)")
SIGN_IN_LOCKS = Counter("luutru_sign_in_locks", "Accounts or addresses locked or delayed")
LIVE_STREAMS = Gauge(
    "luutru_live_streams", "Live police queue streams open", multiprocess_mode="livesum"
)

# Read from the database at scrape time. With several processes: the database's figures
# as the last one read them, the pools summed, the watcher furthest behind.
QUEUE = Gauge(
    "luutru_review_queue", "Declarations waiting for review", ["province"],
    multiprocess_mode="mostrecent",
)  # fmt: skip
OVERDUE = Gauge(
    "luutru_review_overdue", "Declarations waiting past their unit's review target",
    ["province"], multiprocess_mode="mostrecent",
)  # fmt: skip
POOL_SIZE = Gauge("luutru_db_pool_size", "Database connections open", multiprocess_mode="livesum")
POOL_IN_USE = Gauge(
    "luutru_db_pool_in_use", "Database connections in use", multiprocess_mode="livesum"
)
FEED_LAG = Gauge(
    "luutru_change_feed_lag",
    "Changes committed that a process's live-queue watcher has not read yet",
    multiprocess_mode="livemax",
)
FEED_POSITION = Gauge(
    "luutru_change_feed_position", "The change counter", multiprocess_mode="mostrecent"
)


def _where_present(name: str, documentation: str, mode: str) -> Gauge:
    """A gauge shown only where its subject exists (a replica, SQLite's checkpointer):
    labelled by database, a series appears once its label is set."""
    return Gauge(name, documentation, ["database"], multiprocess_mode=mode)  # type: ignore[arg-type]


REPLICA_UP = _where_present(
    "luutru_replica_up", "1 when the read replica answers, 0 when it does not", "mostrecent"
)
REPLICA_LAG_BYTES = _where_present(
    "luutru_replica_lag_bytes", "Write-ahead log the read replica has not replayed yet",
    "mostrecent",
)  # fmt: skip
REPLICA_LAG_SECONDS = _where_present(
    "luutru_replica_lag_seconds",
    "Seconds since the read replica replayed its last transaction, while it is behind",
    "mostrecent",
)
SQLITE_PAGES_BEHIND = _where_present(
    "luutru_sqlite_wal_pages_behind",
    "Pages of SQLite's write-ahead log not yet copied into the database file",
    "livemax",
)
SQLITE_CHECKPOINT_AGE = _where_present(
    "luutru_sqlite_checkpoint_age_seconds",
    "Seconds since the whole write-ahead log was last copied into the database file",
    "livemax",
)
log = logging.getLogger("luutru")

for result in ("created", "duplicate", "conflict", "invalid"):
    DECLARATIONS.labels(result)  # every result shows, at 0 until it happens


# Set in the scope of an API request that the load shedding refused before routing.
SHED = "luutru.shed"


def route_of(scope: Scope, base: str = "") -> str:
    """The matched route's template (``/api/v1/declarations/{id}``), never the path;
    ``shed`` for a request the load shedding refused (``middleware.Admission``).
    ``base``: the root path before routing (a mount's own prefix is then a template)."""
    if scope.get(SHED):
        return "shed"
    route = scope.get("route")
    if isinstance(route, Mount):  # files under a mount, or nothing matched inside it
        return "unmatched" if route.routes else f"{base}{route.path}"
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched"
    return f"{scope.get('root_path', '')}{path}" or "/"


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def count_results(results: list[dict[str, Any]]) -> None:
    for r in results:
        DECLARATIONS.labels(r["result"]).inc()


def allowed(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token
    header = request.headers.get("authorization", "")
    if token and secrets.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(address in network for network in settings.metrics_allow_ips)


async def _queue_by_province() -> tuple[dict[str, int], dict[str, int]]:
    waiting = await (
        Declaration.filter(review_state__in=list(WAITING))
        .annotate(n=Count("id"))
        .group_by("province_id")
        .values_list("province_id", "n")
    )
    targets = await PoliceUnit.filter(kind=UnitKind.WARD).values_list("id", "review_target_hours")
    by_hours: dict[int, list[int]] = defaultdict(list)
    for unit_id, hours in targets:
        by_hours[int(hours or DEFAULT_TARGET_HOURS)].append(int(unit_id))
    now = datetime.now(UTC)
    overdue: dict[str, int] = defaultdict(int)
    for hours, units in by_hours.items():
        rows = await (
            Declaration.filter(
                review_state__in=list(WAITING),
                police_unit_id__in=units,
                received_at__lt=now - timedelta(hours=hours),
            )
            .annotate(n=Count("id"))
            .group_by("province_id")
            .values_list("province_id", "n")
        )
        for province, n in rows:
            overdue[str(province)] += int(n)  # a province's id is its official code
    return {str(p): int(n) for p, n in waiting}, overdue


class Figures:
    """The database's figures, read at most every ``FIGURES_SECONDS``."""

    def __init__(self) -> None:
        self.read_at = -FIGURES_SECONDS
        self.provinces: set[str] = set()

    async def refresh(self, request: Request) -> None:
        if time.monotonic() - self.read_at < FIGURES_SECONDS:
            return
        queue, overdue = await _queue_by_province()
        # A province whose queue emptied shows 0, not its last count.
        self.provinces |= set(queue) | set(overdue)
        for province in self.provinces:
            QUEUE.labels(province).set(queue.get(province, 0))
            OVERDUE.labels(province).set(overdue.get(province, 0))
        pool = getattr(connections.get("default"), "_pool", None)
        if pool is not None:  # asyncpg
            POOL_SIZE.set(pool.get_size())
            POOL_IN_USE.set(pool.get_size() - pool.get_idle_size())
        else:  # SQLite: one connection, always open
            POOL_SIZE.set(1)
            POOL_IN_USE.set(0)
        position = await last_change_number()
        FEED_POSITION.set(position)
        changes = getattr(request.app.state, "changes", None)
        FEED_LAG.set(max(0, position - changes.head) if changes and changes.head >= 0 else 0)
        if request.app.state.settings.database_read_url:
            await _replica()
        client = connections.get("default")
        state = client.checkpoint_state() if isinstance(client, sqlite.Client) else None
        if state is not None:
            SQLITE_PAGES_BEHIND.labels("default").set(state[0])
            SQLITE_CHECKPOINT_AGE.labels("default").set(round(state[1], 1))
        self.read_at = time.monotonic()


async def _replica() -> None:
    try:
        behind, seconds = await asyncio.wait_for(db.replica_lag(), db.REPLICA_PING_SECONDS)
    except Exception as exc:  # down, refusing, too slow: the page still answers
        log.warning("the read replica did not answer the metrics: %s", exc)
        REPLICA_UP.labels("replica").set(0)
        return
    REPLICA_UP.labels("replica").set(1)
    REPLICA_LAG_BYTES.labels("replica").set(behind)
    REPLICA_LAG_SECONDS.labels("replica").set(round(seconds, 3))


async def page(request: Request) -> Response:
    settings = request.app.state.settings
    if not allowed(request, settings):
        raise NotFound()  # the app's own 404, in the reader's language
    figures = getattr(request.app.state, "metrics_figures", None)
    if figures is None:
        figures = request.app.state.metrics_figures = Figures()
    await figures.refresh(request)
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return Response(
        generate_latest(registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
