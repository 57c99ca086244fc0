"""The rest of the police console: bulk confirm, notes, export, the access log, review
deadlines, establishments, and the live stream — each with its scoping."""

from __future__ import annotations

import csv
import dataclasses
import gc
import io
import json
import re
import weakref
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import QueryParams

from server.declarations.context import VIETNAM
from server.models import AccessLog, Declaration, DeclarationEvent, ReviewState, User
from server.police import bulk, export
from server.police.deadlines import for_user as deadlines_for
from server.police.queue import parse_filters
from tests.builders import api_token, bearer, declaration, send_batch
from tests.police import steps

BULK = "/police/declarations/bulk-confirm"


def _late() -> dict[str, object]:
    return declaration(arrived_at=(datetime.now(VIETNAM) - timedelta(hours=20)).isoformat())


async def test_bulk_confirm_previews_the_count_and_skips_flagged_and_later_arrivals(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    clean = [declaration() for _ in range(3)]
    flagged = _late()
    elsewhere = declaration()
    await steps.send(client, hotel, *clean, flagged)
    await steps.send(client, await api_token(client, "owner.cn"), elsewhere)
    officer = await steps.officer(app, "police.hk")
    preview = await officer.get("/police/declarations/bulk-confirm")
    assert preview.status_code == 200
    assert re.search(r'id="bulk-count">3 ', preview.text)
    assert re.search(r'id="bulk-skipped" class="muted">1 ', preview.text)
    upto = re.search(r'name="upto" value="(\d+)"', preview.text)
    assert upto is not None
    latecomer = declaration()  # arrives after the preview: not confirmed with the rest
    await steps.send(client, hotel, latecomer)
    done = await steps.post_form(
        officer, BULK, "/police/declarations", upto=upto.group(1), state="all"
    )  # "new" is forced
    assert done.status_code == 303 and "confirmed=3" in done.headers["location"]
    states: dict[object, ReviewState] = {
        str(d.id): d.review_state
        for d in await Declaration.filter(
            id__in=[i["id"] for i in [*clean, flagged, latecomer, elsewhere]]
        )
    }
    assert [states[i["id"]] for i in clean] == [ReviewState.CONFIRMED] * 3
    assert states[flagged["id"]] == ReviewState.NEW
    assert states[latecomer["id"]] == ReviewState.NEW
    assert states[elsewhere["id"]] == ReviewState.NEW  # another ward's
    events = await DeclarationEvent.filter(declaration_id=clean[0]["id"], action="review_confirm")
    assert len(events) == 1 and events[0].detail["bulk"] is True
    feed = (await client.get("/api/v1/declarations", headers=bearer(hotel))).json()
    assert {r["id"]: r["state"] for r in feed["declarations"]}[clean[0]["id"]] == "confirmed"
    stale = await steps.post_form(officer, BULK, "/police/declarations")
    assert stale.status_code == 422
    hotel_user = await steps.officer(app, "owner.hk")
    assert (await hotel_user.get(BULK)).status_code == 403
    refused = await steps.post_form(hotel_user, BULK, "/hotel/", upto=upto.group(1))
    assert refused.status_code == 403


async def test_an_internal_note_is_kept_in_the_history_and_not_shown_to_the_hotel(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    item = declaration()
    await steps.send(client, hotel, item)
    officer = await steps.officer(app, "police.hk")
    page = f"/police/declarations/{item['id']}"
    noted = await steps.post_form(officer, f"{page}/note", page, note="Called the hotel <b>ok</b>")
    assert noted.status_code == 303
    html = (await officer.get(page)).text
    assert "Called the hotel &lt;b&gt;ok&lt;/b&gt;" in html
    empty = await steps.post_form(officer, f"{page}/note", page, note="  ")
    assert empty.status_code == 422 and 'id="form-error"' in empty.text
    other = await steps.officer(app, "police.cn")
    assert (await steps.post_form(other, f"{page}/note", "/police/", note="x")).status_code == 404
    single = await client.get(f"/api/v1/declarations/{item['id']}", headers=bearer(hotel))
    assert "Called the hotel" not in single.text
    # A note changes nothing the decision checks: version 1 still confirms.
    decided = await steps.post_form(
        officer, f"{page}/decide", page, decision="confirm", version="1"
    )
    assert decided.status_code == 303


async def test_export_is_scoped_filtered_and_logged(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    mine, flagged = declaration(full_name="NGUYEN=CMD"[:6] + " A"), _late()
    other = declaration()
    await steps.send(client, hotel, mine, flagged)
    await steps.send(client, await api_token(client, "owner.cn"), other)
    officer = await steps.officer(app, "police.hk")
    response = await officer.get("/police/declarations/export.csv?state=all")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    receipts = {r["document_number"] for r in rows}
    assert receipts == {mine["document_number"], flagged["document_number"]}
    only_late = await officer.get("/police/declarations/export.csv?state=all&flag=late")
    late_rows = list(csv.DictReader(io.StringIO(only_late.content.decode("utf-8-sig"))))
    assert [r["flags"] for r in late_rows] == ["late"]
    log = await AccessLog.filter(action="export").order_by("id")
    assert [entry.detail.get("flag") for entry in log] == [None, "late"]
    hotel_user = await steps.officer(app, "owner.hk")
    assert (await hotel_user.get("/police/declarations/export.csv")).status_code == 403


async def test_bulk_confirm_read_in_chunks_confirms_every_clean_row_once(
    client: httpx.AsyncClient, app: Starlette, hotel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The selection is read SELECT_CHUNK rows at a time (the event loop free between),
    after the last one read: ties of the arrival time are taken by id, in both directions."""
    monkeypatch.setattr(bulk, "SELECT_CHUNK", 3)
    arrived = (datetime.now(VIETNAM) - timedelta(hours=2)).isoformat()
    clean = [declaration(arrived_at=arrived) for _ in range(8)] + [declaration() for _ in range(3)]
    await steps.send(client, hotel, *clean, _late())
    officer = await steps.officer(app, "police.hk")
    preview = await officer.get(BULK)
    assert re.search(r'id="bulk-count">11 ', preview.text)
    upto = re.search(r'name="upto" value="(\d+)"', preview.text)
    assert upto is not None
    done = await steps.post_form(officer, BULK, "/police/declarations", upto=upto.group(1))
    assert "confirmed=11" in done.headers["location"]
    confirmed = Declaration.filter(review_state=ReviewState.CONFIRMED)
    assert sorted(str(i) for i in await confirmed.values_list("id", flat=True)) == sorted(
        str(i["id"]) for i in clean
    )


async def test_an_export_longer_than_a_chunk_has_every_row_once(
    client: httpx.AsyncClient, app: Starlette, hotel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows come in chunks after the last one sent (received, then id): a batch's rows
    share their time of receipt, so the ids decide, in both directions. The chunks once
    dropped every later row whose id sorted before the last one's."""
    monkeypatch.setattr(export, "CHUNK", 7)
    items = [declaration() for _ in range(40)]
    await steps.send(client, hotel, *items[:25])
    await steps.send(client, hotel, *items[25:])
    officer = await steps.officer(app, "police.hk")
    response = await officer.get("/police/declarations/export.csv?state=all")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    sent = sorted(str(i["document_number"]) for i in items)
    assert sorted(r["document_number"] for r in rows) == sent


async def test_an_account_runs_at_most_two_exports_at_once(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    """A script (or a stolen session) cannot start hundreds of 50,000-row exports: the
    third at once is refused, translated, before anything is read or logged; another
    account is not affected; a finished export frees its place."""
    await steps.send(client, hotel, declaration())
    officer = await steps.officer(app, "police.hk")
    user = await User.get(username="police.hk").prefetch_related("police_unit")
    running = [export._start_export(user.id) for _ in range(export.EXPORTS_AT_ONCE)]
    logged = await AccessLog.filter(action="export").count()
    refused = await officer.get("/police/declarations/export.csv?state=all")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "10"
    assert "text/html" in refused.headers["content-type"]
    assert "Wait for them" not in refused.text  # police.hk reads Vietnamese
    assert await AccessLog.filter(action="export").count() == logged
    colleague = await steps.officer(app, "pa08.hn")
    assert (await colleague.get("/police/declarations/export.csv")).status_code == 200
    running.pop()()  # one of them is done
    again = await officer.get("/police/declarations/export.csv?state=all")
    assert again.status_code == 200 and len(again.content.decode("utf-8-sig").splitlines()) == 2
    running.pop()()
    assert export._running == {}  # each export counted out at its end
    # A body never read (the browser gone before it) frees its place when collected.
    release = export._start_export(user.id)
    body = export._rows(user, parse_filters(QueryParams("")), await deadlines_for(user), release)
    weakref.finalize(body, release)
    del body
    gc.collect()
    assert export._running == {}


async def test_views_and_searches_are_logged_and_supervisors_read_their_units_log(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    item = declaration()
    await steps.send(client, hotel, item)
    officer = await steps.officer(app, "police.hk")
    await officer.get(f"/police/declarations/{item['id']}")
    await officer.get("/police/declarations")
    await officer.get(f"/police/declarations?doc={item['document_number']}")
    cn = await steps.officer(app, "police.cn")
    await cn.get("/police/declarations?name=smith")
    lead = await steps.officer(app, "lead.hk")
    log = (await lead.get("/police/access-log")).text
    assert "police.hk" in log and "police.cn" not in log
    assert 'data-action="view"' in log and 'data-action="search"' in log
    searches = (await lead.get("/police/access-log?action=search")).text
    assert 'data-action="search"' in searches and 'data-action="view"' not in searches
    # Search terms are kept as keyed fingerprints: the text is not in the log, and a
    # supervisor holding the term finds the search for it.
    assert item["document_number"] not in searches and "hmac:" in searches
    marked = await lead.get(f"/police/access-log?action=search&term={item['document_number']}")
    assert 'class="term-match"' in marked.text
    listed = (await lead.get("/police/access-log?action=list")).text
    assert 'data-action="list"' in listed and 'data-action="search"' not in listed
    pa08 = await steps.officer(app, "pa08.hn")
    assert "police.cn" in (await pa08.get("/police/access-log")).text
    assert (await officer.get("/police/access-log")).status_code == 403
    assert (await lead.get("/police/access-log?action=delete")).status_code == 400


async def test_overdue_declarations_are_counted_highlighted_and_reported_by_officer(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    old, fresh = declaration(), declaration()
    await steps.send(client, hotel, old, fresh)
    await Declaration.filter(id=old["id"]).update(
        received_at=datetime.now(UTC) - timedelta(hours=30)
    )
    officer = await steps.officer(app, "police.hk")
    page = (await officer.get("/police/declarations")).text
    assert re.search(r'id="tab-overdue">[^<]*<span class="count">1</span>', page)
    assert re.search(rf'id="row-{old["id"]}"[^>]*class="[^"]*overdue', page)
    assert not re.search(rf'id="row-{fresh["id"]}"[^>]*class="[^"]*overdue', page)
    assert steps.ids((await officer.get("/police/declarations?state=all&overdue=1")).text) == [
        old["id"]
    ]
    # With a flag filter, the overdue tab counts the flagged ones (told apart in Python).
    for d in (old, fresh):
        await Declaration.filter(id=d["id"]).update(flags=" late ", queue_rank=0)
    for flag, overdue in (("late", 1), ("any", 1), ("watch_list", 0)):
        page = (await officer.get(f"/police/declarations?flag={flag}")).text
        assert re.search(rf'id="tab-overdue">[^<]*<span class="count">{overdue}</span>', page)
    page_path = f"/police/declarations/{old['id']}"
    await steps.post_form(
        officer, f"{page_path}/decide", page_path, decision="confirm", version="1"
    )
    lead = await steps.officer(app, "lead.hk")
    report = (await lead.get("/police/deadlines")).text
    assert re.search(r"police\.hk</small></td><td>1</td><td>1</td>", report)
    assert (await officer.get("/police/deadlines")).status_code == 403
    # The supervisor raises the target to 48 hours: nothing is overdue any more.
    unit = re.search(r'name="unit" value="(\d+)"', report)
    assert unit is not None
    saved = await steps.post_form(
        lead, "/police/deadlines", "/police/deadlines", unit=unit.group(1), hours="48"
    )
    assert saved.status_code == 303
    report = (await lead.get("/police/deadlines")).text
    assert re.search(r"police\.hk</small></td><td>1</td><td>0</td>", report)
    for bad in ({"unit": unit.group(1), "hours": "0"}, {"unit": "999999", "hours": "5"}):
        refused = await steps.post_form(lead, "/police/deadlines", "/police/deadlines", **bad)
        assert refused.status_code == 422
    province = await steps.officer(app, "pa08.hn")
    assert (await province.get("/police/deadlines?days=30")).status_code == 200


async def test_establishments_show_figures_and_can_be_suspended_and_reactivated(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    await steps.send(client, hotel, declaration(), _late())
    officer = await steps.officer(app, "police.hk")
    listing = (await officer.get("/police/establishments")).text
    assert re.search(r'<td class="count">2</td>\s*<td class="rate">50\s?%</td>', listing)
    est_id = re.search(r'href="/police/establishments/(\d+)"', listing)
    assert est_id is not None
    path = f"/police/establishments/{est_id.group(1)}"
    other = await steps.officer(app, "police.cn")
    assert (await steps.post_form(other, f"{path}/status", "/police/", action="suspend",
                        reason="x")).status_code == 404  # fmt: skip
    no_reason = await steps.post_form(officer, f"{path}/status", path, action="suspend")
    assert no_reason.status_code == 422
    suspended = await steps.post_form(
        officer, f"{path}/status", path, action="suspend", reason="Fire check"
    )
    assert suspended.status_code == 303
    refused = await send_batch(client, hotel, [declaration()])
    assert refused.status_code == 403
    assert "Fire check" in (await officer.get(path)).text
    again = await steps.post_form(officer, f"{path}/status", path, action="reactivate")
    assert again.status_code == 303
    await steps.send(client, hotel, declaration())


async def test_the_live_stream_sends_only_the_officers_jurisdiction(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    app.state.settings = dataclasses.replace(
        app.state.settings, live_stream_seconds=1, live_poll_seconds=0.05
    )
    officer = await steps.officer(app, "police.hk")
    url = await steps.live_stream_url(officer)
    mine, other = declaration(full_name="LIVE GUEST"), declaration()
    await steps.send(client, hotel, mine)
    await steps.send(client, await api_token(client, "owner.cn"), other)
    stream = await officer.get(url)
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = [
        json.loads(block.split("data: ", 1)[1])
        for block in stream.text.split("\n\n")
        if "event: declaration" in block
    ]
    assert [e["id"] for e in events] == [mine["id"]]
    assert events[0]["matches"] and "LIVE GUEST" in events[0]["html"]
    hotel_user = await steps.officer(app, "owner.hk")
    assert (await hotel_user.get("/police/declarations/stream")).status_code == 403
    # Resuming from the last event id sends nothing twice.
    last_id = re.findall(r"^id: (\d+)$", stream.text, re.MULTILINE)[-1]
    resumed = await officer.get(url, headers={"Last-Event-ID": last_id})
    assert "event: declaration" not in resumed.text


async def test_the_live_stream_cannot_replay_the_jurisdiction_unlogged(
    client: httpx.AsyncClient, app: Starlette, hotel: str
) -> None:
    """Review finding 2: ?since=0 replayed every row of the jurisdiction, and its
    ``matches`` answered document-number searches, with nothing in the access log."""
    app.state.settings = dataclasses.replace(
        app.state.settings, live_stream_seconds=1, live_poll_seconds=0.05
    )
    officer = await steps.officer(app, "police.hk")
    await steps.send(client, hotel, declaration(full_name="EARLIER GUEST"))
    page = (await officer.get("/police/declarations")).text
    live = re.search(r'data-since="(\d+)" data-key="([0-9a-f]+)"', page)
    assert live is not None
    since, key = live.groups()
    base = "/police/declarations/stream"
    for query in ("since=0", f"since=0&key={key}", f"since={since}&key={key}&doc=X1234567",
                  f"since={since}", ""):  # fmt: skip
        refused = await officer.get(f"{base}?{query}")
        assert refused.status_code == 400, query
        assert "EARLIER GUEST" not in refused.text
    # The page's own link, with a forged Last-Event-ID, still starts at "live since".
    stream = await officer.get(f"{base}?since={since}&key={key}", headers={"Last-Event-ID": "0"})
    assert stream.status_code == 200 and "EARLIER GUEST" not in stream.text
    # Another officer's key does not open this officer's stream.
    other = await steps.officer(app, "lead.hk")
    assert (await other.get(f"{base}?since={since}&key={key}")).status_code == 400
