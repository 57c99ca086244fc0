"""Numbers in paths and queries that no column can hold, or that only look like digits:
refused or not found, never a crash (schemathesis, in test_schemathesis.py, makes up
ids too; these are the ones that once broke a driver or ``int()``)."""

from __future__ import annotations

import httpx
import pytest

from tests.builders import api_token, bearer


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
