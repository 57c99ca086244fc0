"""The batch sync API: per-item results, exactly once, scoped to the establishment."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
from datetime import datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from server.api import declarations as declarations_api
from server.declarations.context import VIETNAM
from server.models import (
    Declaration,
    DeclarationEvent,
    DeclarationRevision,
    Establishment,
    EstablishmentStatus,
)
from tests.builders import api_token, bearer, declaration, new_id, send_batch

RECEIPT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")


@pytest.fixture
async def hk(client: httpx.AsyncClient) -> str:
    """A bearer token of the Hoàn Kiếm hotel's receptionist."""
    return await api_token(client, "staff.hk")


async def test_a_valid_declaration_is_created_with_a_receipt(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = declaration()
    response = await send_batch(client, hk, [item])
    assert response.status_code == 200
    (answer,) = response.json()["results"]
    assert answer["id"] == item["id"]
    assert answer["result"] == "created"
    assert RECEIPT.match(answer["receipt_number"])
    assert answer["state"] == "received"
    assert answer["errors"] == [] and answer["warnings"] == []
    stored = await Declaration.get(id=item["id"])
    assert stored.document_number == item["document_number"]
    assert abs(stored.clock_skew_seconds) < 60
    assert await DeclarationRevision.filter(declaration_id=item["id"]).count() == 1
    event = await DeclarationEvent.get(declaration_id=item["id"])
    assert event.action == "received" and event.user_id is not None


async def test_items_are_independent_partial_acceptance(client: httpx.AsyncClient, hk: str) -> None:
    good1, good2 = declaration(), declaration()
    bad = declaration(full_name="", date_of_birth="2999-01-01")
    response = await send_batch(client, hk, [good1, bad, good2, "not an object"])  # type: ignore[list-item]
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["created", "invalid", "created", "invalid"]
    assert [r["id"] for r in results[:3]] == [good1["id"], bad["id"], good2["id"]]
    errors = {(e["field"], e["code"]) for e in results[1]["errors"]}
    assert errors == {("full_name", "required"), ("date_of_birth", "birth_in_future")}
    assert all(e["message"] for e in results[1]["errors"])
    assert results[1]["receipt_number"] is None
    assert not await Declaration.exists(id=bad["id"])


async def test_messages_follow_the_language(client: httpx.AsyncClient, hk: str) -> None:
    bad = declaration(sex="Q")
    vi = (await send_batch(client, hk, [bad])).json()["results"][0]["errors"][0]
    en = (await send_batch(client, hk, [bad], **{"Accept-Language": "en"})).json()
    assert vi["message"] == "Mã không hợp lệ: Q."
    assert en["results"][0]["errors"][0]["message"] == "Unknown code: Q."


async def test_resending_the_same_record_is_a_harmless_duplicate(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = declaration()
    first = (await send_batch(client, hk, [item])).json()["results"][0]
    # The phone resends (its clock moved on); the content is the same.
    again = {**item, "declared_at": datetime.now(VIETNAM).isoformat()}
    second = (await send_batch(client, hk, [again])).json()["results"][0]
    assert second["result"] == "duplicate"
    assert second["receipt_number"] == first["receipt_number"]
    assert await Declaration.filter(id=item["id"]).count() == 1


async def test_same_id_with_other_content_is_a_conflict(client: httpx.AsyncClient, hk: str) -> None:
    item = declaration()
    await send_batch(client, hk, [item])
    changed = {**item, "room": "999"}
    answer = (await send_batch(client, hk, [changed])).json()["results"][0]
    assert answer["result"] == "conflict"
    assert answer["errors"][0]["code"] == "id_conflict"
    assert (await Declaration.get(id=item["id"])).room == "301"


async def test_same_id_twice_in_one_batch(client: httpx.AsyncClient, hk: str) -> None:
    item = declaration()
    other = {**item, "room": "12"}
    results = (await send_batch(client, hk, [item, dict(item), other])).json()["results"]
    assert [r["result"] for r in results] == ["created", "duplicate", "conflict"]
    assert results[0]["receipt_number"] == results[1]["receipt_number"]
    assert await Declaration.filter(id=item["id"]).count() == 1


async def test_a_guest_still_checked_in_here_is_refused(client: httpx.AsyncClient, hk: str) -> None:
    first = declaration()
    receipt = (await send_batch(client, hk, [first])).json()["results"][0]["receipt_number"]
    again = declaration(document_number=first["document_number"])
    answer = (await send_batch(client, hk, [again])).json()["results"][0]
    assert answer["result"] == "invalid"
    assert answer["errors"][0]["code"] == "already_checked_in"
    assert receipt in answer["errors"][0]["message"]
    twice = declaration()
    results = (await send_batch(client, hk, [twice, {**twice, "id": new_id()}])).json()
    assert [r["result"] for r in results["results"]] == ["created", "invalid"]
    assert results["results"][1]["errors"][0]["code"] == "duplicate_in_batch"


async def test_overlapping_stay_elsewhere_is_accepted_and_flagged(
    client: httpx.AsyncClient, hk: str
) -> None:
    cn = await api_token(client, "owner.cn")
    first = declaration()
    await send_batch(client, hk, [first])
    elsewhere = declaration(document_number=first["document_number"], room="2")
    answer = (await send_batch(client, cn, [elsewhere])).json()["results"][0]
    assert answer["result"] == "created"
    assert [w["code"] for w in answer["warnings"]] == ["overlapping_stay"]
    stored = await Declaration.get(id=elsewhere["id"])
    assert stored.warnings[0]["code"] == "overlapping_stay"


async def test_late_declaration_is_accepted_and_flagged(client: httpx.AsyncClient, hk: str) -> None:
    arrived = datetime.now(VIETNAM) - timedelta(hours=13)
    item = declaration(
        arrived_at=arrived.isoformat(),
        entry_date=(arrived.date() - timedelta(days=1)).isoformat(),
    )
    answer = (await send_batch(client, hk, [item])).json()["results"][0]
    assert answer["result"] == "created"
    assert [w["code"] for w in answer["warnings"]] == ["late"]


async def test_a_token_writes_only_into_its_own_establishment(
    client: httpx.AsyncClient, hk: str
) -> None:
    cn = await api_token(client, "owner.cn")
    item = declaration()
    await send_batch(client, hk, [item])
    # Another establishment reusing the id learns nothing and changes nothing.
    answer = (await send_batch(client, cn, [item])).json()["results"][0]
    assert answer["result"] == "conflict" and answer["receipt_number"] is None
    stored = await Declaration.get(id=item["id"])
    hk_id = (await Establishment.get(ward_id=70)).id
    assert stored.establishment_id == hk_id
    # Naming an establishment in the item is refused, not obeyed.
    sneaky = declaration(establishment_id=(await Establishment.get(ward_id=73)).id)
    refused = (await send_batch(client, hk, [sneaky])).json()["results"][0]
    assert refused["result"] == "invalid"
    assert refused["errors"][0]["code"] == "unknown_field"


async def test_reading_is_scoped(client: httpx.AsyncClient, hk: str) -> None:
    item = declaration()
    await send_batch(client, hk, [item])
    path = f"/api/v1/declarations/{item['id']}"
    for username, status in (
        ("owner.hk", 200),
        ("owner.cn", 404),
        # Police read in the console, where each read is logged; admins read no guests.
        ("police.hk", 403),
        ("pa08.hn", 403),
        ("police.cn", 403),
        ("admin", 403),
    ):
        token = await api_token(client, username)
        assert (await client.get(path, headers=bearer(token))).status_code == status, username
    assert (
        await client.get("/api/v1/declarations/not-a-uuid", headers=bearer(hk))
    ).status_code == 404


async def test_police_cannot_declare(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "police.hk")
    response = await send_batch(client, token, [declaration()])
    assert response.status_code == 403


async def test_suspended_establishment_cannot_declare(client: httpx.AsyncClient, hk: str) -> None:
    await Establishment.filter(ward_id=70).update(status=EstablishmentStatus.SUSPENDED)
    response = await send_batch(client, hk, [declaration()])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "establishment_not_active"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"declarations": []}', 422, "batch_size"),
        (b'{"declarations": {}}', 422, "batch_shape"),
        (b"[]", 422, "batch_shape"),
    ],
)
async def test_bad_bodies_get_clear_errors(
    client: httpx.AsyncClient, hk: str, body: bytes, status: int, code: str
) -> None:
    response = await client.post(
        "/api/v1/declarations/batch",
        content=body,
        headers={**bearer(hk), "content-type": "application/json"},
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "fields"}


async def test_too_many_items_and_too_large_bodies(client: httpx.AsyncClient, hk: str) -> None:
    too_many = await send_batch(client, hk, [declaration() for _ in range(201)])
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "batch_size"
    huge = await send_batch(client, hk, [declaration(room="x" * (1024 * 1024))])
    assert huge.status_code == 413
    assert await Declaration.all().count() == 0


async def test_feed_returns_changes_after_the_cursor(client: httpx.AsyncClient, hk: str) -> None:
    first, second = declaration(), declaration()
    await send_batch(client, hk, [first])
    page = (await client.get("/api/v1/declarations?cursor=0", headers=bearer(hk))).json()
    assert [d["id"] for d in page["declarations"]] == [first["id"]]
    assert page["declarations"][0]["state"] == "received"
    await send_batch(client, hk, [second])
    later = await client.get(
        f"/api/v1/declarations?cursor={page['next_cursor']}", headers=bearer(hk)
    )
    assert [d["id"] for d in later.json()["declarations"]] == [second["id"]]
    cn = await api_token(client, "owner.cn")
    other = (await client.get("/api/v1/declarations?cursor=0", headers=bearer(cn))).json()
    assert other["declarations"] == []
    bad = await client.get("/api/v1/declarations?cursor=-1", headers=bearer(hk))
    assert bad.status_code == 400


async def test_a_feed_page_read_in_chunks_is_the_same_page(
    client: httpx.AsyncClient, hk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page is read FEED_CHUNK rows at a time (the event loop free between): every row
    once, in order, whatever the page's size against the chunk's."""
    items = [declaration() for _ in range(10)]
    await send_batch(client, hk, items)
    monkeypatch.setattr(declarations_api, "FEED_CHUNK", 3)
    seen: list[str] = []
    cursor, pages = "0", []
    while True:
        page = (
            await client.get(f"/api/v1/declarations?cursor={cursor}&limit=4", headers=bearer(hk))
        ).json()
        seen += [d["id"] for d in page["declarations"]]
        pages.append((len(page["declarations"]), page["has_more"]))
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [i["id"] for i in items]
    assert pages == [(4, True), (4, True), (2, False)]
    whole = await client.get("/api/v1/declarations?cursor=0&limit=10", headers=bearer(hk))
    assert [d["id"] for d in whole.json()["declarations"]] == seen


async def test_twenty_clients_resending_overlapping_batches_store_each_id_once(
    client: httpx.AsyncClient, app: Starlette, hk: str
) -> None:
    # One token stands for twenty phones here: its own limit is theirs.
    app.state.settings = dataclasses.replace(app.state.settings, api_concurrency_per_client=20)
    items = [declaration() for _ in range(60)]
    rng = random.Random(7)

    async def phone(n: int) -> list[dict[str, object]]:
        answers = []
        for _round in range(3):
            chosen = rng.sample(items, 25)
            response = await send_batch(client, hk, chosen)
            assert response.status_code == 200, response.text
            answers.extend(response.json()["results"])
        return answers

    everything = [
        a for answers in await asyncio.gather(*(phone(n) for n in range(20))) for a in answers
    ]
    assert {a["result"] for a in everything} <= {"created", "duplicate"}
    created = [a["id"] for a in everything if a["result"] == "created"]
    assert len(created) == len(set(created)), "an id was created twice"
    sent = {a["id"] for a in everything}
    assert await Declaration.filter(id__in=list(sent)).count() == len(sent)
    assert await DeclarationRevision.filter(declaration_id__in=list(sent)).count() == len(sent)
    receipts = {a["id"]: a["receipt_number"] for a in everything}
    for answer in everything:
        assert answer["receipt_number"] == receipts[answer["id"]]


async def test_code_lists_are_public(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/codes")
    assert response.status_code == 200
    body = response.json()
    assert any(c["code"] == "DEU" and c["vi"] == "Đức" for c in body["countries"])
    assert any(p["code"] == "HAN" for p in body["ports"])
