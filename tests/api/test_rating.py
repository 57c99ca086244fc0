"""Rating a police decision from the app: once per decision, and a resend of the same
rating (a lost answer) is answered as done."""

from __future__ import annotations

from typing import Any

import httpx

from server.declarations import review
from server.models import Feedback, User
from tests.builders import api_token, bearer, declared


async def _decided(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    (item,) = await declared(client, token)
    officer = await User.get(username="police.hk").select_related("police_unit")
    await review.decide(item["id"], "confirm", user=officer)
    return item


async def test_a_decision_is_rated_once(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    item = await _decided(client, token)
    feed = (await client.get("/api/v1/declarations", headers=bearer(token))).json()
    [row] = [r for r in feed["declarations"] if r["id"] == item["id"]]
    decision = row["decision"]
    assert decision["action"] == "confirm" and decision["rated"] is False
    path = f"/api/v1/declarations/{item['id']}/rating"
    body = {"decision_id": decision["id"], "rating": 5, "comment": "  Nhanh   gọn "}
    rated = await client.post(path, json=body, headers=bearer(token))
    assert rated.status_code == 200, rated.text
    assert rated.json()["declaration"]["decision"]["rated"] is True
    again = await client.post(path, json=body, headers=bearer(token))  # the answer was lost
    assert again.status_code == 200
    other = await client.post(path, json={**body, "rating": 1}, headers=bearer(token))
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_rated"
    stored = await Feedback.all()
    assert [(f.rating, f.comment) for f in stored] == [(5, "Nhanh gọn")]


async def test_bad_ratings_and_other_peoples_decisions_are_refused(
    client: httpx.AsyncClient,
) -> None:
    token = await api_token(client, "staff.hk")
    item = await _decided(client, token)
    (undecided,) = await declared(client, token)
    detail = await client.get(f"/api/v1/declarations/{item['id']}", headers=bearer(token))
    decision_id = detail.json()["declaration"]["decision"]["id"]
    path = f"/api/v1/declarations/{item['id']}/rating"
    for rating in (0, 6, "5x", True, None, 4.5, "²", "9" * 5000):
        bad = await client.post(
            path, json={"decision_id": decision_id, "rating": rating}, headers=bearer(token)
        )
        assert bad.status_code == 422, rating
    for body in ({"rating": 5}, {"decision_id": "1", "rating": 5}, [1]):
        assert (await client.post(path, json=body, headers=bearer(token))).status_code == 422
    # This decision through another declaration's path: not that declaration's.
    elsewhere = f"/api/v1/declarations/{undecided['id']}/rating"
    crossed = await client.post(
        elsewhere, json={"decision_id": decision_id, "rating": 5}, headers=bearer(token)
    )
    assert crossed.status_code == 404
    # Another establishment's hotel cannot see it, nor rate it.
    stranger = await api_token(client, "owner.cn")
    theirs = await client.post(
        path, json={"decision_id": decision_id, "rating": 5}, headers=bearer(stranger)
    )
    assert theirs.status_code == 404
    assert await Feedback.all().count() == 0
