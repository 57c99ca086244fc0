"""The database as configured: migrations applied, SQLite in WAL with foreign keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import connections
from tortoise.exceptions import IntegrityError, ValidationError
from tortoise.transactions import in_transaction

from server import auth, db, security
from server.models import ApiToken, DeclarationEvent, Establishment, EstablishmentKind
from tests.builders import api_token


async def test_schema_comes_from_the_committed_migrations(app: Starlette) -> None:
    conn = connections.get("default")
    _count, rows = await conn.execute_query("SELECT app, name FROM tortoise_migrations")
    names = {(row["app"], row["name"]) for row in rows}
    assert ("models", "0001_initial") in names


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(app: Starlette, lane: str) -> None:
    if lane != "sqlite":
        pytest.skip("SQLite pragmas")
    conn = connections.get("default")
    _n, journal = await conn.execute_query("PRAGMA journal_mode")
    _n, fks = await conn.execute_query("PRAGMA foreign_keys")
    _n, busy = await conn.execute_query("PRAGMA busy_timeout")
    assert journal[0][0].lower() == "wal"
    assert fks[0][0] == 1
    assert busy[0][0] >= 1000


async def test_foreign_keys_are_enforced(app: Starlette) -> None:
    with pytest.raises(IntegrityError):
        await Establishment.create(
            name="Nowhere",
            kind=EstablishmentKind.HOTEL,
            licence_number="1",
            province_id=1,
            ward_id=999999,
            street="x",
            phone="x",
            police_unit_id=1,
        )


async def test_models_and_migrations_agree() -> None:
    """A model change without its migration fails here: run `tortoise makemigrations`."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    from server.db import tortoise_config

    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert writers == [], "models changed without a migration"


async def test_the_database_files_are_private(app: object, database_url: str, lane: str) -> None:
    """Review finding 14: the database and its WAL were created 0644."""
    import stat
    from pathlib import Path

    import pytest

    if lane != "sqlite":
        pytest.skip("SQLite files")
    from server.models import AuditEvent

    await AuditEvent.create(action="permissions_probe", detail={})
    path = Path(database_url[len("sqlite://") :])
    for item in (path, Path(f"{path}-wal")):
        assert item.exists(), item
        assert stat.S_IMODE(item.stat().st_mode) & 0o077 == 0, (item, oct(item.stat().st_mode))


async def test_sqlite_stores_every_moment_in_utc(app: object, lane: str) -> None:
    """SQLite compares moments as text: one kept with +07:00 sorted 7 hours off a UTC
    bound. New writes are UTC; migration 0008 rewrote what earlier releases stored."""
    import importlib
    from datetime import datetime
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    import pytest
    from tortoise import connections

    from server.models import SignInThrottle

    if lane != "sqlite":
        pytest.skip("SQLite stores moments as text")
    conn = connections.get("default")
    local = datetime(2026, 11, 1, 7, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    await SignInThrottle.create(key="new", failures=1, window_started_at=local)
    await conn.execute_query(  # as an earlier release stored a phone's local time
        "INSERT INTO sign_in_throttle (key, failures, window_started_at) "
        "VALUES ('old', 1, '2026-11-01 07:00:00+07:00')"
    )
    migration = importlib.import_module("server.migrations.0008_utc_moments")
    await migration.to_utc(None, SimpleNamespace(client=conn))
    _, rows = await conn.execute_query(
        "SELECT key, window_started_at FROM sign_in_throttle WHERE key IN ('new', 'old')"
    )
    assert {tuple(r) for r in rows} == {
        ("new", "2026-11-01 00:00:00+00:00"),
        ("old", "2026-11-01 00:00:00+00:00"),
    }
    found = await SignInThrottle.filter(window_started_at__gte=local).count()
    assert found >= 2


async def test_first_by_gives_what_the_orm_gives(app: Starlette, client: httpx.AsyncClient) -> None:
    """``db.first_by`` (the session's and token's lookup on every request) runs SQL the
    ORM built once: the same row and related rows as the ORM's own query, for a hotel
    user's token (an establishment, no police unit) and a police officer's (a unit, no
    establishment); None for a hash no token has; and inside a transaction, what the
    transaction wrote."""
    for username in ("staff.hk", "police.hk"):
        secret = await api_token(client, username)
        token_hash = security.digest(secret)
        found = await db.first_by("token", auth._token_with_user, token_hash)
        expected = await ApiToken.get(token_hash=token_hash).select_related(
            "user", "user__police_unit", "user__establishment"
        )
        assert found is not None
        assert (found.id, found.expires_at, found.revoked_at) == (
            expected.id, expected.expires_at, expected.revoked_at
        )  # fmt: skip
        assert found.user.username == username == expected.user.username
        assert found.user.role == expected.user.role
        for related in ("police_unit", "establishment"):
            mine, theirs = getattr(found.user, related), getattr(expected.user, related)
            assert _columns(mine) == _columns(theirs), related
    assert await db.first_by("token", auth._token_with_user, security.digest("nobody")) is None
    last = expected.id
    async with in_transaction("default"):
        await ApiToken.filter(id=last).update(token_hash="written-in-the-transaction")
        seen = await db.first_by("token", auth._token_with_user, "written-in-the-transaction")
        assert seen is not None and seen.id == last


def _columns(row: Any) -> dict[str, Any] | None:
    return None if row is None else {f: getattr(row, f) for f in row._meta.db_fields}


async def test_row_values_convert_as_the_orm_does(app: Starlette) -> None:
    """``row_values`` skips the ORM's conversion only where it would pass the value as it
    is: the same columns come out, and a text too long is refused the same way."""
    conn = connections.get("default")
    _sql, columns = db._insert_plan(conn, DeclarationEvent)
    row = {
        "declaration_id": uuid.uuid4(), "at": datetime.now(UTC), "user_id": 7,
        "action": "received", "to_state": "received", "ip": "127.0.0.1",
        "detail": {"clock_skew_seconds": 3},
    }  # fmt: skip
    (values,) = db.row_values(conn, DeclarationEvent, [row])
    orm = [
        field.to_db_value(row[name] if name in row else db._default(field), None)
        for name, field, _convert in columns
    ]
    assert values == orm
    with pytest.raises(ValidationError, match="action"):
        db.row_values(conn, DeclarationEvent, [{**row, "action": "x" * 10_000}])
    with pytest.raises(ValueError):  # a type the field cannot take: the ORM's error
        db.row_values(conn, DeclarationEvent, [{**row, "user_id": "seven"}])
