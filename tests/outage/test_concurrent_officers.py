"""30 officers deciding overlapping declarations at once, over real HTTP against the real
server: each decision either wins (and is in the history exactly once) or is told that
someone else decided first; none is lost or half-applied."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from typing import Any

import httpx

from server.declarations.lifecycle import ACTIONS
from tests.builders import DEMO_PASSWORD, declaration
from tests.live import LiveServer
from tests.outage.storm import database_rows

OFFICERS = ("police.hk", "lead.hk", "pa08.hn")  # ward officer, supervisor, province
PER_ACCOUNT = 10  # sessions per account: 30 officers
DECLARATIONS = 40
ROUNDS = 12
VERSION = re.compile(r'name="version" value="(\d+)"')
OFFERED = re.compile(r'name="decision" value="(\w+)"')


async def _officer(base_url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=30)
    await client.get("/login")
    signed = await client.post(
        "/login",
        data={
            "username": username,
            "password": DEMO_PASSWORD,
            "csrf_token": client.cookies.get("csrftoken") or "",
        },
    )
    assert signed.status_code == 303, signed.text
    return client


async def _work(
    client: httpx.AsyncClient, ids: list[str], rng: random.Random, log: list[dict[str, Any]]
) -> None:
    for _ in range(ROUNDS):
        record_id = rng.choice(ids)
        page = await client.get(f"/police/declarations/{record_id}")
        assert page.status_code == 200, page.status_code
        match = VERSION.search(page.text)
        offered = OFFERED.findall(page.text)
        if match is None:  # decided for good: the page offers nothing more
            assert 'id="no-decision"' in page.text and not offered
            continue
        decision = rng.choice(offered)
        form = {
            "csrf_token": client.cookies.get("csrftoken") or "",
            "decision": decision,
            "version": match.group(1),
            "reason_code": "other",
            "reason": "concurrency test",
        }
        await asyncio.sleep(rng.random() * 0.01)  # others act between reading and deciding
        answer = await client.post(f"/police/declarations/{record_id}/decide", data=form)
        assert answer.status_code in (303, 409), (answer.status_code, answer.text[:300])
        log.append({"id": record_id, "decision": decision, "won": answer.status_code == 303})


def test_thirty_officers_lose_no_decision(own_server: LiveServer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=own_server.url, timeout=30) as hotel:
            token = (
                await hotel.post(
                    "/api/v1/auth/token",
                    json={"username": "owner.hk", "password": DEMO_PASSWORD},
                )
            ).json()["access_token"]
            items = [declaration() for _ in range(DECLARATIONS)]
            stored = await hotel.post(
                "/api/v1/declarations/batch",
                json={"declarations": items},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert all(r["result"] == "created" for r in stored.json()["results"])
        ids = [item["id"] for item in items]
        officers = [
            await _officer(own_server.url, username)
            for username in OFFICERS
            for _ in range(PER_ACCOUNT)
        ]
        log: list[dict[str, Any]] = []
        try:
            await asyncio.gather(
                *(_work(o, ids, random.Random(n), log) for n, o in enumerate(officers))
            )
        finally:
            for officer in officers:
                await officer.aclose()
        return log

    log = asyncio.run(scenario())
    assert len(log) >= DECLARATIONS  # confirmed ones offer nothing more: fewer tries
    won = [entry for entry in log if entry["won"]]
    assert 0 < len(won) < len(log), "some decisions should collide, some win"

    url = own_server.database_url
    events = database_rows(
        url,
        "SELECT declaration_id, action FROM declaration_event "
        "WHERE action LIKE 'review_%' ORDER BY id",
    )
    # Every winning decision is in the history, exactly once; nothing else is.
    assert Counter(str(e[0]) for e in events) == Counter(entry["id"] for entry in won)
    assert Counter(e[1] for e in events) == Counter(f"review_{e['decision']}" for e in won)
    last: dict[str, str] = {}
    for record_id, action in events:
        last[str(record_id)] = action.removeprefix("review_")
    rows = database_rows(url, "SELECT id, version, review_state FROM declaration")
    wins = Counter(entry["id"] for entry in won)
    for record_id, version, review_state in rows:
        key = str(record_id)
        assert version == 1 + wins[key], key  # one version per decision, none lost
        if key in last:
            (target,) = set(ACTIONS[last[key]].review.values())
            assert review_state == target.value, key
    assert "Traceback" not in own_server.log()
