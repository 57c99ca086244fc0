"""Two-factor sign-in (TOTP): enrolment with a QR code, sign-in with a code, recovery
codes, and the requirement for police and administrators."""

from __future__ import annotations

import dataclasses
import re
import time
from typing import cast

import httpx
from starlette.applications import Starlette

from server import totp
from server.models import RecoveryCode, User
from tests.builders import DEMO_PASSWORD, csrf, signed_out, web_login


def plain(user: User) -> str:
    """The user's second-factor secret in clear, opened with the test server's key."""
    from server import settings as settings_module

    assert user.totp_secret
    keys = settings_module.load({"TESTING": "1", "DATABASE_URL": "sqlite://x"}).secret_keys
    return totp.unseal(user.totp_secret, keys)[0]


async def submit(client: httpx.AsyncClient, path: str, page: str, **form: str) -> httpx.Response:
    token = await csrf(client, page)
    return await client.post(path, data={"csrf_token": token, **form})


async def enrol(client: httpx.AsyncClient, page: str = "/account/two-factor") -> list[str]:
    """Set up two-factor sign-in from ``page``; the recovery codes shown."""
    started = await submit(
        client, "/account/two-factor/start", page, current_password=DEMO_PASSWORD
    )
    assert started.status_code == 200 and "<svg" in started.text  # the QR code, drawn inline
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
    assert secret
    stored = await User.get(totp_enabled_at__isnull=True, totp_secret__isnull=False)
    assert stored.totp_enabled_at is None  # not on until a code proves the app has it
    # At rest the secret is sealed (review finding 14): not the key the page shows.
    assert stored.totp_secret and secret.group(1) not in stored.totp_secret
    assert plain(stored) == secret.group(1)
    wrong = await submit(client, "/account/two-factor/confirm", page, code="000000")
    assert wrong.status_code == 422
    done = await submit(
        client, "/account/two-factor/confirm", page, code=totp.now_code(secret.group(1))
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", done.text)
    assert len(codes) == 10
    return codes


async def test_an_owner_turns_it_on_and_then_needs_a_code(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    codes = await enrol(client)
    user = await User.get(username="owner.hk")
    assert user.totp_enabled_at is not None and user.totp_secret
    # Recovery codes are stored hashed, never in clear.
    hashes = cast(
        list[str], await RecoveryCode.filter(user_id=user.id).values_list("code_hash", flat=True)
    )
    assert len(hashes) == 10 and codes[0] not in hashes

    client.cookies.clear()
    first = await web_login(client, "owner.hk")
    assert first.headers["location"].startswith("/login/code")
    assert signed_out(await client.get("/hotel/"))  # half signed in is not signed in
    # A code of the next step (the clock may be ahead on the phone) is accepted...
    code = totp.now_code(plain(user), time.time() + 30)
    ok = await submit(client, first.headers["location"], "/login/code", code=code)
    assert ok.status_code == 303 and ok.headers["location"] == "/hotel/"
    assert (await client.get("/hotel/")).status_code == 200
    # Posting a code once signed in changes nothing (and is no error).
    extra = await submit(client, "/login/code", "/hotel/", code="123456")
    assert extra.status_code == 303 and extra.headers["location"] == "/hotel/"

    # ...but never twice.
    client.cookies.clear()
    second = await web_login(client, "owner.hk")
    again = await submit(client, second.headers["location"], "/login/code", code=code)
    assert again.status_code == 401
    # A recovery code works once.
    rescue = await submit(client, second.headers["location"], "/login/code", code=codes[0].upper())
    assert rescue.status_code == 303
    client.cookies.clear()
    third = await web_login(client, "owner.hk")
    reused = await submit(client, third.headers["location"], "/login/code", code=codes[0])
    assert reused.status_code == 401


async def test_five_wrong_codes_end_the_half_finished_sign_in(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    await enrol(client)
    client.cookies.clear()
    first = await web_login(client, "owner.hk")
    for _ in range(4):
        wrong = await submit(client, "/login/code", "/login/code", code="123456")
        assert wrong.status_code == 401
    last = await submit(client, "/login/code", "/login/code", code="123456")
    assert last.status_code == 303 and last.headers["location"] == "/login"
    assert first.status_code == 303
    assert signed_out(await client.get("/login/code"))


async def test_the_api_asks_for_the_code_in_the_same_request(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    await enrol(client)
    user = await User.get(username="owner.hk")
    assert user.totp_secret
    body = {"username": "owner.hk", "password": DEMO_PASSWORD}
    missing = await client.post("/api/v1/auth/token", json=body)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "second_factor_required"
    wrong = await client.post("/api/v1/auth/token", json=body | {"code": "000000"})
    assert wrong.json()["error"]["code"] == "invalid_code"
    # The enrolment used the current step's code: the next step's one is still new.
    code = totp.now_code(plain(user), time.time() + 30)
    ok = await client.post("/api/v1/auth/token", json=body | {"code": code})
    assert ok.status_code == 200 and ok.json()["access_token"]


async def test_police_must_enrol_at_their_first_sign_in_when_required(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    app.state.settings = dataclasses.replace(app.state.settings, two_factor_required=True)
    first = await web_login(client, "police.hk")
    assert first.headers["location"].startswith("/account/two-factor")
    assert signed_out(await client.get("/police/"))
    page = await client.get(first.headers["location"])
    assert "bắt buộc" in page.text  # "your account must use two-factor sign-in"
    await enrol(client, first.headers["location"])
    assert (await client.get("/police/")).status_code == 200
    # It cannot be turned off while required.
    refused = await submit(
        client, "/account/two-factor/disable", "/account/two-factor", current_password=DEMO_PASSWORD
    )
    assert refused.status_code == 403
    # The API refuses a police account that has not enrolled.
    answer = await client.post(
        "/api/v1/auth/token", json={"username": "pa08.hn", "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "second_factor_enrolment_required"
    # Hotel accounts stay optional.
    client.cookies.clear()
    owner = await web_login(client, "owner.hk")
    assert owner.headers["location"] == "/hotel/"


async def test_an_owner_can_turn_it_off_with_the_password(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    await enrol(client)
    wrong = await submit(
        client, "/account/two-factor/disable", "/account/two-factor", current_password="nope"
    )
    assert wrong.status_code == 403
    off = await submit(
        client, "/account/two-factor/disable", "/account/two-factor", current_password=DEMO_PASSWORD
    )
    assert off.status_code == 303
    user = await User.get(username="owner.hk")
    assert user.totp_secret is None and not await RecoveryCode.exists(user_id=user.id)


async def _enrolled_owner(client: httpx.AsyncClient) -> tuple[User, dict[str, str]]:
    await web_login(client, "owner.hk")
    await enrol(client)
    client.cookies.clear()
    user = await User.get(username="owner.hk")
    return user, {"username": "owner.hk", "password": DEMO_PASSWORD}


async def test_wrong_codes_over_the_api_lock_the_account(client: httpx.AsyncClient) -> None:
    """Review finding 1: with the right password, wrong codes were never counted."""
    user, body = await _enrolled_owner(client)
    assert user.totp_secret
    for _ in range(5):
        wrong = await client.post("/api/v1/auth/token", json=body | {"code": "000000"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_code"
    code = totp.now_code(plain(user), time.time() + 30)
    locked = await client.post("/api/v1/auth/token", json=body | {"code": code})
    assert locked.status_code == 429 and "retry-after" in locked.headers
    # The web sign-in is locked as well: one count per account, whatever the path.
    web = await web_login(client, "owner.hk")
    assert web.status_code == 429


async def test_a_right_password_does_not_clear_the_code_failures(client: httpx.AsyncClient) -> None:
    """Signing in again (password right) used to start a fresh count of code guesses."""
    _user, body = await _enrolled_owner(client)
    for _ in range(4):
        assert (
            await client.post("/api/v1/auth/token", json=body | {"code": "000000"})
        ).status_code == 401
    first = await web_login(client, "owner.hk")
    assert first.status_code == 303 and first.headers["location"].startswith("/login/code")
    fifth = await submit(client, "/login/code", "/login/code", code="123456")
    assert fifth.status_code in (303, 401)
    client.cookies.clear()
    assert (await web_login(client, "owner.hk")).status_code == 429


async def test_a_completed_sign_in_clears_the_count(client: httpx.AsyncClient) -> None:
    user, body = await _enrolled_owner(client)
    assert user.totp_secret
    for _ in range(4):
        assert (
            await client.post("/api/v1/auth/token", json=body | {"code": "000000"})
        ).status_code == 401
    code = totp.now_code(plain(user), time.time() + 30)
    assert (await client.post("/api/v1/auth/token", json=body | {"code": code})).status_code == 200
    for _ in range(4):
        assert (
            await client.post("/api/v1/auth/token", json=body | {"code": "000000"})
        ).status_code == 401


async def test_codes_in_other_scripts_are_read_as_their_digits(client: httpx.AsyncClient) -> None:
    """Review finding 9: Arabic-Indic or full-width digits answered 500."""
    user, body = await _enrolled_owner(client)
    assert user.totp_secret
    code = totp.now_code(plain(user), time.time() + 30)
    arabic = "".join(chr(0x0660 + int(d)) for d in code)
    wide = "".join(chr(0xFF10 + int(d)) for d in code)
    odd = await client.post("/api/v1/auth/token", json=body | {"code": "²³¹⁴⁵⁶"})
    assert odd.status_code == 401
    assert (
        await client.post("/api/v1/auth/token", json=body | {"code": arabic})
    ).status_code == 200
    # Full-width digits, as some phone keyboards type them.
    assert totp.verify(plain(user), wide, None) is not None


async def test_turning_it_on_needs_the_password_when_already_signed_in(
    client: httpx.AsyncClient,
) -> None:
    """Review finding 10: a stolen session could enrol its own authenticator."""
    await web_login(client, "owner.hk")
    token = await csrf(client, "/account/two-factor")
    refused = await client.post("/account/two-factor/start", data={"csrf_token": token})
    assert refused.status_code == 403
    wrong = await client.post(
        "/account/two-factor/start", data={"csrf_token": token, "current_password": "nope"}
    )
    assert wrong.status_code == 403
    assert (await User.get(username="owner.hk")).totp_secret is None
    await enrol(client)  # with the password: on


def test_a_secret_sealed_under_a_previous_key_still_opens_and_is_resealed() -> None:
    """Rotation: SECRET_KEY_PREVIOUS keeps old seals readable until they are redone."""
    secret = totp.new_secret()
    old = totp.seal(secret, "an old secret key that is long enough!!")
    assert old.startswith("e1:") and len(old) <= 64
    assert totp.unseal(
        old, ("the new secret key, also long enough!!", "an old secret key that is long enough!!")
    ) == (secret, True)
    assert totp.unseal(totp.seal(secret, "k" * 40), ("k" * 40,)) == (secret, False)
    assert totp.unseal(secret, ("k" * 40,)) == (secret, True)  # stored in clear: reseal
    try:
        totp.unseal(old, ("some other key entirely, long enough!",))
    except ValueError:
        pass
    else:
        raise AssertionError("a foreign key must not open the secret")
