"""Every state × action pair of the review and stay lifecycles (declarations/lifecycle.py),
through the real API and console: an allowed action leads where the table says, a
refused one is a 409 with a translated message, and the console offers exactly the
decisions the table allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

import httpx
import pytest

from server.declarations import lifecycle
from server.declarations.lifecycle import ReviewState, StayStatus
from server.models import Declaration
from tests.builders import api_token, bearer, declared
from tests.police import steps

STATES = list(product(ReviewState, StayStatus))


def test_the_table_is_complete() -> None:
    """Each action names only real states; each state has its label; every decision and
    step has a history label."""
    for action in lifecycle.ACTIONS.values():
        assert set(action.review) <= set(ReviewState) and set(action.stay) <= set(StayStatus)
        assert set(action.review.values()) <= set(ReviewState)
        assert action.event in lifecycle.HISTORY
    assert set(lifecycle.REVIEW_LABELS) == set(ReviewState)
    assert set(lifecycle.STAY_LABELS) == set(StayStatus)
    # Decided for good: a confirmed declaration offers nothing more to the police.
    for stay in StayStatus:
        assert lifecycle.allowed(ReviewState.CONFIRMED, stay, police=True) == []
    # A cancelled declaration is out of everyone's work.
    for review in ReviewState:
        assert lifecycle.allowed(review, StayStatus.CANCELLED, police=True) == []
        assert lifecycle.allowed(review, StayStatus.CANCELLED, police=False) == []


async def _in_state(
    client: httpx.AsyncClient, token: str, review: ReviewState, stay: StayStatus
) -> dict[str, Any]:
    (item,) = await declared(client, token)
    departed = datetime.now(UTC) if stay == StayStatus.CHECKED_OUT else None
    await Declaration.filter(id=item["id"]).update(
        review_state=review, stay_status=stay, departed_at=departed
    )
    return item


async def _attempt(
    action: str, item: dict[str, Any], client: httpx.AsyncClient, token: str, officer: Any
) -> httpx.Response:
    path = f"/api/v1/declarations/{item['id']}"
    if action in lifecycle.DECISIONS:
        version = (await Declaration.get(id=item["id"])).version
        return await steps.post_form(
            officer,
            f"/police/declarations/{item['id']}/decide",
            "/police/declarations",
            decision=action,
            version=str(version),
            reason_code="visa",
        )
    if action == "correct":
        return await client.put(path, json={**item, "room": "7"}, headers=bearer(token))
    if action == "check_out":
        # A minute after any earlier check-out: a resend of the same one is no attempt.
        departed = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
        return await client.post(
            f"{path}/checkout", json={"departed_at": departed}, headers=bearer(token)
        )
    assert action == "cancel"
    return await client.post(f"{path}/cancel", json={"reason": "test"}, headers=bearer(token))


@pytest.mark.parametrize(("review", "stay"), STATES, ids=[f"{r}-{s}" for r, s in STATES])
async def test_every_action_from_every_state(
    client: httpx.AsyncClient, app: object, review: ReviewState, stay: StayStatus
) -> None:
    token = await api_token(client, "staff.hk")
    officer = await steps.officer(app, "police.hk")
    for name, action in lifecycle.ACTIONS.items():
        item = await _in_state(client, token, review, stay)
        response = await _attempt(name, item, client, token, officer)
        stored = await Declaration.get(id=item["id"])
        if action.allows(review, stay):
            assert response.status_code in (200, 303), (name, response.text[:400])
            assert (stored.review_state, stored.stay_status) == lifecycle.after(
                name, review, stay
            ), name
        elif name == "cancel" and stay == StayStatus.CANCELLED:
            # A resent cancellation: answered with the record as it is, changed nothing.
            assert response.status_code == 200 and stored.version == 1
        else:
            assert response.status_code == 409, (name, response.status_code)
            assert (stored.review_state, stored.stay_status, stored.version) == (review, stay, 1)
            if name in lifecycle.DECISIONS:
                assert "trạng thái hiện tại là" in response.text, name  # said in Vietnamese
            else:
                error = response.json()["error"]
                assert error["code"] in ("not_in_house", "already_confirmed") or error[
                    "code"
                ].startswith("review_"), error
                assert "trạng thái" in error["message"], error

    # The console offers exactly what the table allows.
    item = await _in_state(client, token, review, stay)
    page = (await officer.get(f"/police/declarations/{item['id']}")).text
    offered = {name for name in lifecycle.DECISIONS if f'value="{name}"' in page}
    assert offered == set(lifecycle.allowed(review, stay, police=True))
    assert ('id="no-decision"' in page) == (not offered)
