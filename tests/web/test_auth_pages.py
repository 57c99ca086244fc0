"""Signing in on the web: the right home per role, sessions, CSRF, language."""

from __future__ import annotations

import httpx
import pytest

from server.models import Establishment, WebSession
from tests.builders import DEMO_PASSWORD, csrf, signed_out, web_login

HOMES = {
    "owner.hk": "/hotel/",
    "staff.hk": "/hotel/",
    "owner.cn": "/hotel/",
    "police.hk": "/police/",
    "police.cn": "/police/",
    "pa08.hn": "/police/",
    "admin": "/admin/",
}


async def test_sign_in_page_in_vietnamese_by_default_and_english_on_request(
    client: httpx.AsyncClient,
) -> None:
    vi = await client.get("/login")
    assert vi.status_code == 200
    assert '<html lang="vi">' in vi.text and "Đăng nhập" in vi.text
    en = await client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in en.text and "Sign in" in en.text


@pytest.mark.parametrize(("username", "home"), sorted(HOMES.items()))
async def test_every_demo_account_lands_on_its_home(
    client: httpx.AsyncClient, username: str, home: str
) -> None:
    response = await web_login(client, username)
    assert response.status_code == 303
    assert response.headers["location"] == home
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = await client.get(home)
    assert page.status_code == 200
    assert (await client.get("/")).headers["location"] == home


async def test_police_home_names_the_unit(client: httpx.AsyncClient) -> None:
    await web_login(client, "police.hk")
    page = await client.get("/police/")
    assert "Công an phường Hoàn Kiếm" in page.text
    await web_login(client, "pa08.hn")


async def test_wrong_password_says_nothing_about_the_user(client: httpx.AsyncClient) -> None:
    wrong = await web_login(client, "owner.hk", "bad-password")
    unknown = await web_login(client, "no.such.user", "bad-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in wrong.text
    assert wrong.text.replace("owner.hk", "X") == unknown.text.replace("no.such.user", "X")


async def test_form_without_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/login", data={"username": "owner.hk", "password": "demo-password"}
    )
    assert response.status_code == 403
    assert "csrf_failed" in response.text
    assert "session" not in response.headers.get("set-cookie", "")


async def test_sign_out_ends_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    await web_login(client, "police.cn")
    key = client.cookies.get("session")
    assert await WebSession.all().count() == 1
    token = await csrf(client, "/police/")
    response = await client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert await WebSession.all().count() == 0
    client.cookies.set("session", str(key))  # a stolen copy of the old cookie is useless
    assert signed_out(await client.get("/police/"))


async def test_anonymous_page_asks_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/police/establishments?status=active")
    assert signed_out(response)
    wanted = "/login?next=%2Fpolice%2Festablishments%3Fstatus%3Dactive"
    assert response.headers["location"] == wanted
    # Signed in from there, the officer lands where they were going.
    token = await csrf(client, response.headers["location"])
    back = await client.post(
        "/login",
        data={"username": "police.hk", "password": DEMO_PASSWORD, "csrf_token": token,
              "next": "/police/establishments?status=active"},
    )  # fmt: skip
    assert back.headers["location"] == "/police/establishments?status=active"


async def test_hotel_accounts_cannot_open_the_police_console(client: httpx.AsyncClient) -> None:
    await web_login(client, "owner.hk")
    assert (await client.get("/police/")).status_code == 403
    assert (await client.get("/admin/")).status_code == 403


async def test_police_cannot_open_the_other_wards_establishment(client: httpx.AsyncClient) -> None:
    ids = {e.ward_id: e.id for e in await Establishment.all()}
    await web_login(client, "police.hk")
    own = await client.get(f"/police/establishments/{ids[70]}")
    other = await client.get(f"/police/establishments/{ids[73]}")
    assert own.status_code == 200 and "owner.hk" in own.text
    assert other.status_code == 404
    assert "owner.cn" not in other.text and "Cửa Nam" not in other.text
    listing = await client.get("/police/establishments")
    assert "Hồ Gươm" in listing.text and "Cửa Nam (demo)" not in listing.text


async def test_province_immigration_sees_both_wards(client: httpx.AsyncClient) -> None:
    await web_login(client, "pa08.hn")
    listing = await client.get("/police/establishments")
    assert "Hồ Gươm" in listing.text and "Cửa Nam (demo)" in listing.text


async def test_bad_filters_are_clear_errors(client: httpx.AsyncClient) -> None:
    await web_login(client, "pa08.hn")
    assert (await client.get("/police/establishments?status=nope")).status_code == 400
    assert (await client.get("/police/establishments?after=x")).status_code == 400


async def test_language_choice_is_remembered_on_the_account(client: httpx.AsyncClient) -> None:
    await web_login(client, "police.hk")
    token = await csrf(client, "/police/")
    response = await client.post(
        "/language", data={"lang": "en", "next": "/police/", "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["location"] == "/police/"
    page = await client.get("/police/", headers={"Accept-Language": "vi"})
    assert '<html lang="en">' in page.text and "Hoàn Kiếm Ward Police" in page.text
    # A new browser (no cookies) signing in as the same user gets English too.
    client.cookies.clear()
    await web_login(client, "police.hk")
    assert '<html lang="en">' in (await client.get("/police/")).text


async def test_language_switch_before_sign_in_uses_a_cookie(client: httpx.AsyncClient) -> None:
    token = await csrf(client)
    await client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert '<html lang="en">' in (await client.get("/login")).text


async def test_sign_in_never_redirects_off_site(client: httpx.AsyncClient) -> None:
    token = await csrf(client)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = await client.post(
            "/login",
            data={
                "username": "owner.hk",
                "password": "demo-password",
                "next": target,
                "csrf_token": token,
            },
        )
        assert response.headers["location"] == "/hotel/"


# Who must NOT reach each page: every other role gets 403, and anonymous callers 401.
PAGE_ROLES = {
    "/hotel/": {"owner.hk", "staff.hk", "owner.cn"},
    "/hotel/tokens": {"owner.hk", "owner.cn"},
    "/hotel/upload": {"owner.hk", "staff.hk", "owner.cn"},
    "/hotel/upload/template.csv": {"owner.hk", "staff.hk", "owner.cn"},
    "/police/": {"police.hk", "police.cn", "pa08.hn"},
    "/police/establishments": {"police.hk", "police.cn", "pa08.hn"},
    "/admin/": {"admin"},
}


@pytest.mark.parametrize("path", sorted(PAGE_ROLES))
async def test_pages_refuse_every_other_role(client: httpx.AsyncClient, path: str) -> None:
    assert signed_out(await client.get(path))
    for username in sorted(HOMES):
        client.cookies.clear()
        await web_login(client, username)
        expected = 200 if username in PAGE_ROLES[path] else 403
        assert (await client.get(path)).status_code == expected, username


async def test_idle_and_expired_sessions_end(client: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime, timedelta

    await web_login(client, "police.hk")
    assert (await client.get("/police/")).status_code == 200
    await WebSession.all().update(last_seen_at=datetime.now(UTC) - timedelta(hours=3))
    assert signed_out(await client.get("/police/"))  # idle for longer than 2 h
    assert await WebSession.all().count() == 0
    client.cookies.clear()
    await web_login(client, "police.hk")
    await WebSession.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert signed_out(await client.get("/police/"))  # past the absolute lifetime


def test_next_never_leads_off_site() -> None:
    """Review finding 12: browsers drop tabs and newlines, so /\\t/evil.example/ is //evil…"""
    from server.web.auth import safe_next

    hostile_targets = (
        "/\t/evil.example/", "/\n/evil.example", "//evil.example", "/\\evil.example",
        "/ /evil.example", "/\x00/evil", "/\x7f/x", "https://evil.example", "",
    )  # fmt: skip
    for hostile in hostile_targets:
        assert safe_next(hostile) is None, repr(hostile)
    assert safe_next("/hotel/?page=2") == "/hotel/?page=2"


async def test_signed_in_answers_are_never_cached(client: httpx.AsyncClient) -> None:
    """Review finding 13: pages, PDFs and exports with guests' data were cacheable."""
    await web_login(client, "owner.hk")
    for path in ("/hotel/", "/reports", "/reports/export.csv", "/receipts/day"):
        answer = await client.get(path)
        assert answer.headers.get("cache-control") == "no-store", path
    # The shared app shell stays cacheable.
    assert (await client.get("/static/app.css")).headers.get("cache-control") != "no-store"


async def test_the_api_ignores_the_cookie_session(client: httpx.AsyncClient) -> None:
    """Review finding 11: a cross-site text/plain POST with the cookie used to be accepted."""
    await web_login(client, "owner.hk")
    assert (await client.get("/hotel/")).status_code == 200  # the cookie works on pages
    forged = await client.post(
        "/api/v1/declarations/batch",
        content=b'{"declarations": []}',
        headers={"content-type": "text/plain"},
    )
    assert forged.status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401
