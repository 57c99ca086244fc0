"""Backups under load (both databases): hotel clients send a sync storm, a backup is
taken in the middle by the real command, the database is destroyed and restored, and
everything acknowledged before the backup began is there exactly once, with its revision
and history; the audit and access logs are intact and still refuse changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import pg
from tests.builders import run_async, web_login
from tests.live import ROOT, LiveServer
from tests.outage.storm import Client, database_rows, start_storm

PER_CLIENT = 1500  # the storm must outlast the backup (PostgreSQL: pg_dump)
BACKUP_AT = 300  # declarations stored when the backup starts
DEADLINE_SECONDS = 180


def luutru(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "TESTING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _count(url: str, table: str = "declaration") -> int:
    return int(database_rows(url, f"SELECT COUNT(*) FROM {table}")[0][0])


async def _police_read(base_url: str) -> None:
    """An officer signs in and opens the queue: an audit event and an access log row."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        assert (await web_login(http, "police.hk")).status_code in (302, 303)
        assert (await http.get("/police/declarations?name=a")).status_code == 200


def _destroy(server: LiveServer, pg_cluster: pg.Cluster | None) -> None:
    if pg_cluster is None:
        path = Path(server.database_url[len("sqlite://") :])
        for item in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            item.unlink(missing_ok=True)
        return
    name = server.database_url.rsplit("/", 1)[1]
    pg_cluster.drop_database(name)
    pg_cluster.create_database(name)  # empty: what an operator creates before restoring


def test_a_backup_taken_during_a_storm_restores_everything_acknowledged(
    own_server: LiveServer, pg_cluster: pg.Cluster | None, tmp_path: Path
) -> None:
    url = own_server.database_url
    run_async(_police_read(own_server.url))
    clients = [Client.with_entries(u, PER_CLIENT) for u in ("owner.hk", "staff.hk", "owner.cn")]
    before = _count(url)
    worker, errors = start_storm(own_server.url, clients, DEADLINE_SECONDS)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while _count(url) - before < BACKUP_AT:
        assert worker.is_alive() and time.monotonic() < deadline, errors
        time.sleep(0.02)
    acknowledged = {i for c in clients for i in c.answered.copy()}
    folder = tmp_path / "backup"
    backup = luutru(url, "backup", str(folder))
    stored_after_backup = _count(url)
    worker.join(DEADLINE_SECONDS)
    assert not errors, errors
    assert backup.returncode == 0, backup.stderr
    assert stored_after_backup - before < len(clients) * PER_CLIENT, "the storm had ended"
    assert len(acknowledged) >= BACKUP_AT - 3 * 50  # some answers were still on their way

    manifest = json.loads((folder / "manifest.json").read_text())
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    assert oct((folder / manifest["file"]).stat().st_mode & 0o777) == oct(0o600)
    assert manifest["tables"]["audit_event"]["rows"] > 0
    assert manifest["tables"]["access_log"]["rows"] > 0
    assert list((folder / "receipt-keys").glob("*.pem")), "the receipts' public key is kept"

    own_server.stop()
    _destroy(own_server, pg_cluster)
    restored = luutru(url, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr + restored.stdout

    rows = database_rows(url, "SELECT id FROM declaration")
    ids = [str(r[0]) for r in rows]
    assert len(ids) == len(set(ids)) == manifest["tables"]["declaration"]["rows"]
    assert acknowledged <= set(ids), "an acknowledged declaration was lost"
    (incomplete,) = database_rows(
        url,
        "SELECT COUNT(*) FROM declaration d WHERE "
        "(SELECT COUNT(*) FROM declaration_revision r WHERE r.declaration_id = d.id) != 1 "
        "OR (SELECT COUNT(*) FROM declaration_event e "
        "    WHERE e.declaration_id = d.id AND e.action = 'received') != 1",
    )
    assert incomplete[0] == 0, "every declaration keeps its revision and its history"
    for table in ("audit_event", "access_log"):
        assert _count(url, table) == manifest["tables"][table]["rows"]
        with pytest.raises(Exception, match="is append-only"):
            database_rows(url, f"UPDATE {table} SET ip = 'forged'")
        with pytest.raises(Exception, match="is append-only"):
            database_rows(url, f"DELETE FROM {table}")

    assert luutru(url, "migrate", "--check").returncode == 0
    own_server.start()  # and the app serves it
    with httpx.Client(base_url=own_server.url) as http:
        assert http.get("/healthz").status_code == 200
    assert "Traceback" not in own_server.log()


def test_restore_refuses_a_database_in_use_and_a_damaged_backup(
    database_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    assert luutru(database_url, "backup", str(folder)).returncode == 0
    again = luutru(database_url, "backup", str(folder))
    assert again.returncode == 1 and "not empty" in again.stderr

    refused = luutru(database_url, "restore", str(folder))
    assert refused.returncode == 1 and "--force" in refused.stderr
    forced = luutru(database_url, "restore", str(folder), "--force")
    assert forced.returncode == 0, forced.stderr

    manifest = json.loads((folder / "manifest.json").read_text())
    damaged = folder / manifest["file"]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    broken = luutru(database_url, "restore", str(folder), "--force")
    assert broken.returncode == 1 and "damaged" in broken.stderr
    manifest["file"] = "../../elsewhere.sqlite3"  # a manifest pointing out of its folder
    (folder / "manifest.json").write_text(json.dumps(manifest))
    altered = luutru(database_url, "restore", str(folder), "--force")
    assert altered.returncode == 1 and "incomplete or altered" in altered.stderr
    missing = luutru(database_url, "restore", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "cannot be read" in missing.stderr
    assert "Traceback" not in missing.stderr + broken.stderr + refused.stderr


def test_migrate_check_says_whether_migrations_are_pending(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'new.sqlite3'}"
    pending = luutru(url, "migrate", "--check")
    assert pending.returncode == 1 and "models.0001_initial" in pending.stdout
    assert luutru(url, "migrate").returncode == 0
    done = luutru(url, "migrate", "--check")
    assert done.returncode == 0 and "No migrations pending" in done.stdout
