"""Where outside tools found the API and its document apart (issue 17): a 405 says what
is allowed, the feed refuses a limit the document does not allow, and every operation
has a stable, unique id."""

from __future__ import annotations

import httpx

from server.api.openapi import document
from tests.builders import api_token, bearer


async def test_a_wrong_method_says_which_are_allowed(client: httpx.AsyncClient) -> None:
    answer = await client.delete("/api/v1/codes")
    assert answer.status_code == 405
    assert "GET" in answer.headers["allow"]
    assert answer.json()["error"]["code"] == "method_not_allowed"


async def test_the_feed_refuses_a_limit_outside_the_document(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    for limit in ("0", "501"):
        answer = await client.get(f"/api/v1/declarations?limit={limit}", headers=bearer(token))
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_limit"
    for limit in ("1", "500"):
        answer = await client.get(f"/api/v1/declarations?limit={limit}", headers=bearer(token))
        assert answer.status_code == 200


def test_every_operation_has_a_unique_id() -> None:
    ids = [op["operationId"] for ops in document()["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and all(ids)
