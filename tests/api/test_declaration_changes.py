"""Corrections (new revisions), checkout and cancellation of a declaration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from server.models import Declaration, DeclarationEvent, DeclarationRevision, ReviewState
from tests.builders import api_token, bearer, declaration, declared, send_batch


@pytest.fixture
async def hk(client: httpx.AsyncClient) -> str:
    return await api_token(client, "staff.hk")


async def _declared(client: httpx.AsyncClient, token: str, **overrides: object) -> dict[str, Any]:
    return (await declared(client, token, **overrides))[0]


async def test_a_correction_creates_a_revision_and_shows_in_the_feed(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    cursor = (await client.get("/api/v1/declarations", headers=bearer(hk))).json()["next_cursor"]
    corrected = {**item, "room": "402", "full_name": "ERIKSSON ANNA"}
    response = await client.put(
        f"/api/v1/declarations/{item['id']}", json=corrected, headers=bearer(hk)
    )
    assert response.status_code == 200, response.text
    body = response.json()["declaration"]
    assert body["room"] == "402" and body["revision"] == 2
    revisions = await DeclarationRevision.filter(declaration_id=item["id"]).order_by("number")
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].data["room"] == "301" and revisions[1].data["room"] == "402"
    actions = [e.action for e in await DeclarationEvent.filter(declaration_id=item["id"])]
    assert actions == ["received", "corrected"]
    feed = await client.get(f"/api/v1/declarations?cursor={cursor}", headers=bearer(hk))
    assert [d["id"] for d in feed.json()["declarations"]] == [item["id"]]
    # Sending the same correction again changes nothing.
    again = await client.put(
        f"/api/v1/declarations/{item['id']}", json=corrected, headers=bearer(hk)
    )
    assert again.json()["declaration"]["revision"] == 2


async def test_a_correction_is_checked_like_a_new_declaration(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    response = await client.put(
        f"/api/v1/declarations/{item['id']}",
        json={**item, "date_of_birth": "2999-01-01"},
        headers=bearer(hk),
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["code"] == "birth_in_future"
    assert (await Declaration.get(id=item["id"])).revision == 1


async def test_returned_declaration_goes_back_to_the_queue_after_correction(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    await Declaration.filter(id=item["id"]).update(review_state=ReviewState.RETURNED)
    response = await client.put(
        f"/api/v1/declarations/{item['id']}", json={**item, "room": "7"}, headers=bearer(hk)
    )
    assert response.json()["declaration"]["state"] == "received"


async def test_a_confirmed_declaration_cannot_be_corrected(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    await Declaration.filter(id=item["id"]).update(review_state=ReviewState.CONFIRMED)
    response = await client.put(
        f"/api/v1/declarations/{item['id']}", json={**item, "room": "7"}, headers=bearer(hk)
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_confirmed"


async def test_checkout_then_the_guest_can_be_declared_again(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    departed = datetime.now(UTC).isoformat()
    path = f"/api/v1/declarations/{item['id']}/checkout"
    response = await client.post(path, json={"departed_at": departed}, headers=bearer(hk))
    assert response.status_code == 200
    assert response.json()["declaration"]["state"] == "checked_out"
    resent = await client.post(path, json={"departed_at": departed}, headers=bearer(hk))
    assert resent.status_code == 200
    again = declaration(document_number=item["document_number"])
    answer = (await send_batch(client, hk, [again])).json()["results"][0]
    assert answer["result"] == "created"
    edit = await client.put(f"/api/v1/declarations/{item['id']}", json=item, headers=bearer(hk))
    assert edit.status_code == 409


async def test_checkout_before_arrival_is_refused(client: httpx.AsyncClient, hk: str) -> None:
    item = await _declared(client, hk)
    early = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    response = await client.post(
        f"/api/v1/declarations/{item['id']}/checkout",
        json={"departed_at": early},
        headers=bearer(hk),
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "departed_at"


async def test_cancel_needs_a_reason_and_is_kept_in_history(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    path = f"/api/v1/declarations/{item['id']}/cancel"
    missing = await client.post(path, json={}, headers=bearer(hk))
    assert missing.status_code == 422
    response = await client.post(path, json={"reason": "Guest did not stay"}, headers=bearer(hk))
    assert response.json()["declaration"]["state"] == "cancelled"
    assert response.json()["declaration"]["cancel_reason"] == "Guest did not stay"
    event = await DeclarationEvent.filter(declaration_id=item["id"], action="cancelled").first()
    assert event is not None and event.from_state == "received" and event.to_state == "cancelled"


async def test_other_establishments_and_police_cannot_change_it(
    client: httpx.AsyncClient, hk: str
) -> None:
    item = await _declared(client, hk)
    for username, status in (("owner.cn", 404), ("police.hk", 403)):
        token = await api_token(client, username)
        for method, suffix, body in (
            ("PUT", "", {**item, "room": "1"}),
            ("POST", "/checkout", {}),
            ("POST", "/cancel", {"reason": "x"}),
        ):
            response = await client.request(
                method,
                f"/api/v1/declarations/{item['id']}{suffix}",
                json=body,
                headers=bearer(token),
            )
            assert response.status_code == status, (username, method, suffix)
    stored = await Declaration.get(id=item["id"])
    assert stored.room == "301" and stored.stay_status.value == "in_house"
