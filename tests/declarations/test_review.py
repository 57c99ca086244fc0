"""Police decisions reach the hotel's change feed; the first of two officers wins; an
officer of another ward cannot decide at all. (The console's pages come with issue 5.)"""

from __future__ import annotations

import httpx
import pytest

from server.declarations import review
from server.errors import NotFound
from server.models import DeclarationEvent, User
from tests.builders import api_token, bearer, declaration, declared, send_batch


async def _declared(client: httpx.AsyncClient, token: str) -> str:
    return str((await declared(client, token))[0]["id"])


async def _officer(username: str) -> User:
    return await User.get(username=username).select_related("police_unit")


async def test_a_return_for_correction_shows_in_the_hotel_feed(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    record_id = await _declared(client, token)
    cursor = (await client.get("/api/v1/declarations", headers=bearer(token))).json()["next_cursor"]
    officer = await _officer("police.hk")
    await review.decide(
        record_id,
        "return",
        user=officer,
        reason="Visa number unreadable",
        expected_version=1,
    )
    feed = (await client.get(f"/api/v1/declarations?cursor={cursor}", headers=bearer(token))).json()
    [changed] = feed["declarations"]
    assert changed["id"] == record_id
    assert changed["state"] == "returned"
    assert changed["review_reason"] == "Visa number unreadable"
    event = await DeclarationEvent.filter(declaration_id=record_id).order_by("-id").first()
    assert event is not None and event.action == "review_return" and event.user_id == officer.id


async def test_the_second_of_two_officers_is_told(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    record_id = await _declared(client, token)
    first, second = await _officer("police.hk"), await _officer("pa08.hn")
    await review.decide(
        record_id, "confirm", user=first,
        expected_version=1,
    )  # fmt: skip
    with pytest.raises(review.StaleVersion) as stale:
        await review.decide(
            record_id, "return", user=second,
            reason="x", expected_version=1,
        )  # fmt: skip
    assert stale.value.current.review_state.value == "confirmed"


async def test_another_wards_officer_cannot_decide(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    record_id = await _declared(client, token)
    other = await _officer("police.cn")
    with pytest.raises(NotFound):
        await review.decide(record_id, "confirm", user=other)


async def test_a_return_needs_a_reason(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    record_id = await _declared(client, token)
    officer = await _officer("police.hk")
    with pytest.raises(review.ReasonRequired):
        await review.decide(record_id, "return", user=officer)


async def test_me_gives_the_app_its_establishment_and_check_settings(
    client: httpx.AsyncClient,
) -> None:
    hotel = (
        await client.get("/api/v1/me", headers=bearer(await api_token(client, "staff.hk")))
    ).json()
    assert hotel["establishment"]["name"].startswith("Khách sạn Hồ Gươm")
    assert hotel["rules"]["grace_hours"] == 12
    assert hotel["rules"]["room_required"] is True
    assert set(hotel["rules"]) >= {"arrival_window_days", "document_number_max", "batch_max"}
    police = (
        await client.get("/api/v1/me", headers=bearer(await api_token(client, "police.hk")))
    ).json()
    assert "establishment" not in police and "rules" not in police


async def test_issue_messages_carry_their_values(client: httpx.AsyncClient) -> None:
    """The PWA renders server messages in its own language from code and values."""
    token = await api_token(client, "staff.hk")
    item = declaration(arrived_at="2001-01-01T10:00:00+07:00")
    [result] = (await send_batch(client, token, [item])).json()["results"]
    [error] = [e for e in result["errors"] if e["code"] == "arrival_too_old"]
    assert error["params"] == {"days": 1}
