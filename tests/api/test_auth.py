"""API sign-in: tokens issued, listed, revoked; failures that reveal nothing."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from starlette.applications import Starlette

from server import security
from server.models import ApiToken, User
from tests.builders import DEMO_PASSWORD, api_token, bearer


async def test_password_grant_returns_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token", json={"username": "owner.hk", "password": "demo-password"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("lt_")
    assert body["expires_in"] > 0
    assert body["user"]["username"] == "owner.hk"
    assert body["user"]["role"] == "owner"
    assert response.headers["cache-control"] == "no-store"
    me = await client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "owner.hk"


async def test_oauth2_form_grant_works_too(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "POLICE.HK", "password": "demo-password"},
    )
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "police.hk"


async def test_wrong_password_and_unknown_user_look_the_same(client: httpx.AsyncClient) -> None:
    wrong = await client.post(
        "/api/v1/auth/token", json={"username": "owner.hk", "password": "nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/token", json={"username": "nobody.here", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "owner.hk" not in wrong.text


async def test_error_message_follows_the_language(client: httpx.AsyncClient) -> None:
    creds = {"username": "owner.hk", "password": "nope"}
    vi = await client.post("/api/v1/auth/token", json=creds)
    en = await client.post("/api/v1/auth/token", json=creds, headers={"Accept-Language": "en"})
    assert vi.json()["error"]["message"] == "Sai tên đăng nhập hoặc mật khẩu."
    assert en.json()["error"]["message"] == "Wrong username or password."


async def test_disabled_account_cannot_get_a_token(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await User.filter(username="staff.hk").update(is_active=False)
    response = await client.post(
        "/api/v1/auth/token", json={"username": "staff.hk", "password": "demo-password"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "account_disabled"


async def test_disabling_an_account_stops_its_tokens(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    await User.filter(username="staff.hk").update(is_active=False)
    response = await client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401


async def test_missing_credentials_are_a_clear_400(client: httpx.AsyncClient) -> None:
    bodies: list[object] = [{}, {"username": "x"}, [], "text"]
    for body in bodies:
        response = await client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "missing_credentials"


async def test_revoked_token_stops_working_at_once(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "owner.hk")
    other = await api_token(client, "owner.hk")
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    tokens = (await client.get("/api/v1/auth/tokens", headers=bearer(other))).json()["tokens"]
    assert len(tokens) == 2
    target = next(t for t in tokens if token.startswith(t["prefix"]))
    revoked = await client.delete(f"/api/v1/auth/tokens/{target['id']}", headers=bearer(other))
    assert revoked.status_code == 200
    assert revoked.json()["token"]["revoked_at"]
    after = await client.get("/api/v1/me", headers=bearer(token))
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_token"
    assert after.headers["www-authenticate"] == "Bearer"
    assert (await client.get("/api/v1/me", headers=bearer(other))).status_code == 200


async def test_a_token_can_revoke_itself(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "owner.cn")
    tokens = (await client.get("/api/v1/auth/tokens", headers=bearer(token))).json()["tokens"]
    await client.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}", headers=bearer(token))
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_expired_token_is_refused(client: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime, timedelta

    token = await api_token(client, "owner.hk")
    await ApiToken.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_tokens_are_listed_per_user_and_others_cannot_revoke(
    client: httpx.AsyncClient,
) -> None:
    hk = await api_token(client, "owner.hk")
    cn = await api_token(client, "owner.cn")
    cn_tokens = (await client.get("/api/v1/auth/tokens", headers=bearer(cn))).json()["tokens"]
    hk_tokens = (await client.get("/api/v1/auth/tokens", headers=bearer(hk))).json()["tokens"]
    assert {t["id"] for t in cn_tokens}.isdisjoint({t["id"] for t in hk_tokens})
    stolen = await client.delete(f"/api/v1/auth/tokens/{cn_tokens[0]['id']}", headers=bearer(hk))
    assert stolen.status_code == 404
    assert (await client.get("/api/v1/me", headers=bearer(cn))).status_code == 200


async def test_tokens_are_stored_hashed(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "owner.hk")
    stored = await ApiToken.all()
    assert stored and all(token not in (t.token_hash, t.prefix) for t in stored)
    assert all(len(t.token_hash) == 64 for t in stored)


async def test_garbage_bearer_is_401_not_500(client: httpx.AsyncClient) -> None:
    for value in ("Bearer ", "Bearer x", "Bearer " + "é" * 50, "bearer lt_" + "A" * 2000):
        # Raw UTF-8 bytes on the wire, as a hostile client would send them.
        response = await client.get("/api/v1/me", headers=[(b"authorization", value.encode())])
        assert response.status_code == 401
        assert set(response.json()["error"]) == {"code", "message", "fields"}


async def test_anonymous_api_call_is_401_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_a_police_token_has_a_web_sessions_limits(client: httpx.AsyncClient) -> None:
    """Review finding 2: police tokens lived 90 days with no idle timeout."""
    from datetime import UTC, datetime, timedelta

    answer = await client.post(
        "/api/v1/auth/token", json={"username": "police.hk", "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 200
    assert answer.json()["expires_in"] <= 12 * 3600  # SESSION_MAX_AGE, not 90 days
    token = answer.json()["access_token"]
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    # Idle longer than SESSION_IDLE_TIMEOUT: gone, as a web session would be.
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    await ApiToken.filter(id=answer.json()["token"]["id"]).update(
        last_used_at=long_ago, created_at=long_ago
    )
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
    # A hotel's token (hotel software) keeps its long life.
    hotel = await client.post(
        "/api/v1/auth/token", json={"username": "owner.hk", "password": DEMO_PASSWORD}
    )
    assert hotel.json()["expires_in"] > 30 * 24 * 3600


async def _longest_gap(until: asyncio.Task[object]) -> float:
    """The longest the event loop went without running this task, until ``until`` ends."""
    longest, last = 0.0, time.perf_counter()
    while not until.done():
        await asyncio.sleep(0.002)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    return longest


async def test_a_sign_in_does_not_stop_the_event_loop(client: httpx.AsyncClient) -> None:
    """Argon2 spends a tenth of a second or more by design: on worker threads, every
    other request of the process goes on meanwhile."""
    stored = await User.get(username="staff.hk").values_list("password_hash", flat=True)
    started = time.perf_counter()
    assert security.verify_password(str(stored), DEMO_PASSWORD)
    argon2 = time.perf_counter() - started
    sign_in = asyncio.create_task(
        client.post("/api/v1/auth/token", json={"username": "staff.hk", "password": DEMO_PASSWORD})
    )
    gap = await _longest_gap(sign_in)
    assert (await sign_in).status_code == 200
    assert gap < argon2 / 2, (gap, argon2)


async def test_a_flood_of_sign_ins_is_told_to_come_back(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ARGON2_WAITING sign-ins waiting for a worker, the next is answered 503 with
    Retry-After at once instead of piling up; the others are answered as always."""
    monkeypatch.setattr(security, "ARGON2_AT_ONCE", 1)
    monkeypatch.setattr(security, "ARGON2_WAITING", 1)

    async def attempt(n: int) -> httpx.Response:
        return await client.post(
            "/api/v1/auth/token",
            json={"username": f"nobody{n}", "password": "wrong"},
            headers={"Accept-Language": "en"},
        )

    answers = await asyncio.gather(*(attempt(n) for n in range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert 401 in statuses and 503 in statuses, statuses
    assert set(statuses) == {401, 503}
    for busy in (a for a in answers if a.status_code == 503):
        assert 2 <= int(busy.headers["retry-after"]) <= 5
        assert busy.json()["error"]["code"] == "unavailable"
