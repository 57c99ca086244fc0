"""Visa exemptions as dated data: the default the hotel app suggests, and the police page."""

from __future__ import annotations

from datetime import date

import httpx
from starlette.applications import Starlette

from server import exemptions
from server.codes import countries, export
from tests.police import steps


def test_a_row_is_in_force_only_between_its_dates() -> None:
    """What the police page marks in force (the app's own choice is tested in Chromium:
    tests/browser/test_pwa_app.py)."""
    poland = next(r for r in exemptions.rows() if r.nationality == "POL")
    germany = next(r for r in exemptions.rows() if r.nationality == "DEU")
    assert not germany.in_force(date(2023, 8, 14)) and germany.in_force(date(2026, 11, 30))
    assert not poland.in_force(date(2025, 2, 28)) and poland.in_force(date(2025, 3, 1))
    assert not poland.in_force(date(2029, 1, 1))


def test_every_row_names_a_known_nationality_a_basis_and_whether_it_was_verified() -> None:
    known = countries()
    for row in exemptions.rows():
        assert row.nationality in known, row
        assert row.days > 0 and row.basis
        assert row.ends is None or row.ends >= row.starts
        assert row.verified or row.note, f"{row.nationality}: say what is unverified"


def test_the_app_gets_the_list_with_its_version() -> None:
    exported = export(("vi", "en"))["visa_exemptions"]
    assert exported["version"] == exemptions.version()
    assert {"nationality": "DEU", "days": 45}.items() <= exported["rows"][0].items()


async def test_police_see_the_list_in_force_and_the_hotel_does_not(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    officer = await steps.officer(app, "police.hk")
    page = await officer.get("/police/visa-exemptions")
    assert page.status_code == 200
    assert exemptions.version() in page.text and "Nghị quyết 128/NQ-CP" in page.text
    hotel = await client.get("/police/visa-exemptions", follow_redirects=False)
    assert hotel.status_code in (302, 303, 401, 403)
