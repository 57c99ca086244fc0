"""The purge: personal data of ended stays reduced to statistics after the retention
period; the counts and reports unchanged; the run logged; the command works."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import cast

import httpx
import pytest
from starlette.applications import Starlette

from server.models import (
    AccessLog,
    AuditEvent,
    Declaration,
    DeclarationEvent,
    DeclarationRevision,
    Feedback,
)
from server.purge import purge
from server.settings import ROOT
from tests.builders import api_token, bearer, declaration, declared, send_batch
from tests.police import steps


async def _stays(client: httpx.AsyncClient) -> tuple[list[str], str]:
    """Three guests: one checked out, one cancelled, one still in house. Returns the ids
    and the day (local) they were received, for the report."""
    token = await api_token(client, "staff.hk")
    items = [declaration(nationality="KOR"), declaration(nationality="USA"), declaration()]
    await declared(client, token, *items)
    ids = [i["id"] for i in items]
    out = await client.post(
        f"/api/v1/declarations/{ids[0]}/checkout", json={}, headers=bearer(token)
    )
    assert out.status_code == 200, out.text
    cancelled = await client.post(
        f"/api/v1/declarations/{ids[1]}/cancel",
        json={"reason": "Guest left"},
        headers=bearer(token),
    )
    assert cancelled.status_code == 200, cancelled.text
    today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    return ids, today.date().isoformat()


async def test_a_purge_keeps_the_counts_and_removes_the_personal_fields(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    ids, day = await _stays(client)
    police = await steps.officer(app, "police.hk")
    report = f"/reports/export.csv?from={day}&to={day}"
    before = (await police.get(report)).text

    # Not yet due: nothing happens.
    assert (await purge(365)).declarations == 0
    later = datetime.now(UTC) + timedelta(days=400)
    assert (await purge(365, now=later, dry_run=True)).declarations == 2
    result = await purge(365, now=later)
    assert result.declarations == 2

    for record_id in ids[:2]:
        d = await Declaration.get(id=record_id)
        assert d.purged_at is not None
        assert d.full_name == d.name_search == d.document_number == ""
        assert d.room is None and d.phone is None and d.mrz is None and d.cancel_reason is None
        assert len(d.date_of_birth) == 4  # the year stays, for age statistics
        assert d.nationality in ("KOR", "USA") and d.received_at and d.arrived_at
        assert not await DeclarationRevision.exists(declaration_id=record_id)
        details = cast(
            list[dict[str, bool]],
            await DeclarationEvent.filter(declaration_id=record_id).values_list(
                "detail", flat=True
            ),
        )
        assert details and all(detail == {"purged": True} for detail in details)
    kept = await Declaration.get(id=ids[2])
    assert kept.purged_at is None and kept.full_name == "ERIKSSON ANNA MARIA"
    assert await DeclarationRevision.exists(declaration_id=ids[2])

    after = (await police.get(report)).text
    assert after == before  # the figures do not change
    assert ",total," in after and after.split(",total,")[1].split("\r\n")[0].endswith(",3")
    runs = await AuditEvent.filter(action="purge").order_by("id")
    assert [run.detail["count"] for run in runs] == [0, 2]  # every run is logged, with its count
    # Running it again finds nothing more.
    assert (await purge(365, now=later)).declarations == 0


def test_the_purge_command_runs_against_the_database(database_url: str) -> None:
    env = {**os.environ, "TESTING": "1", "DATABASE_URL": database_url, "RETENTION_DAYS": "30"}
    done = subprocess.run(
        [sys.executable, "-m", "server", "purge", "--dry-run"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Would purge 0 declarations")


def test_the_purge_command_gathers_sqlite_statistics(database_url: str, lane: str) -> None:
    """After a purge (nightly, rows gone), SQLite's planner statistics are gathered again
    (``db.refresh_statistics``): without them its planner chose indexes that cost 960 ms
    per queue page at a million rows (bench/police_queue.py)."""
    if lane != "sqlite":
        pytest.skip("SQLite's statistics (PostgreSQL's autovacuum keeps its own)")
    path = database_url.removeprefix("sqlite://")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
    env = {**os.environ, "TESTING": "1", "DATABASE_URL": database_url, "RETENTION_DAYS": "30"}
    done = subprocess.run(
        [sys.executable, "-m", "server", "purge"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with closing(sqlite3.connect(path)) as conn:
        tables = {t for (t,) in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert {"police_unit", "establishment"} <= tables  # (the template has no declaration)


async def test_nothing_of_the_guest_survives_in_the_database_files(
    client: httpx.AsyncClient, app: Starlette, database_url: str, lane: str
) -> None:
    """Review finding 6: search terms in the access log, feedback comments, party ids,
    the unsalted content hash and WAL copies kept a purged guest's data."""
    import hashlib
    from pathlib import Path

    import pytest

    token = await api_token(client, "staff.hk")
    guest = declaration(
        full_name="TRAN THI RESIDUE", document_number="RS123456", party_id="RESIDUE FAMILY",
        phone="+84912345678", room="R-RESIDUE",
    )  # fmt: skip
    assert (await send_batch(client, token, [guest])).status_code == 200
    stored = await Declaration.get(id=guest["id"])
    # Police search for her by document and by name: the access log must not keep either.
    police = await steps.officer(app, "police.hk")
    assert (await police.get("/police/declarations?doc=RS123456&state=all")).status_code == 200
    assert (
        await police.get("/police/declarations?name=tran+thi+residue&state=all")
    ).status_code == 200
    # The police confirm; the hotel rates the decision with a comment naming her.
    page = f"/police/declarations/{guest['id']}"
    done = await steps.post_form(police, f"{page}/decide", page, decision="confirm", version="1")
    assert done.status_code == 303
    staff = await steps.officer(app, "staff.hk")
    event = re.search(r'data-event="(\d+)"', (await staff.get("/hotel/feedback")).text)
    assert event
    rated = await steps.post_form(
        staff, f"/hotel/feedback/{event.group(1)}", "/hotel/feedback", rating="5",
        comment="Chị TRAN THI RESIDUE rất vui",
    )  # fmt: skip
    assert rated.status_code == 303
    out = await client.post(
        f"/api/v1/declarations/{guest['id']}/checkout", json={}, headers=bearer(token)
    )
    assert out.status_code == 200
    assert (await purge(365, now=datetime.now(UTC) + timedelta(days=400))).declarations >= 1

    # In the tables, on both engines.
    purged = await Declaration.get(id=guest["id"])
    assert purged.party_id is None and purged.content_hash == "" and purged.phone is None
    assert not await Feedback.filter(comment__contains="RESIDUE").exists()
    searches = await AccessLog.filter(action="search").values_list("detail", flat=True)
    assert searches and "RS123456" not in str(searches) and "residue" not in str(searches)
    if lane != "sqlite":
        pytest.skip("the rest reads SQLite's files; PostgreSQL needs VACUUM (README)")
    # In the files themselves: the database and its WAL.
    path = Path(database_url[len("sqlite://") :])
    files = [p for p in (path, Path(f"{path}-wal")) if p.exists()]
    raw = b"".join(p.read_bytes() for p in files)
    for value in ("TRAN THI RESIDUE", "tran thi residue", "RS123456", "RESIDUE FAMILY",
                  "912345678", "R-RESIDUE", stored.content_hash):  # fmt: skip
        assert value.encode() not in raw, value
        assert value.encode("utf-16-le") not in raw, value
    assert hashlib.sha256(b"RS123456").hexdigest().encode() not in raw
