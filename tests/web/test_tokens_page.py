"""The owner's page for API tokens used by hotel software."""

from __future__ import annotations

import re

import httpx

from server.models import ApiToken
from tests.builders import bearer, csrf, web_login


async def test_owner_creates_a_token_that_works_and_revokes_it(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    token = await csrf(client, "/hotel/tokens")
    created = await client.post(
        "/hotel/tokens", data={"name": "Front desk PMS", "csrf_token": token}
    )
    assert created.status_code == 200
    secret = re.search(r'id="new-token">(lt_[\w-]+)<', created.text)
    assert secret, "the new token is shown once"
    api = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    assert (await api.get("/api/v1/me", headers=bearer(secret.group(1)))).status_code == 200
    listing = await client.get("/hotel/tokens")
    assert "Front desk PMS" in listing.text and secret.group(1) not in listing.text
    stored = await ApiToken.get(name="Front desk PMS")
    revoked = await client.post(f"/hotel/tokens/{stored.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert (await api.get("/api/v1/me", headers=bearer(secret.group(1)))).status_code == 401
    await api.aclose()


async def test_only_owners_and_only_their_own_tokens(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.cn")
    token = await csrf(client, "/hotel/tokens")
    await client.post("/hotel/tokens", data={"name": "CN PMS", "csrf_token": token})
    cn_token = await ApiToken.get(name="CN PMS")
    client.cookies.clear()
    await web_login(client, "owner.hk")
    token = await csrf(client, "/hotel/tokens")
    stolen = await client.post(f"/hotel/tokens/{cn_token.id}/revoke", data={"csrf_token": token})
    assert stolen.status_code == 404
    assert (await ApiToken.get(id=cn_token.id)).revoked_at is None
    assert "CN PMS" not in (await client.get("/hotel/tokens")).text
    for username in ("staff.hk", "police.hk"):
        client.cookies.clear()
        await web_login(client, username)
        assert (await client.get("/hotel/tokens")).status_code == 403


async def test_a_nameless_token_is_refused_with_a_message(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    token = await csrf(client, "/hotel/tokens")
    response = await client.post("/hotel/tokens", data={"name": " ", "csrf_token": token})
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert await ApiToken.all().count() == 0
