"""The police review queue and a declaration's page: scoping, order, filters, keyset
pages, counts, and decisions (with the two-officers case)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from server.declarations.context import VIETNAM
from server.models import Declaration, ReviewState
from server.police import queue
from tests.builders import api_token, bearer, declaration, send_batch
from tests.police import steps


async def _declare(client: httpx.AsyncClient, token: str, **overrides: object) -> dict[str, object]:
    item = declaration(**overrides)
    await steps.send(client, token, item)
    return item


async def test_a_ward_officer_sees_only_their_wards_declarations(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    mine = await _declare(client, hotel)
    other = await _declare(client, await api_token(client, "owner.cn"))
    officer = await steps.officer(app, "police.hk")
    page = (await officer.get("/police/declarations")).text
    assert mine["id"] in steps.ids(page) and other["id"] not in steps.ids(page)
    by_doc = await officer.get(f"/police/declarations?doc={other['document_number']}")
    assert steps.ids(by_doc.text) == []
    assert (await officer.get(f"/police/declarations/{other['id']}")).status_code == 404
    assert (await officer.get(f"/police/declarations/{mine['id']}")).status_code == 200
    province = await steps.officer(app, "pa08.hn")
    assert {mine["id"], other["id"]} <= set(
        steps.ids((await province.get("/police/declarations")).text)
    )
    hotel_user = await steps.officer(app, "owner.hk")
    assert (await hotel_user.get("/police/declarations")).status_code == 403


async def test_flagged_first_then_by_arrival_with_keyset_pages(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    now = datetime.now(VIETNAM)
    items = [
        declaration(arrived_at=(now - timedelta(minutes=200 - k)).isoformat()) for k in range(55)
    ]
    late = declaration(arrived_at=(now - timedelta(hours=20)).isoformat(), full_name="LATE GUEST")
    answers = (await send_batch(client, hotel, [*items, late])).json()["results"]
    assert all(a["result"] == "created" for a in answers)
    officer = await steps.officer(app, "police.hk")
    first = (await officer.get("/police/declarations")).text
    ids = steps.ids(first)
    assert ids[0] == late["id"]  # flagged (late) first
    assert ids[1:] == [i["id"] for i in items[:49]]  # then by arrival
    next_link = re.search(r'id="next-page" href="\?([^"]+)"', first)
    assert next_link is not None
    second = (
        await officer.get("/police/declarations?" + next_link.group(1).replace("&amp;", "&"))
    ).text
    assert steps.ids(second) == [i["id"] for i in items[49:]]
    flagged = (await officer.get("/police/declarations?flag=late")).text
    assert steps.ids(flagged) == [late["id"]]


async def test_filters_and_counts(client: httpx.AsyncClient, app: object, hotel: str) -> None:
    german = await _declare(client, hotel, full_name="MÜLLER HANS", nationality="DEU")
    await _declare(client, hotel, full_name="SMITH JOHN", nationality="GBR")
    officer = await steps.officer(app, "police.hk")
    assert steps.ids((await officer.get("/police/declarations?name=muller")).text) == [german["id"]]
    assert steps.ids((await officer.get("/police/declarations?name=Mül")).text) == [german["id"]]
    assert steps.ids((await officer.get("/police/declarations?nationality=deu")).text) == [
        german["id"]
    ]
    assert steps.ids((await officer.get("/police/declarations?name=123")).text) == []
    page = (await officer.get("/police/declarations")).text
    assert re.search(r'id="tab-new">[^<]*<span class="count">2</span>', page)
    for bad in ("state=nope", "flag=nope", "from=2026-13-01", "after=x", "establishment=a"):
        response = await officer.get(f"/police/declarations?{bad}")
        assert response.status_code == 400, bad
    unknown = await officer.get("/police/declarations?nationality=1")
    assert unknown.status_code == 400 and "Mã không hợp lệ: 1." in unknown.text


async def _decide(officer: httpx.AsyncClient, record_id: object, **form: str) -> httpx.Response:
    page = f"/police/declarations/{record_id}"
    return await steps.post_form(officer, f"{page}/decide", page, **form)


async def test_a_return_reaches_the_hotel_feed(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    item = await _declare(client, hotel)
    officer = await steps.officer(app, "police.hk")
    response = await _decide(
        officer, item["id"], decision="return", version="1", reason_code="visa", reason="V123?"
    )
    assert response.status_code == 303
    feed = (await client.get("/api/v1/declarations", headers=bearer(hotel))).json()
    [row] = [r for r in feed["declarations"] if r["id"] == item["id"]]
    assert row["state"] == "returned" and "V123?" in row["review_reason"]
    page = (await officer.get(f"/police/declarations/{item['id']}")).text
    assert "<td>Trả lại để sửa</td>" in page  # the history names the step
    missing = await _decide(
        officer, item["id"], decision="return", version="2", reason_code="other"
    )
    assert missing.status_code == 422


async def test_two_officers_deciding_at_once_the_first_wins(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    item = await _declare(client, hotel)
    ward, province = await steps.officer(app, "police.hk"), await steps.officer(app, "pa08.hn")
    first = await _decide(ward, item["id"], decision="confirm", version="1")
    second = await _decide(province, item["id"], decision="escalate", version="1")
    assert first.status_code == 303
    assert second.status_code == 409 and 'id="conflict"' in second.text
    feed = (await client.get("/api/v1/declarations", headers=bearer(hotel))).json()
    [row] = [r for r in feed["declarations"] if r["id"] == item["id"]]
    assert row["state"] == "confirmed"


async def test_decisions_need_the_csrf_token_and_the_scope(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    item = await _declare(client, hotel)
    officer = await steps.officer(app, "police.cn")
    assert (await _decide(officer, item["id"], decision="confirm", version="1")).status_code == 404
    ward = await steps.officer(app, "police.hk")
    no_token = await ward.post(
        f"/police/declarations/{item['id']}/decide", data={"decision": "confirm", "version": "1"}
    )
    assert no_token.status_code == 403


async def test_name_prefix_search_at_the_edges_of_the_alphabet(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    smitz = await _declare(client, hotel, full_name="SMITZ ANNA")
    await _declare(client, hotel, full_name="SMIU BEN")
    zz = await _declare(client, hotel, full_name="ZZYZX QUINN")
    officer = await steps.officer(app, "police.hk")
    for typed, expected in [("smitz", [smitz]), ("Smitz a", [smitz]), ("zz", [zz]),
                            ("zzyzx q", [zz]), ("smitz b", [])]:  # fmt: skip
        found = steps.ids((await officer.get(f"/police/declarations?name={typed}")).text)
        assert found == [e["id"] for e in expected], typed


async def test_a_common_name_or_nationality_finds_the_same_page_by_the_queue_order(
    client: httpx.AsyncClient, app: object, hotel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common prefix or nationality is tested on the rows walked in the queue's order, a
    rare one read from its own index: the same rows, in the same order, either way; and
    the page's flagged guest first."""
    now = datetime.now(VIETNAM)
    muller = [
        declaration(
            full_name=f"MULLER {given}", arrived_at=(now - timedelta(minutes=m)).isoformat()
        )
        for m, given in zip(
            (50, 40, 30, 20, 10), ["ANNA", "BEN", "CARL", "DORA", "EMIL"], strict=True
        )
    ]
    late = declaration(full_name="MURPHY KATE", arrived_at=(now - timedelta(hours=20)).isoformat())
    others = [
        declaration(full_name="SMITH JOHN", nationality="KOR"),
        declaration(full_name="MAURER JO"),
    ]
    answers = (await send_batch(client, hotel, [*muller, late, *others])).json()["results"]
    assert all(a["result"] == "created" for a in answers), answers
    officer = await steps.officer(app, "police.hk")
    expected = [late["id"], *[m["id"] for m in muller]]  # flagged (late), then by arrival
    found: list[list[str]] = []
    for common in (False, True):
        monkeypatch.setattr(queue, "COMMON", 1 if common else 2_000)
        for path in (
            "/police/declarations?name=mu",
            "/police/declarations?state=all&name=Mu",
            "/police/declarations?state=all&name=mu&nationality=swe",
            "/police/declarations?state=all&name=mu&flag=late",
        ):
            page = (await officer.get(path)).text
            shown = [late["id"]] if path.endswith("late") else expected
            assert steps.ids(page) == shown, (common, path)
            count = len(shown)
            assert re.search(rf'id="tab-new">[^<]*<span class="count">{count}</span>', page)
        korean = (await officer.get("/police/declarations?state=all&nationality=KOR")).text
        assert steps.ids(korean) == [others[0]["id"]], common
        swedes = steps.ids((await officer.get("/police/declarations?nationality=SWE")).text)
        assert swedes[0] == late["id"] and len(swedes) == 7, common  # flagged first
        assert sorted(swedes) == sorted([*expected, others[1]["id"]]), common
        found.append(swedes)
    assert found[0] == found[1]  # the same order either way


async def test_the_overdue_tab_merges_both_waiting_states_in_the_queue_order(
    client: httpx.AsyncClient, app: object, hotel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The overdue tab reads each waiting state in the queue's order and merges them: new
    and escalated rows interleave by rank then arrival, page after page, and nothing
    waiting within its target, or decided, is shown."""
    now = datetime.now(VIETNAM)
    items = [
        declaration(arrived_at=(now - timedelta(minutes=40 - n)).isoformat()) for n in range(7)
    ]
    await steps.send(client, hotel, *items)
    ids = [d["id"] for d in items]
    late = datetime.now(UTC) - timedelta(hours=30)
    await Declaration.filter(id__in=ids[:6]).update(received_at=late)
    await Declaration.filter(id__in=ids[1:6:2]).update(review_state=ReviewState.ESCALATED)
    await Declaration.filter(id=ids[4]).update(flags=" late ", queue_rank=0)
    await Declaration.filter(id=ids[5]).update(review_state=ReviewState.CONFIRMED)
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    officer = await steps.officer(app, "police.hk")
    shown: list[str] = []
    path = "/police/declarations?state=all&overdue=1"
    while path:
        page = (await officer.get(path)).text
        shown += steps.ids(page)
        link = re.search(r'id="next-page" href="\?([^"]+)"', page)
        path = "/police/declarations?" + link.group(1).replace("&amp;", "&") if link else ""
    # ids[4] flagged first; then by arrival; ids[5] decided and ids[6] on time are not.
    assert shown == [ids[4], ids[0], ids[1], ids[2], ids[3]]
