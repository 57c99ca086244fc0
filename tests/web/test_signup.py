"""Establishment sign-up → ward police approval (or rejection) → the first declaration."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from server.models import AuditEvent, Establishment, EstablishmentStatus, Ward
from tests.builders import api_token, csrf, declaration, send_batch
from tests.police import steps

HOAN_KIEM = 70  # ward code of Phường Hoàn Kiếm, Hà Nội (province 1)


def registration(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Nhà nghỉ Phố Cổ",
        "kind": "guesthouse",
        "licence_number": "0101234567",
        "province": "1",
        "ward": str(HOAN_KIEM),
        "street": "12 Hàng Bạc",
        "phone": "024 3826 1234",
        "email": "phoco@example.vn",
        "representative_name": "Nguyễn Văn An",
        "representative_birth_date": "1980-05-17",
        "representative_phone": "0912 345 678",
        "representative_document": "001080012345",
        "username": "phoco.owner",
        "password": "a-long-password-1",
        "password_confirm": "a-long-password-1",
        "accept_privacy": "yes",
    }
    form.update(overrides)
    return form


async def sign_up(client: httpx.AsyncClient, **overrides: str) -> httpx.Response:
    token = await csrf(client, "/signup")
    return await client.post("/signup", data={"csrf_token": token, **registration(**overrides)})


async def decide(app: Starlette, establishment_id: int, **form: str) -> httpx.Response:
    officer = await steps.officer(app, "police.hk")
    path = f"/police/establishments/{establishment_id}"
    return await steps.post_form(officer, f"{path}/status", path, **form)


async def test_the_sign_up_page_is_public_in_both_languages(client: httpx.AsyncClient) -> None:
    vi = await client.get("/signup")
    assert vi.status_code == 200 and "Đăng ký cơ sở lưu trú" in vi.text
    assert "Hà Nội" in vi.text  # provinces listed
    en = await client.get("/signup", headers={"Accept-Language": "en"})
    assert "Register an establishment" in en.text and "data-protection notice" in en.text
    wards = (await client.get("/signup/wards?province=1")).json()
    assert {"code": HOAN_KIEM, "name": "Phường Hoàn Kiếm"} in wards
    assert len(wards) == await Ward.filter(province_id=1).count()


async def test_sign_up_then_approval_then_the_first_declaration(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    response = await sign_up(client)
    assert response.status_code == 303 and response.headers["location"] == "/hotel/"
    home = await client.get("/hotel/")
    assert "chờ công an phường" in home.text  # "waiting for the ward police"
    est = await Establishment.get(name="Nhà nghỉ Phố Cổ").select_related("police_unit")
    assert est.status == EstablishmentStatus.PENDING
    assert est.police_unit.code == "W00070" and est.representative_document == "001080012345"
    assert est.privacy_accepted_at is not None
    assert await AuditEvent.exists(action="signup", target=str(est.id))

    # Pending: it can sign in to the API but not declare.
    token = await api_token(client, "phoco.owner", "a-long-password-1")
    refused = await send_batch(client, token, [declaration()])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "establishment_not_active"

    # The ward officer sees it among pending registrations and approves it.
    officer = await steps.officer(app, "police.hk")
    pending = await officer.get("/police/establishments?status=pending")
    assert "Nhà nghỉ Phố Cổ" in pending.text
    page = (await officer.get(f"/police/establishments/{est.id}")).text
    assert "Nguyễn Văn An" in page and 'id="approve"' in page
    assert (await decide(app, est.id, action="approve")).status_code == 303

    home = await client.get("/hotel/")
    assert 'id="registration-status"' in home.text and "đã duyệt" in home.text
    created = await send_batch(client, token, [declaration()])
    assert created.json()["results"][0]["result"] == "created"


async def test_a_rejected_registration_tells_the_owner_why(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await sign_up(client)
    est = await Establishment.get(name="Nhà nghỉ Phố Cổ")
    no_reason = await decide(app, est.id, action="reject")
    assert no_reason.status_code == 422
    assert (
        await decide(app, est.id, action="reject", reason="Licence not found")
    ).status_code == 303
    await est.refresh_from_db()
    assert est.status == EstablishmentStatus.REJECTED and est.status_reason == "Licence not found"
    # The owner signs in again later and reads the reason.
    client.cookies.clear()
    token = await csrf(client)
    await client.post(
        "/login",
        data={"username": "phoco.owner", "password": "a-long-password-1", "csrf_token": token},
    )
    home = await client.get("/hotel/")
    assert "Licence not found" in home.text
    # Approving a rejected registration is not a transition.
    assert (await decide(app, est.id, action="approve")).status_code == 422


async def test_another_wards_police_cannot_see_or_decide_a_registration(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await sign_up(client)
    est = await Establishment.get(name="Nhà nghỉ Phố Cổ")
    other = await steps.officer(app, "police.cn")
    assert (await other.get(f"/police/establishments/{est.id}")).status_code == 404
    path = f"/police/establishments/{est.id}/status"
    answer = await steps.post_form(other, path, "/police/", action="approve")
    assert answer.status_code == 404
    owner = await steps.officer(app, "owner.hk")
    answer = await steps.post_form(owner, path, "/hotel/", action="approve")
    assert answer.status_code == 403
    await est.refresh_from_db()
    assert est.status == EstablishmentStatus.PENDING


async def test_bad_sign_ups_are_refused_field_by_field_and_keep_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"ward": "1273"}, "ward"),  # a ward of another province (Cao Bằng)
        ({"representative_birth_date": "2015-01-01"}, "representative_birth_date"),
        ({"representative_birth_date": "1980-13-45"}, "representative_birth_date"),
        ({"phone": "12"}, "phone"),
        ({"password_confirm": "something-else"}, "password"),
        ({"password": "short", "password_confirm": "short"}, "password"),
        ({"accept_privacy": ""}, "accept_privacy"),
        ({"username": "owner.hk"}, "username"),  # taken
        ({"representative_document": "12"}, "representative_document"),
        ({"kind": "castle"}, "kind"),
        ({"name": "x" * 201}, "name"),
    ]
    for overrides, field in cases:
        response = await sign_up(client, **overrides)
        assert response.status_code == 422, overrides
        assert f'id="e-{field}"' in response.text, (overrides, field)
        assert "12 Hàng Bạc" in response.text or field == "street"
        assert "a-long-password-1" not in response.text  # passwords are never echoed
    assert not await Establishment.exists(name="Nhà nghỉ Phố Cổ")


async def test_without_scripts_the_province_step_lists_its_wards(
    client: httpx.AsyncClient,
) -> None:
    token = await csrf(client, "/signup")
    page = await client.post(
        "/signup", data={"csrf_token": token, "step": "wards", "province": "1", "name": "X"}
    )
    assert page.status_code == 200
    assert f'<option value="{HOAN_KIEM}">Phường Hoàn Kiếm</option>' in page.text
    assert 'value="X"' in page.text


async def test_sign_up_does_not_confirm_police_or_admin_usernames(
    client: httpx.AsyncClient,
) -> None:
    """Review finding 8: "taken" confirmed that police.hk and admin exist."""
    from server.registration import username_problem

    held = [await username_problem(name) for name in ("police.hk", "admin", "pa08.hn", "lead.hk")]
    free = [await username_problem(name) for name in ("police.zz9", "admin2", "pa08.zz")]
    assert len(set(held + free)) == 1 and held[0] is not None  # one answer, held or not
    assert "reserved" in held[0]
    assert await username_problem("owner.hk") != held[0]  # a hotel's name is just "taken"
    assert await username_problem("police.new", for_staff=True) is None  # the admin may
