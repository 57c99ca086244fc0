"""Each automatic flag on a fixture: the checks' warnings, the watch list and a minor
without an adult; flags sort and filter the queue; police-only flags never reach the
establishment."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from server.declarations import flags
from server.declarations.context import VIETNAM
from server.models import Declaration
from tests.builders import api_token, bearer, declaration, new_id
from tests.police import steps

# The day the builders' guests arrive (half an hour ago): in the first half hour after
# midnight in Vietnam that is still yesterday, and an adult born 18 years before today
# would be 17 on arrival.
TODAY = (datetime.now(VIETNAM) - timedelta(minutes=30)).date()


async def _stored_flags(record_id: object) -> list[str]:
    return flags.parse((await Declaration.get(id=record_id)).flags)


@pytest.mark.parametrize(
    ("code", "overrides"),
    [
        ("late", {"arrived_at": (datetime.now(VIETNAM) - timedelta(hours=20)).isoformat()}),
        ("permit_expired", {"stay_permitted_until": (TODAY - timedelta(days=1)).isoformat()}),
        ("stay_beyond_permit", {"stay_permitted_until": (TODAY + timedelta(days=1)).isoformat()}),
        (
            "document_expires_during_stay",
            {"document_expiry": (TODAY + timedelta(days=2)).isoformat()},
        ),
    ],
)
async def test_a_warning_becomes_a_flag_that_sorts_and_filters_the_queue(
    client: httpx.AsyncClient, app: object, hotel: str, code: str, overrides: dict[str, str]
) -> None:
    clean, flagged = declaration(), declaration(**overrides)
    await steps.send(client, hotel, clean, flagged)
    assert await _stored_flags(flagged["id"]) == [code]
    assert await _stored_flags(clean["id"]) == []
    officer = await steps.officer(app, "police.hk")
    first_page = steps.ids((await officer.get("/police/declarations")).text)
    assert first_page[:2] == [flagged["id"], clean["id"]]
    assert steps.ids((await officer.get(f"/police/declarations?flag={code}")).text) == [
        flagged["id"]
    ]
    assert steps.ids((await officer.get("/police/declarations?flag=none")).text) == [clean["id"]]


async def test_an_overlapping_stay_elsewhere_is_flagged(
    client: httpx.AsyncClient, hotel: str
) -> None:
    elsewhere = declaration()
    await steps.send(client, await api_token(client, "owner.cn"), elsewhere)
    here = declaration(document_number=elsewhere["document_number"])
    await steps.send(client, hotel, here)
    assert await _stored_flags(here["id"]) == ["overlapping_stay"]


async def _watch(supervisor: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await steps.post_form(supervisor, "/police/watch", "/police/watch", **form)


async def test_watch_list_by_document_flags_guests_in_house_and_new_arrivals(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    in_house = declaration()
    await steps.send(client, hotel, in_house)
    lead = await steps.officer(app, "lead.hk")
    added = await _watch(
        lead, document_number=in_house["document_number"].lower(), reason="Interpol notice 7"
    )
    assert added.status_code == 303 and added.headers["location"].endswith("flagged=1")
    assert await _stored_flags(in_house["id"]) == ["watch_list"]

    # The establishment is told nothing: not in the answer, not in its feed.
    again = declaration(document_number=in_house["document_number"], id=new_id())
    checkout = await client.post(
        f"/api/v1/declarations/{in_house['id']}/checkout",
        json={"departed_at": datetime.now(VIETNAM).isoformat()},
        headers=bearer(hotel),
    )
    assert checkout.status_code == 200
    [answer] = await steps.send(client, hotel, again)
    assert "watch" not in str(answer)
    feed = await client.get("/api/v1/declarations", headers=bearer(hotel))
    assert "watch" not in feed.text and "Interpol" not in feed.text
    assert await _stored_flags(again["id"]) == ["watch_list"]

    officer = await steps.officer(app, "police.hk")
    page = (await officer.get(f"/police/declarations/{again['id']}")).text
    assert 'id="watch-hits"' in page and "Interpol notice 7" in page
    watched = steps.ids((await officer.get("/police/declarations?flag=watch_list")).text)
    assert sorted(watched) == sorted([in_house["id"], again["id"]])

    # Ending the entry clears the flag of the guest in house (a past stay keeps its flag).
    entries = (await lead.get("/police/watch")).text
    entry_id = entries.split("/police/watch/")[1].split("/end")[0]
    ended = await steps.post_form(lead, f"/police/watch/{entry_id}/end", "/police/watch")
    assert ended.status_code == 303
    assert await _stored_flags(again["id"]) == []
    assert await _stored_flags(in_house["id"]) == ["watch_list"]


async def test_watch_list_by_name_and_birth_and_only_in_the_units_jurisdiction(
    client: httpx.AsyncClient, app: object, hotel: str
) -> None:
    lead = await steps.officer(app, "lead.hk")
    response = await _watch(lead, full_name="Müller Hans", date_of_birth="1980", reason="R")
    assert response.status_code == 303
    match = declaration(full_name="MULLER HANS", date_of_birth="1980-05-01")
    other_birth = declaration(full_name="MULLER HANS", date_of_birth="1981-05-01")
    await steps.send(client, hotel, match, other_birth)
    assert await _stored_flags(match["id"]) == ["watch_list"]
    assert await _stored_flags(other_birth["id"]) == []
    # The Hoàn Kiếm supervisor's entry does not reach a guest in Cửa Nam.
    elsewhere = declaration(full_name="MULLER HANS", date_of_birth="1980-05-01")
    await steps.send(client, await api_token(client, "owner.cn"), elsewhere)
    assert await _stored_flags(elsewhere["id"]) == []


async def test_watch_list_is_for_supervisors_and_refuses_incomplete_entries(
    client: httpx.AsyncClient, app: object
) -> None:
    officer = await steps.officer(app, "police.hk")
    assert (await officer.get("/police/watch")).status_code == 403
    hotel_user = await steps.officer(app, "owner.hk")
    assert (await hotel_user.get("/police/watch")).status_code == 403
    lead = await steps.officer(app, "lead.hk")
    for form, message in [
        ({"document_number": "X1"}, "lý do"),
        ({"full_name": "A B", "reason": "R"}, "ngày sinh"),
        ({"document_number": "X1", "nationality": "ZZZ", "reason": "R"}, "quốc tịch"),
        ({"full_name": "A B", "date_of_birth": "80", "reason": "R"}, "YYYY"),
        ({"full_name": "A B", "date_of_birth": "1980-13-45", "reason": "R"}, "YYYY"),
        ({"full_name": "李明", "date_of_birth": "1980", "reason": "R"}, "ngày sinh"),
    ]:
        response = await _watch(lead, **form)
        assert response.status_code == 422 and message in response.text, form
    # Another ward's supervisor cannot end this ward's entries.
    await _watch(lead, document_number="X12345", reason="R")
    entry_id = (await lead.get("/police/watch")).text.split("/police/watch/")[1].split("/end")[0]
    pa08 = await steps.officer(app, "pa08.hn")
    assert "X12345" in (await pa08.get("/police/watch")).text  # the province sees it
    refused = await steps.post_form(officer, f"/police/watch/{entry_id}/end", "/police/")
    assert refused.status_code == 403


def _child(**overrides: object) -> dict[str, object]:
    born = TODAY.replace(year=TODAY.year - 10).isoformat()
    return declaration(**{"full_name": "ERIKSSON LILLY", "date_of_birth": born, **overrides})


async def test_a_minor_without_an_adult_of_the_party_is_flagged(
    client: httpx.AsyncClient, hotel: str
) -> None:
    alone = _child()
    year_only = _child(date_of_birth=str(TODAY.year - 10))
    await steps.send(client, hotel, alone, year_only)
    assert await _stored_flags(alone["id"]) == ["minor_alone"]
    assert await _stored_flags(year_only["id"]) == ["minor_alone"]

    # Declared with a parent in the same party and batch: not flagged.
    parent = declaration(party_id="P1", party_leader=True)
    child = _child(party_id="P1", guardian_id=parent["id"], relationship="parent")
    await steps.send(client, hotel, parent, child)
    assert await _stored_flags(child["id"]) == []

    # The child first, the adult of the party in a later batch: the flag is cleared.
    early = _child(party_id="P2")
    await steps.send(client, hotel, early)
    assert await _stored_flags(early["id"]) == ["minor_alone"]
    await steps.send(client, hotel, declaration(party_id="P2"))
    assert await _stored_flags(early["id"]) == []

    # An adult of 18 is not a minor; two minors together are still alone.
    adult = declaration(date_of_birth=TODAY.replace(year=TODAY.year - 18).isoformat())
    teens = [_child(party_id="P3"), _child(party_id="P3")]
    await steps.send(client, hotel, adult, *teens)
    assert await _stored_flags(adult["id"]) == []
    assert [await _stored_flags(t["id"]) for t in teens] == [["minor_alone"], ["minor_alone"]]


def test_minor_age_rules() -> None:
    day = TODAY
    assert flags.is_minor(f"{day.year - 17}", day)
    assert not flags.is_minor(f"{day.year - 19}", day)
    assert flags.is_minor("2008-03", datetime(2026, 2, 28).date())
    assert not flags.is_minor("2008-03", datetime(2026, 3, 1).date())
    assert not flags.is_minor("2008-02-29", datetime(2026, 3, 1).date())
    assert flags.is_minor("2008-02-29", datetime(2026, 2, 28).date())
    assert not flags.is_minor("nonsense", day)
