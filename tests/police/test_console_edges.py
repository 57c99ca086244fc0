"""The console's edges, as a new officer trips over them: search across states, the work
on the home page, ticked rows confirmed, words instead of codes, the favicon."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
from starlette.applications import Starlette

from server import codes, labels
from server.declarations import lifecycle
from server.models import Declaration, ReviewState, StayStatus
from tests.builders import csrf, declaration, declared
from tests.police import steps


async def _declared(client: httpx.AsyncClient, token: str, **overrides: Any) -> dict[str, Any]:
    return (await declared(client, token, **overrides))[0]


async def test_a_search_finds_a_guest_in_any_state(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    item = await _declared(client, hotel, full_name="NGUYEN VAN CONFIRMED")
    await Declaration.filter(id=item["id"]).update(review_state=ReviewState.CONFIRMED)
    officer = await steps.officer(app, "police.hk")
    # From the home page's search box (no tab chosen): every state.
    found = await officer.get("/police/declarations?name=nguyen+van+conf")
    assert steps.ids(found.text) == [item["id"]]
    by_document = await officer.get(f"/police/declarations?doc={item['document_number']}")
    assert steps.ids(by_document.text) == [item["id"]]
    # On the "not reviewed" tab: none there, and the page says where the match is.
    on_tab = await officer.get("/police/declarations?state=new&name=nguyen+van+conf")
    assert steps.ids(on_tab.text) == []
    assert 'id="elsewhere"' in on_tab.text and "1 kết quả ở các trạng thái khác" in on_tab.text


async def test_the_home_page_counts_the_work_and_searches(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    await _declared(client, hotel)
    await _declared(client, hotel)
    base = declaration()
    # The permitted stay ends before the expected departure: flagged for the police.
    flagged = await _declared(client, hotel, stay_permitted_until=base["entry_date"])
    officer = await steps.officer(app, "police.hk")
    page = (await officer.get("/police/")).text
    waiting = re.search(r'id="work-waiting"><strong>(\d+)</strong>', page)
    flagged_count = re.search(r'id="work-flagged"><strong>(\d+)</strong>', page)
    assert waiting and waiting.group(1) == "3"
    assert flagged_count and int(flagged_count.group(1)) >= 1, flagged["id"]
    assert 'id="home-search"' in page and 'name="name"' in page
    # A ward officer's home does not count "1 commune-level police unit".
    assert "đơn vị công an cấp xã" not in page.lower()


async def test_ticked_rows_are_confirmed_and_changed_ones_left_alone(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    first, second, third = [await _declared(client, hotel) for _ in range(3)]
    officer = await steps.officer(app, "police.hk")
    queue = (await officer.get("/police/declarations")).text
    picks = dict(re.findall(r'name="pick" value="([0-9a-f-]{36}):(\d+)"', queue))
    assert {first["id"], second["id"], third["id"]} <= set(picks)
    # The second is corrected by the hotel after the officer's page was drawn.
    await Declaration.filter(id=second["id"]).update(version=2)
    chosen = [f"{first['id']}:{picks[first['id']]}", f"{second['id']}:{picks[second['id']]}"]
    token = await csrf(officer, "/police/declarations")
    done = await officer.post(
        "/police/declarations/confirm-selected",
        data={"csrf_token": token, "pick": chosen, "return": "state=new"},
    )
    assert done.status_code == 303 and "confirmed=1" in done.headers["location"]
    assert "skipped=1" in done.headers["location"]
    states = {
        str(d.id): d.review_state
        for d in await Declaration.filter(id__in=[first["id"], second["id"], third["id"]])
    }
    assert states == {
        first["id"]: ReviewState.CONFIRMED,
        second["id"]: ReviewState.NEW,
        third["id"]: ReviewState.NEW,
    }
    # Nothing ticked, or a malformed row: refused, nothing changes.
    empty = await officer.post("/police/declarations/confirm-selected", data={"csrf_token": token})
    assert empty.status_code == 422
    bad = await officer.post(
        "/police/declarations/confirm-selected",
        data={"csrf_token": token, "pick": f"{third['id']}:x"},
    )
    assert bad.status_code == 422
    # Another ward's officer ticking this hotel's row confirms nothing.
    other = await steps.officer(app, "police.cn")
    token = await csrf(other, "/police/declarations")
    theirs = await other.post(
        "/police/declarations/confirm-selected",
        data={"csrf_token": token, "pick": f"{third['id']}:1"},
    )
    assert "confirmed=0" in theirs.headers["location"]
    assert (await Declaration.get(id=third["id"])).review_state == ReviewState.NEW


def _visible_text(page: str) -> str:
    """What a reader sees: no tags, attributes, scripts or styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _internal_codes() -> set[str]:
    """Codes the database holds that a page must show as words."""
    found: set[str] = set()
    for name in ("purposes", "document_types", "entry_kinds", "relationships"):
        found |= set(codes.LISTS[name]())
    found |= {s.value for s in ReviewState} | {s.value for s in StayStatus}
    found |= set(lifecycle.HISTORY) | set(labels.AUDIT_ACTIONS) | set(labels.ACCESS_ACTIONS)
    found |= set(lifecycle.STATE_LABELS)
    # Words that are also plain words in a sentence of a Vietnamese page cannot be told
    # apart; none of these is one, but "other" and "list" would be in an English one.
    return {c for c in found if "_" in c or len(c) > 3}


async def test_console_pages_in_vietnamese_show_no_internal_codes(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    item = await _declared(
        client, hotel, mrz=None, entry_kind="e_visa", purpose="tourism", relationship="parent"
    )
    officer = await steps.officer(app, "police.hk")
    await steps.post_form(
        officer,
        f"/police/declarations/{item['id']}/decide",
        f"/police/declarations/{item['id']}",
        decision="escalate",
        version="1",
    )
    lead = await steps.officer(app, "lead.hk")
    admin = await steps.officer(app, "admin")
    est = (await Declaration.get(id=item["id"])).establishment_id
    pages = {
        officer: [
            "/police/",
            "/police/declarations",
            "/police/declarations?state=all",
            f"/police/declarations/{item['id']}",
            "/police/establishments",
            f"/police/establishments/{est}",
        ],
        lead: ["/police/access-log", "/police/deadlines", "/police/watch"],
        admin: ["/admin/audit", "/admin/accounts"],
    }
    known = _internal_codes()
    shown_anywhere = []
    for user, paths in pages.items():
        for path in paths:
            response = await user.get(path)
            assert response.status_code == 200, path
            words = set(re.findall(r"[a-z][a-z_0-9]+", _visible_text(response.text)))
            shown = sorted(words & known)
            if shown:
                shown_anywhere.append((path, shown))
    assert shown_anywhere == []


async def test_the_declaration_page_shows_the_mrz_and_birth_day_first(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    item = await _declared(client, hotel, date_of_birth="1974-08-12")
    officer = await steps.officer(app, "police.hk")
    page = (await officer.get(f"/police/declarations/{item['id']}")).text
    assert 'data-field="date_of_birth">12/08/1974<' in page
    assert 'data-field="purpose">Du lịch<' in page  # a name, not "(tourism)"


async def test_server_pages_have_a_favicon(client: httpx.AsyncClient) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"
    assert 'rel="icon"' in (await client.get("/login")).text
