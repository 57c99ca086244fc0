"""The database: Tortoise configuration, migrations, start and stop.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout;
PostgreSQL is reached through asyncpg. The schema comes only from the committed
migrations in ``server/migrations`` (``generate_schemas`` is for nothing but tests).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import tortoise.backends.sqlite.executor  # noqa: F401 — registers its adapters first
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from tortoise import Model, Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import RawSQL
from tortoise.fields.base import Field
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.executor import MigrationExecutor
from tortoise.queryset import QuerySet, ValuesListQuery
from tortoise.transactions import in_transaction
from tortoise.validators import MaxLengthValidator

from . import errors, sqlite
from .settings import Settings

log = logging.getLogger("luutru")

M = TypeVar("M", bound=Model)
T = TypeVar("T")

APP_MODULES = ["server.models"]
MIGRATIONS_MODULE = "server.migrations"

# Waiting longer than this for SQLite's write lock ends in a 503 with Retry-After
# (``sqlite://path?busy_timeout=MS`` sets another).
SQLITE_BUSY_TIMEOUT_MS = 5000


def _utc_text(value: datetime) -> str:
    """How SQLite stores a moment: in UTC, always. SQLite compares them as text, so one
    stored as 07:00+07:00 and a bound of 00:00+00:00 (the same instant) would sort 7
    hours apart; Tortoise's own adapter keeps whatever offset the value came with."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(" ")


sqlite3.register_adapter(datetime, _utc_text)


def private_file(path: Path) -> None:
    """Guests' data at rest is for this server's user alone: a new data directory is
    0700, the database file 0600 (SQLite gives its -wal and -shm files the database
    file's permissions), and an existing one readable by others is narrowed."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for item in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if item.exists() and item.stat().st_mode & 0o077:
            item.chmod(0o600)


def connection_config(database_url: str) -> dict[str, Any]:
    """Turn ``DATABASE_URL`` into a Tortoise connection dict."""
    parts = urlsplit(database_url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "sqlite":
        path = database_url[len("sqlite://") :].split("?", 1)[0]
        if path != ":memory:":
            private_file(Path(path))
        return {
            "engine": "server.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                # The write-ahead log keeps its size after a checkpoint, up to 64 MB,
                # where Tortoise's default truncates it to 16 kB: growing the file again
                # made each commit's fsync slower (p50 3.2 → 2.1 ms, ingest's batch).
                "journal_size_limit": 64 * 1024 * 1024,
                "foreign_keys": "ON",
                "busy_timeout": int(query.get("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)),
                # LIKE 'prefix%' may then use an ordinary index (name_search is stored
                # lower case, so nothing else changes).
                "case_sensitive_like": "ON",
                # Deleted or overwritten content is zeroed, not left in free pages: the
                # retention purge must leave nothing of a guest in the file.
                "secure_delete": "ON",
            },
        }
    return {
        "engine": "tortoise.backends.asyncpg",
        "credentials": {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "password": parts.password or "",
            "database": parts.path.lstrip("/"),
            "minsize": int(query.get("minsize", 1)),
            "maxsize": int(query.get("maxsize", 10)),
            "timeout": 5,
            # Plan each statement for its values: a ward holds most of a city's rows and
            # a review state most of a ward's, so one generic plan for every ward and
            # state (what PostgreSQL adopts after five runs of a prepared statement)
            # can be a sequential scan of a million rows.
            "server_settings": {"plan_cache_mode": "force_custom_plan"},
        },
    }


async def reuse_plans(conn: BaseDBAsyncClient) -> None:
    """For the rest of ``conn``'s transaction on PostgreSQL: prepared statements may reuse
    a generic plan (``plan_cache_mode = auto``), where the connections otherwise plan
    each statement for its values (see ``connection_config``). For transactions of
    inserts and key lookups, whose plan does not depend on the values: planning a row's
    INSERT again at each execution halved what ingest's inserts could do (7,800 → 3,800
    rows/s, measured on the real tables)."""
    if conn.capabilities.dialect != "sqlite":
        await conn.execute_query("SET LOCAL plan_cache_mode = auto")


def tortoise_config(database_url: str, read_url: str = "") -> dict[str, Any]:
    config: dict[str, Any] = {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": APP_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }
    if read_url:
        config["connections"]["replica"] = connection_config(read_url)
        config["routers"] = [ReplicaRouter]
    return config


# Set while a request reads what may lag the primary by a moment: reports, exports, queue
# listings (``from_replica``). Everything else reads and writes the primary.
_FROM_REPLICA: ContextVar[bool] = ContextVar("from_replica", default=False)


class ReplicaRouter:
    """Tortoise's router: reads inside ``from_replica`` go to ``DATABASE_READ_URL``;
    writes, and every other read (sessions, decisions, anything that must see its own
    writes), go to the primary."""

    def db_for_read(self, model: type[Any]) -> str | None:
        return "replica" if _FROM_REPLICA.get() else None

    def db_for_write(self, model: type[Any]) -> str | None:
        return None


async def replica_lag() -> tuple[int, float]:
    """How far the read replica (``DATABASE_READ_URL``) is behind the primary: the bytes
    of write-ahead log the primary has written and the replica not replayed yet, and the
    seconds since the replica replayed its last transaction while it is behind (0 when
    it has replayed everything: a quiet primary writes nothing new to replay). Raises
    when either cannot be asked. A read URL that names a server in no recovery (the
    primary itself) is never behind."""
    (replica,) = await connections.get("replica").execute_query_dict(
        "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn AS replayed, "
        "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) AS since"
    )
    if replica["replayed"] is None:
        return 0, 0.0
    (primary,) = await connections.get("default").execute_query_dict(
        "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS written"
    )
    behind = max(0, int(primary["written"]) - int(replica["replayed"]))
    return behind, float(replica["since"] or 0) if behind else 0.0


# After the replica failed to answer, reads go to the primary for this long before the
# replica is tried again (per process); how long a ping waits for it.
REPLICA_REST_SECONDS = 30.0
REPLICA_PING_SECONDS = 2.0
_replica_rests_until = 0.0


def from_replica(handler: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    """A page handler whose reads may come from the replica (when one is configured).
    Only for handlers that read: a transaction opened inside would still read the
    replica, since the router decides before the transaction's connection is asked.

    A replica out of reach does not take the pages down: when the handler fails with a
    database out of reach (``errors.is_unavailable``; a refused request, a 404, any
    other error is raised as it is, with no ping) and the replica does not answer a ping,
    it runs again on the primary, and the next ``REPLICA_REST_SECONDS`` read the primary
    (``luutru_replica_up`` says so)."""

    @functools.wraps(handler)
    async def reading(request: Request) -> Response:
        replica = time.monotonic() >= _replica_rests_until
        token = _FROM_REPLICA.set(replica)
        try:
            response = await handler(request)
        except Exception as exc:
            if (
                not replica
                or "replica" not in connections.db_config
                or not errors.is_unavailable(exc)
                or await _replica_answers()
            ):
                raise
            _FROM_REPLICA.set(False)
            response = await handler(request)
        finally:
            replica = _FROM_REPLICA.get()
            _FROM_REPLICA.reset(token)
        if isinstance(response, StreamingResponse):  # its rows are read as it is sent
            response.body_iterator = _replica_body(response.body_iterator, replica)
        return response

    return reading


async def _replica_answers() -> bool:
    """Whether the replica answers a ping; when it does not, reads rest from it (logged)."""
    global _replica_rests_until
    try:
        ping = connections.get("replica").execute_query("SELECT 1")
        await asyncio.wait_for(ping, REPLICA_PING_SECONDS)
    except Exception as exc:  # refused, unreachable, too slow, in a bad state
        log.warning(
            "the read replica did not answer (%s): reading the primary for %d s",
            exc, REPLICA_REST_SECONDS,
        )  # fmt: skip
        _replica_rests_until = time.monotonic() + REPLICA_REST_SECONDS
        return False
    return True


async def _replica_body(body: AsyncIterable[Any], replica: bool) -> AsyncIterator[Any]:
    token = _FROM_REPLICA.set(replica)
    try:
        async for chunk in body:
            yield chunk
    finally:
        _FROM_REPLICA.reset(token)


# For the `tortoise` command line (makemigrations, sqlmigrate): see pyproject.toml.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "sqlite://:memory:"))


async def connect(settings: Settings) -> None:
    """Open the connections for the application (context shared across tasks)."""
    await Tortoise.init(
        config=tortoise_config(settings.database_url, settings.database_read_url),
        _enable_global_fallback=True,
    )


async def close() -> None:
    # Tortoise.close_connections also releases the global context, so that the next
    # connect() (a restarted app, the next test) can set it again.
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    """Apply every committed migration that the database has not seen yet."""
    await migrate_api(config=tortoise_config(settings.database_url))
    await Tortoise.close_connections()


async def pending_migrations(settings: Settings) -> list[str]:
    """The committed migrations the database has not seen yet, in order."""
    config = tortoise_config(settings.database_url)
    await Tortoise.init(config=config)
    try:
        executor = MigrationExecutor(connections.get("default"), config["apps"])
        steps = await executor.plan(None)
        return [f"{s.migration.app_label}.{s.migration.name}" for s in steps if not s.backward]
    finally:
        await Tortoise.close_connections()


async def scrub() -> None:
    """After a purge, on SQLite: copy the WAL into the database (secure_delete zeroes the
    freed space as it goes) and truncate the WAL, so no old page survives there."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_query("PRAGMA wal_checkpoint(TRUNCATE)")


async def refresh_statistics() -> None:
    """SQLite: gather the planner's statistics again (``ANALYZE``; PostgreSQL's autovacuum
    does it there). Without them SQLite's planner took the queue's order over the
    document index for a document search: 960 ms at a million rows, 6 ms with them; with
    sampled ones (``analysis_limit``), the overdue tab took 87 ms. ``luutru migrate``
    (before every start) and ``luutru purge`` (nightly) run it: 1.6 s for the
    declarations at a million rows."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("ANALYZE")


async def ping() -> None:
    """Raise if the database does not answer a trivial query."""
    await connections.get("default").execute_query("SELECT 1")


async def count_up_to(query: QuerySet[Any], cap: int) -> int:
    """``min(query.count(), cap)`` without counting past ``cap`` rows: a tab that says
    "2,000+" costs a bounded index walk, where an exact count of a million rows does not."""
    rows = await _around(counted_rows(query, cap), "SELECT COUNT(*) AS n FROM ({}) AS capped")
    return int(rows[0]["n"])


def counted_rows(query: QuerySet[Any], cap: int) -> ValuesListQuery[Any]:
    """What ``count_up_to`` counts: up to ``cap`` of ``query``'s rows, each as a constant,
    not by its key, so that an index holding the conditions' columns answers alone, with
    no visit to each row (the declarations' key is in none of the queue's indexes; the
    overdue tab at a million rows: 1.7 → 0.1 ms on SQLite)."""
    return query.limit(cap).annotate(counted=RawSQL("1")).values_list("counted", flat=True)


async def _around(query: Any, outer: str) -> list[dict[str, Any]]:
    """Run the ORM's SQL for ``query`` inside ``outer`` (a statement with one ``{}``)."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    result: list[dict[str, Any]] = await query._db.execute_query_dict(outer.format(sql), params)
    return result


def marks(conn: BaseDBAsyncClient, count: int, start: int = 1) -> str:
    """Placeholders for ``count`` parameters, the first one the ``start``-th: ``?`` on
    SQLite, ``$n`` on PostgreSQL."""
    if conn.capabilities.dialect == "sqlite":
        return ", ".join("?" * count)
    return ", ".join(f"${n}" for n in range(start, start + count))


def params(model: type[Model], field: str, values: Iterable[Any]) -> list[Any]:
    """``values`` of ``model.field`` as the driver takes them (the ORM's conversion)."""
    convert: Callable[..., Any] = model._meta.fields_map[field].to_db_value
    return [convert(v, None) for v in values]


def rare(conn: BaseDBAsyncClient, condition: str) -> str:
    """``condition``, which few rows meet, said so to SQLite's planner (``likelihood``):
    once an ANALYZE has run, SQLite counts a column's NULLs as one value, and would scan
    the whole table for ``guardian_id IN (…)``, a column that is NULL in nearly every
    row. PostgreSQL's statistics know NULLs apart: the condition as it is."""
    if conn.capabilities.dialect == "sqlite":
        return f"likelihood({condition}, 0.001)"
    return condition


async def ids_where(
    conn: BaseDBAsyncClient, table: str, wheres: Sequence[str], values: Sequence[Any]
) -> list[Any]:
    """The ids of ``table``'s rows matching any of ``wheres`` (fixed SQL text; values as
    parameters, numbered across them): the cheap first look of a hot path that usually
    finds nothing, where building an ORM query costs more than running it (see
    ``ingest``). Each condition is its own ``SELECT`` (joined by ``UNION``), planned
    alone: give each one the columns of one index and nothing else, so that no table
    statistics (stale, or none yet on a new table) can make it a scan of another
    index's range."""
    sql = ids_sql(table, wheres)
    return [row["id"] for row in await conn.execute_query_dict(sql, list(values))]


def ids_sql(table: str, wheres: Sequence[str]) -> str:
    """The statement of ``ids_where``."""
    return " UNION ".join(
        f"SELECT id FROM {table} WHERE {where}"  # noqa: S608 — callers pass fixed text
        for where in wheres
    )


Convert = Callable[[Any], Any]
_INSERT_PLANS: dict[tuple[type[Model], str], tuple[str, tuple[tuple[str, Any, Convert], ...]]] = {}


def _insert_plan(
    conn: BaseDBAsyncClient, model: type[Model]
) -> tuple[str, tuple[tuple[str, Any, Convert], ...]]:
    """The ORM's own INSERT statement for ``model`` and, per column, its name, its field
    and the field's conversion (``_conversion``)."""
    key = (model, conn.capabilities.dialect)
    if key not in _INSERT_PLANS:
        executor = conn.executor_class(model=model, db=conn)
        fields_map = model._meta.fields_map
        columns = tuple(
            (c, fields_map[c], _conversion(fields_map[c])) for c in executor.regular_columns
        )
        _INSERT_PLANS[key] = (executor.insert_query, columns)
    return _INSERT_PLANS[key]


def _conversion(field: Any) -> Convert:
    """``field.to_db_value``, with a short way for the values it would pass as they are:
    a value already of the field's type, for a field that only checks a text's length
    (or nothing): most of a declaration's columns are text the rules checked before.
    Anything else (None, another type, a text too long, a field with its own conversion)
    takes the ORM's way, and its errors."""

    def full(value: Any) -> Any:
        return field.to_db_value(value, None)

    if type(field).to_db_value is not Field.to_db_value:
        return full
    kind = field.field_type
    if not field.validators:
        return lambda value: value if type(value) is kind else full(value)
    if kind is str and [type(v) for v in field.validators] == [MaxLengthValidator]:
        longest = field.validators[0].max_length
        return lambda value: value if type(value) is str and len(value) <= longest else full(value)
    return full


def row_values(
    conn: BaseDBAsyncClient, model: type[Model], rows: Sequence[Mapping[str, Any]]
) -> list[list[Any]]:
    """``rows`` (field name → value) as ``insert_values`` takes them, converted by the
    ORM's own value conversions (and checks). A field a row leaves out takes its
    default. Done before a transaction, this keeps the conversion out of it."""
    _, columns = _insert_plan(conn, model)
    return [
        [convert(row[name] if name in row else _default(field))
         for name, field, convert in columns]
        for row in rows
    ]  # fmt: skip


def column_setter(conn: BaseDBAsyncClient, model: type[Model], name: str) -> Callable[..., None]:
    """``set(values, value)``: put ``value`` (converted) in the column ``name`` of one
    row of ``row_values``."""
    _, columns = _insert_plan(conn, model)
    (at,) = [i for i, (column, _, _) in enumerate(columns) if column == name]
    convert = columns[at][2]

    def set_value(values: list[Any], value: Any) -> None:
        values[at] = convert(value)

    return set_value


async def insert_values(
    conn: BaseDBAsyncClient, model: type[Model], values: list[list[Any]]
) -> None:
    """Insert rows made by ``row_values`` with one prepared statement: the ORM's SQL,
    without a model object per row (the hot path of ingest)."""
    sql, _ = _insert_plan(conn, model)
    await conn.execute_many(sql, values)


def _default(field: Any) -> Any:
    default = field.default
    return default() if callable(default) else default


def unsaved(model: type[M], values: Mapping[str, Any]) -> M:
    """A model instance holding ``values`` and the defaults of the fields they leave out,
    for a row that ``row_values`` converts next. It skips the ORM's per-field checks in
    the constructor (35 µs a declaration): ``row_values`` checks every value anyway."""
    instance = model.__new__(model)
    state = instance.__dict__
    state.update(_partial=False, _saved_in_db=False, _custom_generated_pk=False)
    fields_map = model._meta.fields_map
    for name in model._meta.fields_db_projection:
        state[name] = values[name] if name in values else _default(fields_map[name])
    return instance


# Per (shape, dialect): the SQL of ``first_by``'s query, its parameters, where the value
# goes among them, and the ORM's map of the related models' columns.
_SHAPES: dict[tuple[str, str], tuple[str, list[Any], int, Any]] = {}
_MARK = "\x00value\x00"


async def first_by(shape: str, query: Callable[[Any], QuerySet[M]], value: Any) -> M | None:
    """The first row of ``query(value)``, with the related rows it selects, from SQL the
    ORM builds once per ``shape``: every request resolves its session or token so, and
    the ORM took 0.8 ms to build that join's SQL, four times what the database took to
    run it. ``query`` must use its argument once, as a parameter, with no conversion (a
    string compared to a text column); the connection is chosen on each call (the
    primary, or the transaction the caller is in)."""
    queryset = query(_MARK)
    queryset._choose_db_if_not_chosen()
    conn = queryset._db
    key = (shape, conn.capabilities.dialect)
    if key not in _SHAPES:
        queryset._make_query()
        sql, params = queryset.query.get_parameterized_sql()
        _SHAPES[key] = (sql, list(params), params.index(_MARK), queryset._select_related_idx)
    sql, params, at, related = _SHAPES[key]
    values = [*params[:at], value, *params[at + 1 :]]
    executor = conn.executor_class(model=queryset.model, db=conn, select_related_idx=related)
    found: list[M] = await executor.execute_select(sql, values)
    return found[0] if found else None


async def write_transaction(job: Callable[[BaseDBAsyncClient], Coroutine[Any, Any, T]]) -> T:
    """``await job(conn)`` in a transaction of its own, committed if it returns, rolled
    back if it raises. ``job`` runs only statements on ``conn`` (through the ORM or not)
    and plain Python: it must wait for nothing else. On SQLite the whole transaction is
    one task on the connection's thread (``sqlite.Client.write_transaction``); on
    PostgreSQL, ``in_transaction``."""
    client = connections.get("default")
    if isinstance(client, sqlite.Client):
        return await client.write_transaction(job)
    async with in_transaction("default") as conn:
        return await job(conn)
