"""The receptionist's guest list on the phone: in house by room, leaving today, all;
returned declarations first with a count; a search that ignores case and diacritics,
offline; check-out in two taps and a whole room at once, queued while the server is down
and sent once it is back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Playwright, expect

from server.declarations.context import VIETNAM
from tests.browser.conftest import open_app
from tests.browser.pwa_steps import (
    SYNC_DEADLINE_MS,
    return_for_correction,
    sign_in,
    wait_for_offline_shell,
)
from tests.builders import DEMO_PASSWORD, declaration, run_async
from tests.live import LiveServer
from tests.outage.storm import database_rows


def _declare_on_the_server(server: LiveServer) -> dict[str, dict[str, Any]]:
    """Five guests of the Hồ Gươm hotel, declared by its software; one has left."""
    today = datetime.now(VIETNAM).date()
    later = (today + timedelta(days=3)).isoformat()
    guests = {
        "anna": declaration(full_name="MÜLLER ANNA", room="301", expected_departure=later),
        "jonas": declaration(
            full_name="MULLER JONAS", room="301", expected_departure=today.isoformat()
        ),
        "hoa": declaration(
            full_name="TRẦN THỊ HOA", room="202", expected_departure=today.isoformat()
        ),
        "john": declaration(full_name="SMITH JOHN", room="105"),
        "luca": declaration(full_name="ROSSI LUCA", room="404", expected_departure=later),
    }
    with httpx.Client(base_url=server.url, timeout=30) as api:
        token = api.post(
            "/api/v1/auth/token", json={"username": "owner.hk", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answer = api.post(
            "/api/v1/declarations/batch",
            json={"declarations": list(guests.values())},
            headers=headers,
        )
        assert all(r["result"] == "created" for r in answer.json()["results"]), answer.text
        left = api.post(f"/api/v1/declarations/{guests['john']['id']}/checkout", json={},
                        headers=headers)  # fmt: skip
        assert left.status_code == 200, left.text
    return guests


def _names(page: Any, selector: str) -> list[str]:
    return sorted(page.locator(f"{selector} .name").all_text_contents())


def test_the_list_views_search_and_check_out_offline(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    guests = _declare_on_the_server(own_server)
    run_async(return_for_correction(own_server.database_url, "ROSSI LUCA", "Thiếu số phòng"))
    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    try:
        sign_in(page, own_server.url, "staff.hk")
        wait_for_offline_shell(page)
        expect(page.locator("#guests .receipt")).to_have_count(4, timeout=SYNC_DEADLINE_MS)

        # In house (the default): by room, the returned one first, the departed one not.
        expect(page.locator("#view-in_house")).to_have_attribute("aria-pressed", "true")
        assert _names(page, "#returned-list") == ["ROSSI LUCA"]
        assert _names(page, "#record-list") == ["MULLER JONAS", "MÜLLER ANNA", "TRẦN THỊ HOA"]
        rooms = page.locator("#record-list section.room h2").all_text_contents()
        assert [r.split("Trả")[0].strip() for r in rooms] == ["Phòng 202", "Phòng 301"]
        expect(page.locator("#returned-count")).to_have_text("1")

        page.locator("#view-leaving").click()
        assert _names(page, "#record-list") == ["MULLER JONAS", "TRẦN THỊ HOA"]
        page.locator("#view-all").click()
        expect(page.locator("#record-list")).to_contain_text("SMITH JOHN")
        # The day's declarations, each with its receipt number (the departed one too).
        page.locator("#view-today").click()
        expect(page.locator("#guests .receipt")).to_have_count(5)

        # The server goes down; the phone keeps working.
        own_server.stop()
        page.reload()
        expect(page.locator("#new-guest")).to_be_visible()
        page.locator("#view-in_house").click()
        search = page.locator("#guest-search")
        search.fill("muller")  # Ü is a U for the search
        assert _names(page, "#record-list") == ["MULLER JONAS", "MÜLLER ANNA"]
        search.fill("tran thi")
        assert _names(page, "#record-list") == ["TRẦN THỊ HOA"]
        search.fill(guests["hoa"]["document_number"].lower())
        assert _names(page, "#record-list") == ["TRẦN THỊ HOA"]
        search.fill("301")
        assert _names(page, "#record-list") == ["MULLER JONAS", "MÜLLER ANNA"]
        search.fill("")

        # Two taps: Hoa checks out.
        page.locator(f'[data-checkout="{guests["hoa"]["id"]}"]').click()
        page.locator("#dialog-yes").click()
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 1")
        expect(page.locator("#record-list")).not_to_contain_text("TRẦN THỊ HOA")
        # Room 301 leaves together.
        page.locator('[data-checkout-room="301"]').click()
        page.locator("#dialog-yes").click()
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 3")
        expect(page.locator("#record-list")).to_have_count(0)

        # Back online: sent once, and the server has them checked out.
        own_server.start()
        page.locator("#sync-now").click()
        expect(page.locator("#unsent-count")).to_have_text("Chưa gửi: 0", timeout=SYNC_DEADLINE_MS)
    finally:
        context.close()
    left = {
        name
        for name, status in database_rows(
            own_server.database_url, "SELECT full_name, stay_status FROM declaration"
        )
        if status == "checked_out"
    }
    assert left == {"MÜLLER ANNA", "MULLER JONAS", "TRẦN THỊ HOA", "SMITH JOHN"}
    events = database_rows(
        own_server.database_url,
        "SELECT COUNT(*) FROM declaration_event WHERE action = 'checked_out'",
    )
    assert events[0][0] == 4  # each once
