"""Hostile text in every free-text field: HTML and script, SQL fragments, right-to-left
overrides and zero-width characters, 10 MB strings, JSON nested past any parser's
depth. Each is refused with a clear error or stored exactly and shown escaped."""

from __future__ import annotations

import httpx
from markupsafe import escape
from starlette.applications import Starlette

from server.models import Declaration, DeclarationEvent
from tests.builders import api_token, bearer, declaration, send_batch
from tests.police.steps import officer, post_form, send

SCRIPT = "<script>window.__pwned=1</script>"
ROOM = "<svg/onload=1>'--"  # 17 characters: the room field holds 20
SQL = "'; DROP TABLE declaration; --"
BIDI = "\u202egnp.exe\u202c \u200bzero\u200dwidth\ufeff"
HOSTILE = f'{SCRIPT} <img src=x onerror="window.__pwned=1"> {SQL} {BIDI}'


async def test_a_name_with_markup_is_refused_with_a_clear_error(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "owner.hk")
    for name in (SCRIPT, SQL, "ANNA\u200bSMITH", "\u202eHTIMS ANNA"):
        (answer,) = (await send_batch(client, token, [declaration(full_name=name)])).json()[
            "results"
        ]
        assert answer["result"] == "invalid"
        assert [e["code"] for e in answer["errors"]] == ["name_characters"], name
        assert answer["errors"][0]["message"]  # translated, for the receptionist


async def test_free_text_is_stored_exactly_and_shown_escaped(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    token = await api_token(client, "owner.hk")
    (stored,) = await send(client, token, declaration(room=ROOM))
    record_id = stored["id"]
    police = await officer(app, "police.hk")
    page = f"/police/declarations/{record_id}"
    noted = await post_form(police, f"{page}/note", page, note=HOSTILE)
    assert noted.status_code == 303
    returned = await post_form(
        police, f"{page}/decide", page, decision="return", version="1",
        reason_code="other", reason=HOSTILE,
    )  # fmt: skip
    assert returned.status_code == 303
    # Stored exactly: the database holds every character as sent.
    d = await Declaration.get(id=record_id)
    assert d.room == ROOM
    assert d.review_reason is not None and d.review_reason.endswith(HOSTILE.strip())
    note = await DeclarationEvent.get(declaration_id=record_id, action="note")
    assert note.detail["note"] == HOSTILE.strip()
    # Shown escaped on the police page: the markup is text, never a tag.
    shown = (await police.get(page)).text
    for text in (ROOM, SCRIPT, '<img src=x onerror="window.__pwned=1">'):
        assert text not in shown
        assert str(escape(text)) in shown
    assert "\u202e" in shown  # kept, and isolated by the page (see the browser test)
    # And exactly as stored through the API, for the hotel.
    own = await client.get(f"/api/v1/declarations/{record_id}", headers=bearer(token))
    body = own.json()
    assert body.get("declaration", body)["room"] == ROOM
    await police.aclose()


async def test_ten_megabytes_and_deep_nesting_are_refused_clearly(
    client: httpx.AsyncClient,
) -> None:
    token = await api_token(client, "owner.hk")
    huge = await send_batch(client, token, [declaration(full_name="A" * 10_000_000)])
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "payload_too_large"
    deep = "[" * 200_000 + "]" * 200_000
    nested = await client.post(
        "/api/v1/declarations/batch",
        content=deep[:900_000],
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert nested.status_code == 400
    assert nested.json()["error"]["code"] == "malformed_json"
    nested_ok = "[" * 100_000 + "]" * 100_000  # balanced, still far too deep
    answer = await client.post(
        "/api/v1/declarations/batch",
        content=nested_ok,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"]


async def test_a_ten_megabyte_form_is_refused(app: Starlette) -> None:
    police = await officer(app, "lead.hk")
    answer = await post_form(
        police, "/police/watch", "/police/", reason="x" * 10_000_000, document_number="X1"
    )
    assert answer.status_code == 413
    await police.aclose()
