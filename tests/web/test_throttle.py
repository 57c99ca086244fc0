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
    # The lock holds for this address, the web form included. Another address is only
    # slowed down a little (review finding 7: a stranger must not lock an account out).
    other = await _token(elsewhere, "owner.hk", DEMO_PASSWORD)
    assert other.status_code == 200 or int(other.headers["retry-after"]) <= 60
    page = await web_login(client, "owner.hk")
    assert page.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in page.text
    assert "session" not in page.cookies
    # Other accounts at the same address still sign in.
    assert (await _token(client, "staff.hk", DEMO_PASSWORD)).status_code == 200
    rows = await AuditEvent.filter(action="sign_in_throttled").values_list("target", flat=True)
    logged = [str(target) for target in rows]
    assert "user:owner.hk@127.0.0.1" in logged
    assert all(target.startswith("user:owner.hk") for target in logged)


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
    await SignInThrottle.filter(key__startswith="user:owner.hk").update(
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


async def test_a_stranger_cannot_lock_an_account_out(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient
) -> None:
    """Review finding 7: five bad passwords from anywhere locked any named account for 15
    minutes. Now the guesser's own address is locked; the account's holder waits at most
    a short, growing delay."""
    await _fail(elsewhere, "police.hk", throttle.ACCOUNT_FAILURES)
    guesser = await _token(elsewhere, "police.hk", DEMO_PASSWORD)
    assert guesser.status_code == 429 and int(guesser.headers["retry-after"]) > 600
    holder = await _token(client, "police.hk", DEMO_PASSWORD)
    assert holder.status_code == 200 or int(holder.headers["retry-after"]) <= throttle.DELAYS[0]
    # Once the short wait is over, the holder signs in; the guesser is still locked.
    await SignInThrottle.filter(key="user:police.hk").update(
        locked_until=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await _token(client, "police.hk", DEMO_PASSWORD)).status_code == 200
    assert (await _token(elsewhere, "police.hk", DEMO_PASSWORD)).status_code == 429


async def test_an_address_is_slowed_down_not_locked(client: httpx.AsyncClient) -> None:
    """Behind a proxy every client may share one address: delays, never a 15-minute lock."""
    for n in range(throttle.ADDRESS_FAILURES):
        await _token(client, f"guess{n}", "wrong")
    refused = await _token(client, "staff.hk", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) <= max(throttle.DELAYS)


def test_the_proxy_setting_reaches_uvicorn() -> None:
    from server import settings as settings_module
    from server.__main__ import uvicorn_options

    base = {"TESTING": "1", "DATABASE_URL": "sqlite://x.sqlite3"}
    plain = uvicorn_options(settings_module.load(base))
    assert plain["proxy_headers"] is False
    behind = uvicorn_options(settings_module.load(base | {"FORWARDED_ALLOW_IPS": "10.0.0.5"}))
    assert behind["proxy_headers"] is True and behind["forwarded_allow_ips"] == "10.0.0.5"
