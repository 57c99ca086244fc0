"""After a police decision the establishment rates the service; reports show it."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from server.models import Feedback
from tests.builders import api_token, declaration, send_batch
from tests.police import steps


async def _decided(client: httpx.AsyncClient, app: Starlette) -> str:
    token = await api_token(client, "staff.hk")
    item = declaration()
    assert (await send_batch(client, token, [item])).status_code == 200
    officer = await steps.officer(app, "police.hk")
    page = f"/police/declarations/{item['id']}"
    done = await steps.post_form(officer, f"{page}/decide", page, decision="confirm", version="1")
    assert done.status_code == 303
    return str(item["id"])


async def test_an_establishment_rates_a_decision_once_and_the_report_shows_it(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await _decided(client, app)
    staff = await steps.officer(app, "staff.hk")
    page = (await staff.get("/hotel/feedback")).text
    event = re.search(r'data-event="(\d+)"', page)
    assert event, "the decision should be offered for rating"
    path = f"/hotel/feedback/{event.group(1)}"
    bad = await steps.post_form(staff, path, "/hotel/feedback", rating="9")
    assert bad.status_code == 422
    rated = await steps.post_form(
        staff, path, "/hotel/feedback", rating="4", comment="Nhanh, rõ ràng"
    )
    assert rated.status_code == 303
    again = await steps.post_form(staff, path, "/hotel/feedback", rating="1")
    assert again.status_code == 409
    assert await Feedback.filter(rating=4).count() == 1
    assert 'data-event="' not in (await staff.get("/hotel/feedback")).text  # rated: gone

    other = await steps.officer(app, "owner.cn")
    refused = await steps.post_form(other, path, "/hotel/feedback", rating="1")
    assert refused.status_code == 404
    police = await steps.officer(app, "police.hk")
    refused = await steps.post_form(police, path, "/police/", rating="1")
    assert refused.status_code == 403

    report = (await police.get("/reports")).text
    assert "Nhanh, rõ ràng" in report and "4.0 ★" in report
    elsewhere = await steps.officer(app, "police.cn")
    assert "Nhanh, rõ ràng" not in (await elsewhere.get("/reports")).text
