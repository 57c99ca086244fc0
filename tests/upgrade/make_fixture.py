"""Make an upgrade fixture with an EARLIER release's code: a demo database with
declarations, police decisions, a correction, a check-out and the logs they write, dumped
as rows (JSON, every table but the places; the places referenced are kept).

Run it from a checkout of that release, with this project's virtualenv:

    git worktree add /tmp/old <commit>
    cd /tmp/old && /path/to/.venv/bin/python /path/to/tests/upgrade/make_fixture.py \\
        /path/to/tests/upgrade/<release>.json

Each migration added from now on comes with a fixture made by the release before it
(``tests/test_upgrade.py`` loads every file here). The dump is plain rows, not engine
SQL, so one file serves both lanes; the test loads it into a database migrated to the
release's last migration, then upgrades it with today's.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path.cwd()))  # the release being dumped, not this checkout

import httpx

from server import db, demo, jurisdictions
from server import settings as settings_module
from server.app import create_app
from tests.builders import declaration

PASSWORD = "demo-password"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
PLACES = ("province", "ward", "police_unit")


def _guest(n: int, arrived: datetime) -> dict[str, Any]:
    """A valid declaration as that release's own test builder makes it, made distinct."""
    return declaration(
        id=f"00000000-0000-4000-8000-{n:012d}",
        declared_at=(arrived + timedelta(minutes=20)).isoformat(),
        full_name=f"UPGRADE GUEST {chr(65 + n)}",
        sex="FM"[n % 2],
        date_of_birth=f"19{70 + n}-0{1 + n % 9}-1{n}",
        nationality=["SWE", "KOR", "USA", "FRA", "JPN", "AUS"][n % 6],
        document_number=f"UP{n:07d}",
        arrived_at=arrived.isoformat(),  # "+07:00": what migration 0008 rewrites on SQLite
        room=str(100 + n),
    )


async def _scenario(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as hotel:
        token = (
            await hotel.post(
                "/api/v1/auth/token", json={"username": "owner.hk", "password": PASSWORD}
            )
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        now = datetime.now(VIETNAM).replace(microsecond=0)
        guests = [_guest(n, now - timedelta(hours=2 + n)) for n in range(6)]
        sent = await hotel.post(
            "/api/v1/declarations/batch", json={"declarations": guests}, headers=auth
        )
        assert sent.status_code == 200, sent.text
        assert all(r["result"] == "created" for r in sent.json()["results"]), sent.text
        checkout = await hotel.post(
            f"/api/v1/declarations/{guests[5]['id']}/checkout", json={}, headers=auth
        )
        assert checkout.status_code == 200, checkout.text

        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as police:
            await police.get("/login")
            signed = await police.post(
                "/login",
                data={"username": "police.hk", "password": PASSWORD,
                      "csrf_token": police.cookies["csrftoken"]},
            )  # fmt: skip
            assert signed.status_code in (302, 303), signed.text
            await police.get("/police/declarations?state=all&name=upgrade")
            for n, decision in ((0, "confirm"), (1, "return"), (2, "escalate")):
                page = f"/police/declarations/{guests[n]['id']}"
                await police.get(page)
                form = {
                    "csrf_token": police.cookies["csrftoken"],
                    "decision": decision,
                    "version": "1",
                }
                if decision == "return":
                    form |= {"reason_code": "other", "reason": "Room number missing"}
                done = await police.post(f"{page}/decide", data=form)
                assert done.status_code == 303, (decision, done.status_code, done.text[:500])
        corrected = await hotel.put(
            f"/api/v1/declarations/{guests[1]['id']}",
            json={**guests[1], "room": "777"},
            headers=auth,
        )
        assert corrected.status_code == 200, corrected.text


def _rows(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'tortoise_migrations' ORDER BY name"
        )
    ]
    used_wards = {r[0] for r in conn.execute("SELECT ward_id FROM establishment")}
    used_units = {r[0] for r in conn.execute("SELECT police_unit_id FROM establishment")}
    used_units |= {r[0] for r in conn.execute("SELECT police_unit_id FROM app_user") if r[0]}
    dump: dict[str, Any] = {}
    for table in tables:
        rows = [dict(r) for r in conn.execute(f'SELECT * FROM "{table}"')]
        if table == "ward":
            rows = [r for r in rows if r["code"] in used_wards]
        elif table == "police_unit":
            # the units used, and the ministry and Hà Nội's province-level units above them
            rows = [
                r for r in rows
                if r["id"] in used_units or (r["kind"] != "ward" and r["province_id"] in (1, None))
            ]  # fmt: skip
        elif table == "province":
            rows = [r for r in rows if r["code"] in {1}]
        if rows:
            dump[table] = rows
    migrations = [r[0] for r in conn.execute("SELECT name FROM tortoise_migrations ORDER BY id")]
    conn.close()
    return {"migrations": migrations, "tables": dump}


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite://{folder / 'old.sqlite3'}"
    settings = settings_module.load({"DATABASE_URL": url, "TESTING": "1"})

    async def build() -> None:
        await db.migrate(settings)
        await db.connect(settings)
        await jurisdictions.load()
        await demo.load(PASSWORD)
        await db.close()
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await _scenario(app)

    asyncio.run(build())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    dump = {"release": commit.stdout.strip(), **_rows(folder / "old.sqlite3")}
    out.write_text(json.dumps(dump, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    sizes = {t: len(r) for t, r in dump["tables"].items()}
    print(f"{out}: release {dump['release']}, {re.sub(r'[{}]', '', str(sizes))}")


if __name__ == "__main__":
    main()
