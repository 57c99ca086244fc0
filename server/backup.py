"""Backups that restore: ``luutru backup PATH`` and ``luutru restore PATH``.

A backup is a folder, readable by this server's user alone (it holds every guest's
personal data):

- ``database.sqlite3``: SQLite's online backup API copies the live database in one step,
  inside one read transaction, while the server keeps writing (never a file copy of a
  WAL database);
- or ``database.dump``: ``pg_dump`` in custom format, from a snapshot exported by a
  read-only repeatable-read transaction;
- ``manifest.json``: per table, the rows and a SHA-256 of their content, computed in that
  same snapshot (from the copy on SQLite), and the SHA-256 of the database file;
- ``receipt-keys/<id>.pem``: the public half of every receipt key in use. It checks the
  receipts already printed; list a file in ``RECEIPT_RETIRED_KEYS`` should the private
  key be lost. The private key itself is not in the backup (see the README).

``restore`` checks the file's hash, refuses a target that has any table unless forced,
restores, runs SQLite's ``integrity_check`` and ``foreign_key_check``, and compares every
table with the manifest: a restore that differs by one row exits non-zero.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .db import private_file
from .receipts.documents import key_set
from .settings import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
FORMAT = 1
FETCH = 2_000  # rows per round trip while hashing a PostgreSQL table


class BackupError(Exception):
    """What the operator is told, and the command exits with status 1."""


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str


Sums = dict[str, TableSum]


def _row_text(row: Any) -> bytes:
    return repr(tuple(row)).encode() + b"\n"


# --- SQLite ---


def sqlite_path(database_url: str) -> Path:
    return Path(database_url[len("sqlite://") :].split("?", 1)[0])


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _sqlite_sums(conn: sqlite3.Connection) -> Sums:
    sums = {}
    for table in _sqlite_tables(conn):
        keys = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[5]]
        order = ", ".join(f'"{k}"' for k in keys) or "rowid"
        digest, rows = hashlib.sha256(), 0
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}'):  # noqa: S608
            digest.update(_row_text(row))
            rows += 1
        sums[table] = TableSum(rows, digest.hexdigest())
    return sums


def _sqlite_backup(database_url: str, out: Path) -> Sums:
    source = sqlite3.connect(sqlite_path(database_url))
    target = sqlite3.connect(out)
    try:
        source.execute("PRAGMA busy_timeout = 30000")
        source.backup(target)  # pages=-1: the whole database in one step, one snapshot
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        return _sqlite_sums(target)
    finally:
        target.close()
        source.close()


def _sqlite_check(conn: sqlite3.Connection) -> None:
    (result,) = conn.execute("PRAGMA integrity_check").fetchone()
    if result != "ok":
        raise BackupError(f"SQLite integrity check failed: {result}")
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise BackupError(f"{len(broken)} rows break a foreign key, e.g. {broken[0]}")


def _sqlite_restore(database_url: str, source_file: Path, force: bool) -> Sums:
    path = sqlite_path(database_url)
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        _sqlite_check(source)
        if path.exists():
            existing = sqlite3.connect(path)
            try:
                tables = _sqlite_tables(existing)
            finally:
                existing.close()
            if tables and not force:
                raise BackupError(
                    f"{path} already has {len(tables)} tables: restore into an empty "
                    "database, or pass --force to replace it"
                )
        private_file(path)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = WAL")
            _sqlite_check(target)
            return _sqlite_sums(target)
        finally:
            target.close()
    finally:
        source.close()


# --- PostgreSQL ---


def _pg_env(database_url: str) -> dict[str, str]:
    """libpq's variables for ``DATABASE_URL``: the password stays out of the process
    list, and the URL's own options (pool sizes) are not libpq's."""
    parts = urlsplit(database_url)
    return {
        **os.environ,
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "postgres",
        "PGPASSWORD": parts.password or "",
        "PGDATABASE": parts.path.lstrip("/"),
    }


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client (postgresql-client)")
    return found


async def _pg_connect(database_url: str) -> Any:
    import asyncpg

    env = _pg_env(database_url)
    return await asyncpg.connect(
        host=env["PGHOST"], port=int(env["PGPORT"]), user=env["PGUSER"],
        password=env["PGPASSWORD"], database=env["PGDATABASE"],
    )  # fmt: skip


async def _pg_tables(conn: Any) -> list[str]:
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return [r["tablename"] for r in rows]


async def _pg_rows(conn: Any, table: str) -> AsyncIterator[Any]:
    keys = await conn.fetch(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum",
        f'public."{table}"',
    )
    order = ", ".join(f'"{k["attname"]}"' for k in keys) or "ctid"
    async for row in conn.cursor(
        f'SELECT * FROM public."{table}" ORDER BY {order}',  # noqa: S608 — catalog names
        prefetch=FETCH,
    ):
        yield row


async def _pg_sums(conn: Any) -> Sums:
    """Inside the caller's transaction (a cursor needs one)."""
    sums = {}
    for table in await _pg_tables(conn):
        digest, rows = hashlib.sha256(), 0
        async for row in _pg_rows(conn, table):
            digest.update(_row_text(row.values()))
            rows += 1
        sums[table] = TableSum(rows, digest.hexdigest())
    return sums


async def _run(*args: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {err.decode(errors='replace')[-2000:]}")


async def _pg_backup(database_url: str, out: Path) -> Sums:
    conn = await _pg_connect(database_url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            dump = _run(
                _tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                "--no-owner", "--no-privileges", f"--file={out}", env=_pg_env(database_url),
            )  # fmt: skip
            # The dump and the sums see the same snapshot, exported by this transaction
            # (which must stay open until pg_dump has taken it up).
            sums, _ = await asyncio.gather(_pg_sums(conn), dump)
            return sums
    finally:
        await conn.close()


async def _pg_restore(database_url: str, source_file: Path, force: bool) -> Sums:
    conn = await _pg_connect(database_url)
    try:
        tables = await _pg_tables(conn)
        if tables and not force:
            raise BackupError(
                f"The database already has {len(tables)} tables: restore into an empty "
                "database, or pass --force to replace it"
            )
        if tables:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await _run(
            _tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", f"--dbname={_pg_env(database_url)['PGDATABASE']}",
            str(source_file), env=_pg_env(database_url),
        )  # fmt: skip
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return await _pg_sums(conn)
    finally:
        await conn.close()


# --- both ---


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_folder(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup")
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    folder.chmod(0o700)


def _write_keys(settings: Settings, folder: Path) -> list[str]:
    keys = key_set(settings.receipt_key_file, settings.receipt_retired_keys)
    (folder / "receipt-keys").mkdir(mode=0o700)
    for kid, pem in keys.public_pems().items():
        (folder / "receipt-keys" / f"{kid}.pem").write_text(pem)
    return sorted(keys.public_pems())


async def backup(settings: Settings, folder: Path) -> dict[str, Any]:
    """Take a consistent backup of the live database into ``folder`` (new or empty)."""
    _private_folder(folder)
    old_mask = os.umask(0o077)  # the copy is readable by this user alone, from birth
    try:
        started = datetime.now(UTC)
        if settings.database_url.startswith("sqlite://"):
            engine, name = "sqlite", SQLITE_FILE
            sums = await asyncio.to_thread(_sqlite_backup, settings.database_url, folder / name)
        else:
            engine, name = "postgres", POSTGRES_FILE
            sums = await _pg_backup(settings.database_url, folder / name)
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "file": name,
            "file_sha256": await asyncio.to_thread(_file_sha256, folder / name),
            "tables": {t: vars(s) for t, s in sums.items()},
            "receipt_keys": _write_keys(settings, folder),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        return manifest
    finally:
        os.umask(old_mask)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST}: not a backup manifest of format {FORMAT}")
    expected = {"sqlite": SQLITE_FILE, "postgres": POSTGRES_FILE}.get(str(manifest.get("engine")))
    if (
        expected is None
        or manifest.get("file") != expected  # never a path of the manifest's choosing
        or not isinstance(manifest.get("file_sha256"), str)
        or not isinstance(manifest.get("tables"), dict)
    ):
        raise BackupError(f"{folder / MANIFEST} is incomplete or altered")
    return manifest


def differences(expected: dict[str, Any], found: Sums) -> Iterator[str]:
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None or got is None:
            yield f"{table}: {'missing' if got is None else 'not in the backup'}"
        elif (want["rows"], want["sha256"]) != (got.rows, got.sha256):
            yield f"{table}: {got.rows} rows restored, {want['rows']} backed up, or other content"


async def restore(settings: Settings, folder: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore ``folder`` into the configured database and prove it equals the backup."""
    manifest = read_manifest(folder)
    engine = "sqlite" if settings.database_url.startswith("sqlite://") else "postgres"
    if manifest["engine"] != engine:
        raise BackupError(f"This is a {manifest['engine']} backup; DATABASE_URL is {engine}")
    source = folder / manifest["file"]
    if (
        not source.exists()
        or await asyncio.to_thread(_file_sha256, source) != manifest["file_sha256"]
    ):
        raise BackupError(f"{source} is missing or damaged (its SHA-256 differs)")
    if engine == "sqlite":
        sums = await asyncio.to_thread(_sqlite_restore, settings.database_url, source, force)
    else:
        sums = await _pg_restore(settings.database_url, source, force)
    wrong = list(differences(manifest["tables"], sums))
    if wrong:
        raise BackupError("The restored database differs from the backup:\n  " + "\n  ".join(wrong))
    return manifest
