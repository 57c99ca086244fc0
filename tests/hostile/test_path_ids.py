"""Numbers in paths and queries that no column can hold, or that only look like digits:
refused or not found, never a crash (schemathesis, in test_schemathesis.py, makes up
ids too; these are the ones that once broke a driver or ``int()``)."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import api_token, bearer, declaration


@pytest.mark.parametrize(
    "path",
    [
        "/declarations?cursor=99999999999999999999999",
        "/declarations?limit=%C2%B2",  # "²" passes str.isdigit, not int()
        "/declarations/99999999999999999999999",
        "/establishments/99999999999999999999999",
        "/auth/tokens/99999999999999999999999",
    ],
)
async def test_numbers_too_big_or_not_ascii_are_refused_not_crashed(
    client: httpx.AsyncClient, path: str
) -> None:
    token = await api_token(client, "owner.hk")
    method = "DELETE" if path.startswith("/auth/tokens/") else "GET"
    response = await client.request(method, f"/api/v1{path}", headers=bearer(token))
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["code"]


async def test_an_id_too_big_for_its_column_is_not_found(client: httpx.AsyncClient) -> None:
    # PostgreSQL's establishment ids are 32-bit: a 14-digit one names nothing (was 400).
    token = await api_token(client, "owner.hk")
    for path in ("/establishments/45950398014312", "/establishments/54817128492/users"):
        response = await client.get(f"/api/v1{path}", headers=bearer(token))
        assert response.status_code == 404, (path, response.text)


@pytest.mark.parametrize(
    "path", ["/api/v1/declarations?cursor=1%00", "/police/declarations?q=%00", "/app/%00"]
)
async def test_a_nul_character_in_a_query_or_path_is_refused(
    client: httpx.AsyncClient, path: str
) -> None:
    """PostgreSQL cannot store or compare NUL: schemathesis found a 500 on the token
    endpoint (a username with one) on the PostgreSQL lane."""
    token = await api_token(client, "owner.hk")
    response = await client.get(path, headers=bearer(token))
    assert response.status_code == 400, response.text


async def test_a_nul_character_in_json_is_dropped(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/api/v1/auth/token", json={"username": "owner.hk\u0000", "password": "wrong"}
    )
    assert answer.status_code == 401, answer.text
    token = await api_token(client, "owner.hk")
    item = declaration(room="3\u000001", party_id="p\u0000", **{"x\u0000": "\u0000"})
    sent = await client.post(
        "/api/v1/declarations/batch", json={"declarations": [item]}, headers=bearer(token)
    )
    assert sent.status_code == 200, sent.text
    (result,) = sent.json()["results"]
    stored = await client.get(f"/api/v1/declarations/{item['id']}", headers=bearer(token))
    if result["result"] == "created":
        assert stored.json()["declaration"]["room"] == "301"
    else:  # an unknown field is reported, not stored
        assert result["result"] == "invalid" and stored.status_code == 404


async def test_a_form_with_a_nul_character_is_refused(client: httpx.AsyncClient) -> None:
    from tests.builders import csrf

    token = await csrf(client)
    response = await client.post(
        "/login", data={"username": "a\u0000", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
