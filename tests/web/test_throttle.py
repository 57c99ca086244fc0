"""Sign-in throttling: a temporary lock per username and per address, shared by the web
form and the API, that tells nobody which usernames exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from server import throttle
from server.models import AuditEvent, SignInThrottle
from tests.builders import DEMO_PASSWORD, web_login

TOKEN = "/api/v1/auth/token"


async def _token(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, json={"username": username, "password": password})


async def _fail(client: httpx.AsyncClient, username: str, times: int) -> None:
    for _ in range(times):
        response = await _token(client, username, "wrong-password")
        assert response.status_code == 401, response.text


@pytest.fixture
async def elsewhere(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client from another address."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_an_account_is_locked_after_five_failures_even_for_the_right_password(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient
) -> None:
    await _fail(client, "owner.hk", throttle.ACCOUNT_FAILURES)
    refused = await _token(client, "owner.hk", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_attempts"
    assert 800 <= int(refused.headers["retry-after"]) <= 900
    assert "15" in refused.json()["error"]["message"]
    # The lock is the account's: another address is refused too, and so is the web form.
    assert (await _token(elsewhere, "owner.hk", DEMO_PASSWORD)).status_code == 429
    page = await web_login(client, "owner.hk")
    assert page.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in page.text
    assert "session" not in page.cookies
    # Other accounts at the same address still sign in.
    assert (await _token(client, "staff.hk", DEMO_PASSWORD)).status_code == 200
    logged = await AuditEvent.filter(action="sign_in_throttled").values_list("target", flat=True)
    assert logged == ["user:owner.hk"]


async def test_unknown_usernames_are_locked_the_same_way(client: httpx.AsyncClient) -> None:
    await _fail(client, "nobody.here", throttle.ACCOUNT_FAILURES)
    refused = await _token(client, "nobody.here", "anything")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_attempts"


async def test_a_success_clears_the_count(client: httpx.AsyncClient) -> None:
    await _fail(client, "owner.hk", throttle.ACCOUNT_FAILURES - 1)
    assert (await _token(client, "owner.hk", DEMO_PASSWORD)).status_code == 200
    await _fail(client, "owner.hk", throttle.ACCOUNT_FAILURES - 1)
    assert (await _token(client, "owner.hk", DEMO_PASSWORD)).status_code == 200


async def test_an_address_guessing_across_usernames_is_locked(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient
) -> None:
    for n in range(throttle.ADDRESS_FAILURES):
        response = await _token(elsewhere, f"guess{n % 10}", "wrong-password")
        assert response.status_code == 401
    refused = await _token(elsewhere, "owner.cn", DEMO_PASSWORD)
    assert refused.status_code == 429
    # Only that address: the same account from here signs in.
    assert (await _token(client, "owner.cn", DEMO_PASSWORD)).status_code == 200


async def test_the_lock_ends_by_itself(client: httpx.AsyncClient) -> None:
    await _fail(client, "owner.hk", throttle.ACCOUNT_FAILURES)
    assert (await _token(client, "owner.hk", DEMO_PASSWORD)).status_code == 429
    await SignInThrottle.filter(key="user:owner.hk").update(
        locked_until=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await _token(client, "owner.hk", DEMO_PASSWORD)).status_code == 200


async def test_the_web_form_counts_too(client: httpx.AsyncClient) -> None:
    for _ in range(throttle.ACCOUNT_FAILURES):
        page = await web_login(client, "police.hk", "wrong-password")
        assert page.status_code == 401
    page = await web_login(client, "police.hk")
    assert page.status_code == 429
    assert page.headers["retry-after"]
