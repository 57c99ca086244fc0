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


async def test_allow_names_every_route_at_the_path(client: httpx.AsyncClient) -> None:
    # GET and PUT are two routes at one path; Starlette's own Allow named only the first.
    some = "0b6f1c2e-8a1e-4f4e-9a57-3f2d1c0e9b11"
    answer = await client.request("OPTIONS", f"/api/v1/declarations/{some}")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, PUT"
    # "batch" is not a declaration id: PUT there is a wrong method, not an unknown record.
    answer = await client.put("/api/v1/declarations/batch", json={})
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"


async def test_an_empty_cursor_is_not_a_number(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    for query in ("cursor=", "limit="):
        answer = await client.get(f"/api/v1/declarations?{query}", headers=bearer(token))
        assert answer.status_code == 400, query
