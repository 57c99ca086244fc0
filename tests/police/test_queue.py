"""The police review queue and a declaration's page: scoping, order, filters, keyset
pages, counts, and decisions (with the two-officers case)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
import pytest

from server.declarations.rules import VIETNAM
from tests.builders import api_token, bearer, csrf, declaration, send_batch, web_login


@pytest.fixture
async def hotel(client: httpx.AsyncClient) -> str:
    return await api_token(client, "staff.hk")


async def _declare(client: httpx.AsyncClient, token: str, **overrides: object) -> dict[str, object]:
    item = declaration(**overrides)
    [answer] = (await send_batch(client, token, [item])).json()["results"]
    assert answer["result"] == "created", answer
    return item


def _ids(html: str) -> list[str]:
    return re.findall(r'href="/police/declarations/([0-9a-f-]{36})"', html)


async def _officer(app: object, username: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    officer = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    response = await web_login(officer, username)
    assert response.status_code in (302, 303), response.text
    return officer


async def test_a_ward_officer_sees_only_their_wards_declarations(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    mine = await _declare(client, hotel)
    other = await _declare(client, await api_token(client, "owner.cn"))
    officer = await _officer(app, "police.hk")
    page = (await officer.get("/police/declarations")).text
    assert mine["id"] in _ids(page) and other["id"] not in _ids(page)
    by_doc = await officer.get(f"/police/declarations?doc={other['document_number']}")
    assert _ids(by_doc.text) == []
    assert (await officer.get(f"/police/declarations/{other['id']}")).status_code == 404
    assert (await officer.get(f"/police/declarations/{mine['id']}")).status_code == 200
    province = await _officer(app, "pa08.hn")
    assert {mine["id"], other["id"]} <= set(_ids((await province.get("/police/declarations")).text))
    hotel_user = await _officer(app, "owner.hk")
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
    officer = await _officer(app, "police.hk")
    first = (await officer.get("/police/declarations")).text
    ids = _ids(first)
    assert ids[0] == late["id"]  # flagged (late) first
    assert ids[1:] == [i["id"] for i in items[:49]]  # then by arrival
    next_link = re.search(r'id="next-page" href="\?([^"]+)"', first)
    assert next_link is not None
    second = (
        await officer.get("/police/declarations?" + next_link.group(1).replace("&amp;", "&"))
    ).text
    assert _ids(second) == [i["id"] for i in items[49:]]
    flagged = (await officer.get("/police/declarations?flag=late")).text
    assert _ids(flagged) == [late["id"]]


async def test_filters_and_counts(client: httpx.AsyncClient, app: object, hotel: str) -> None:
    german = await _declare(client, hotel, full_name="MÜLLER HANS", nationality="DEU")
    await _declare(client, hotel, full_name="SMITH JOHN", nationality="GBR")
    officer = await _officer(app, "police.hk")
    assert _ids((await officer.get("/police/declarations?name=muller")).text) == [german["id"]]
    assert _ids((await officer.get("/police/declarations?name=Mül")).text) == [german["id"]]
    assert _ids((await officer.get("/police/declarations?nationality=deu")).text) == [german["id"]]
    assert _ids((await officer.get("/police/declarations?name=123")).text) == []
    page = (await officer.get("/police/declarations")).text
    assert re.search(r'id="tab-new">[^<]*<span class="count">2</span>', page)
    for bad in ("state=nope", "flag=nope", "from=2026-13-01", "after=x", "establishment=a"):
        response = await officer.get(f"/police/declarations?{bad}")
        assert response.status_code == 400, bad
    unknown = await officer.get("/police/declarations?nationality=1")
    assert unknown.status_code == 400 and "Mã không hợp lệ: 1." in unknown.text


async def _decide(officer: httpx.AsyncClient, record_id: object, **form: str) -> httpx.Response:
    token = await csrf(officer, f"/police/declarations/{record_id}")
    return await officer.post(
        f"/police/declarations/{record_id}/decide", data={"csrf_token": token, **form}
    )


async def test_a_return_reaches_the_hotel_feed(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    item = await _declare(client, hotel)
    officer = await _officer(app, "police.hk")
    response = await _decide(
        officer, item["id"], decision="return", version="1", reason_code="visa", reason="V123?"
    )
    assert response.status_code == 303
    feed = (await client.get("/api/v1/declarations", headers=bearer(hotel))).json()
    [row] = [r for r in feed["declarations"] if r["id"] == item["id"]]
    assert row["state"] == "returned" and "V123?" in row["review_reason"]
    page = (await officer.get(f"/police/declarations/{item['id']}")).text
    assert "review_return" in page
    missing = await _decide(
        officer, item["id"], decision="return", version="2", reason_code="other"
    )
    assert missing.status_code == 400


async def test_two_officers_deciding_at_once_the_first_wins(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    item = await _declare(client, hotel)
    ward, province = await _officer(app, "police.hk"), await _officer(app, "pa08.hn")
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
    officer = await _officer(app, "police.cn")
    assert (await _decide(officer, item["id"], decision="confirm", version="1")).status_code == 404
    ward = await _officer(app, "police.hk")
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
    officer = await _officer(app, "police.hk")
    for typed, expected in [("smitz", [smitz]), ("Smitz a", [smitz]), ("zz", [zz]),
                            ("zzyzx q", [zz]), ("smitz b", [])]:  # fmt: skip
        found = _ids((await officer.get(f"/police/declarations?name={typed}")).text)
        assert found == [e["id"] for e in expected], typed
