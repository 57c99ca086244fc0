"""Jurisdiction scoping through the API: each user sees only what is theirs."""

from __future__ import annotations

import httpx
import pytest

from server.models import Establishment
from tests.builders import api_token, bearer


async def _ids(client: httpx.AsyncClient) -> dict[str, int]:
    rows = await Establishment.all()
    return {("hk" if r.ward_id == 70 else "cn"): r.id for r in rows}


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("police.hk", {"hk"}),
        ("police.cn", {"cn"}),
        ("pa08.hn", {"hk", "cn"}),
        ("owner.hk", {"hk"}),
        ("staff.hk", {"hk"}),
        ("owner.cn", {"cn"}),
        ("admin", {"hk", "cn"}),
    ],
)
async def test_each_user_sees_only_their_establishments(
    client: httpx.AsyncClient, username: str, visible: set[str]
) -> None:
    ids = await _ids(client)
    token = await api_token(client, username)
    listed = await client.get("/api/v1/establishments", headers=bearer(token))
    assert listed.status_code == 200
    assert {e["id"] for e in listed.json()["establishments"]} == {ids[k] for k in visible}
    for key, est_id in ids.items():
        one = await client.get(f"/api/v1/establishments/{est_id}", headers=bearer(token))
        users = await client.get(f"/api/v1/establishments/{est_id}/users", headers=bearer(token))
        if key in visible:
            assert one.status_code == 200
            assert one.json()["establishment"]["id"] == est_id
            assert users.status_code == 200
        else:
            # Outside the scope it is "not found": nobody learns which ids exist elsewhere.
            assert one.status_code == 404
            assert users.status_code == 404
            assert one.json()["error"]["code"] == "not_found"


async def test_ward_police_see_the_accounts_of_their_own_establishment_only(
    client: httpx.AsyncClient,
) -> None:
    ids = await _ids(client)
    token = await api_token(client, "police.hk")
    users = await client.get(f"/api/v1/establishments/{ids['hk']}/users", headers=bearer(token))
    assert {u["username"] for u in users.json()["users"]} == {"owner.hk", "staff.hk"}
    assert "password_hash" not in users.text


async def test_staff_see_only_themselves_and_owners_see_their_staff(
    client: httpx.AsyncClient,
) -> None:
    ids = await _ids(client)
    staff = await api_token(client, "staff.hk")
    owner = await api_token(client, "owner.hk")
    path = f"/api/v1/establishments/{ids['hk']}/users"
    staff_view = (await client.get(path, headers=bearer(staff))).json()["users"]
    owner_view = (await client.get(path, headers=bearer(owner))).json()["users"]
    assert {u["username"] for u in staff_view} == {"staff.hk"}
    assert {u["username"] for u in owner_view} == {"owner.hk", "staff.hk"}


async def test_unknown_establishment_is_404_for_everyone(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "admin")
    response = await client.get("/api/v1/establishments/999999", headers=bearer(token))
    assert response.status_code == 404
