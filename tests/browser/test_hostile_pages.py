"""Markup and script typed into free-text fields never runs: not in the police console,
not in the hotel app. The text shows as text, and nothing the payloads would do happens
(no dialog, no global set, no console error besides the CSP's own reports)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Error, Page, Playwright, expect

from tests.browser.conftest import open_app
from tests.browser.pwa_steps import sign_in as app_sign_in
from tests.browser.test_signin import sign_in
from tests.builders import DEMO_PASSWORD, declaration
from tests.hostile.test_hostile_text import HOSTILE, ROOM
from tests.live import LiveServer

pytestmark = pytest.mark.browser
PAYLOAD_MARK = "window.__pwned=1"


def _returned_with_hostile_text(server: LiveServer) -> str:
    """A declaration with markup in its room, a note and a return reason full of it."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": "staff.hk", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        item = declaration(room=ROOM, full_name="HOSTILE TEXT")
        http.post(
            "/api/v1/declarations/batch",
            json={"declarations": [item]},
            headers={"Authorization": f"Bearer {token}"},
        )
    with httpx.Client(base_url=server.url, timeout=10) as police:
        police.get("/login")
        police.post(
            "/login",
            data={
                "username": "police.hk",
                "password": DEMO_PASSWORD,
                "csrf_token": police.cookies["csrftoken"],
            },
        )
        page = f"/police/declarations/{item['id']}"
        for path, form in (
            (f"{page}/note", {"note": HOSTILE}),
            (
                f"{page}/decide",
                {"decision": "return", "version": "1", "reason_code": "other", "reason": HOSTILE},
            ),
        ):
            answer = police.post(path, data={**form, "csrf_token": police.cookies["csrftoken"]})
            assert answer.status_code == 303, answer.text[:300]
    return str(item["id"])


def _watch(page: Page, dialogs: list[str], errors: list[str]) -> None:
    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_error(error: Error) -> None:
        errors.append(str(error))

    page.on("dialog", on_dialog)
    page.on("pageerror", on_error)


def _nothing_ran(page: Page, dialogs: list[str], errors: list[str]) -> None:
    assert page.evaluate("() => window.__pwned === undefined")
    assert dialogs == []
    assert [e for e in errors if "Content Security Policy" not in e] == []


def test_no_script_runs_in_the_police_console_or_the_app(
    browser: Browser, playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    record_id = _returned_with_hostile_text(own_server)
    dialogs: list[str] = []
    errors: list[str] = []

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    _watch(page, dialogs, errors)
    sign_in(page, own_server, "police.hk")
    for path in (f"/police/declarations/{record_id}", "/police/declarations?state=all"):
        page.goto(f"{own_server.url}{path}")
        expect(page.locator("main")).to_contain_text("HOSTILE TEXT")
        _nothing_ran(page, dialogs, errors)
    page.goto(f"{own_server.url}/police/declarations/{record_id}")
    expect(page.locator("main")).to_contain_text(PAYLOAD_MARK)  # shown, as text
    expect(page.locator("main")).to_contain_text(ROOM)
    assert page.locator("main script, main img[src=x], main svg[onload]").count() == 0
    context.close()

    app, phone = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    _watch(phone, dialogs, errors)
    app_sign_in(phone, own_server.url, "staff.hk")
    # Returned by the police (the reason is the payload): listed first, on its own.
    expect(phone.locator("#guests")).to_contain_text(ROOM, timeout=30_000)
    phone.locator("#guests").get_by_text("HOSTILE TEXT").click()
    expect(phone.locator("body")).to_contain_text(PAYLOAD_MARK)  # the police reason, as text
    _nothing_ran(phone, dialogs, errors)
    assert phone.locator("#guests script, #guests img[src=x]").count() == 0
    app.close()
