"""Every route of the application × every role × own / other establishment or jurisdiction.

The table below says what each role gets from each route. The test walks the application's
own route list: a route that is not in the table fails the test, so a new page or endpoint
cannot ship without someone deciding who may reach it. Requests carry a valid CSRF token
and an empty or harmless body: the question is who gets in, not whether the form is right.

Roles, in the order of each row's letters:
  anon      not signed in
  owner     owner.hk — the establishment that owns every id in the paths
  staff     staff.hk — a receptionist of that establishment
  owner2    owner.cn — another establishment (other ward)
  officer   police.hk — the ward police of that establishment
  officer2  police.cn — another ward's police
  lead      lead.hk — the supervisor of that ward
  province  pa08.hn — the province's immigration division (covers both wards)
  admin     admin — accounts only, never guests' data

Letters: A allowed (any 2xx, 3xx other than to the sign-in page, or a 400/409/422 about
the request itself), L sent to sign in (401, or a redirect to /login), F forbidden (403),
N not found (404: outside the caller's scope looks exactly like nothing there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from server.models import ApiToken, DeclarationEvent, Establishment, PoliceUnit, User, WatchEntry
from server.settings import Settings
from tests.builders import DEMO_PASSWORD, api_token, bearer, declaration, settings_for, web_login
from tests.police.steps import officer, post_form, send

ROLES = ("anon", "owner", "staff", "owner2", "officer", "officer2", "lead", "province", "admin")
USERNAMES = {
    "owner": "owner.hk",
    "staff": "staff.hk",
    "owner2": "owner.cn",
    "officer": "police.hk",
    "officer2": "police.cn",
    "lead": "lead.hk",
    "province": "pa08.hn",
    "admin": "admin",
}

# route (method + path as the router spells it) → one letter per role, in ROLES order.
MATRIX: dict[str, str] = {
    # public
    "GET /": "LAAAAAAAA",  # home: the sign-in page, or the role's own home
    "GET /healthz": "AAAAAAAAA",
    # no role reads it: METRICS_ALLOW_IPS or METRICS_TOKEN only (tests/test_metrics.py)
    "GET /metrics": "NNNNNNNNN",
    "GET /favicon.ico": "AAAAAAAAA",
    "GET /login": "AAAAAAAAA",
    "POST /login": "LLLLLLLLL",  # no credentials sent: 401 for everyone
    "POST /language": "AAAAAAAAA",
    "GET /signup": "AAAAAAAAA",
    "POST /signup": "AAAAAAAAA",
    "GET /signup/wards": "AAAAAAAAA",
    "GET /receipts/check": "AAAAAAAAA",
    "GET /receipts/public-key.pem": "AAAAAAAAA",
    "GET /receipts/keys.json": "AAAAAAAAA",
    "GET /receipts/check.json": "AAAAAAAAA",
    "POST /api/v1/auth/token": "AAAAAAAAA",
    "GET /api/v1/openapi.json": "AAAAAAAAA",
    "GET /app/": "AAAAAAAAA",  # the hotel app's page: the same for everyone
    "GET /app/sw.js": "AAAAAAAAA",
    # any signed-in account
    "POST /logout": "LLLLLLLLL",  # signs out and sends to the sign-in page
    "GET /login/code": "LAAAAAAAA",
    "POST /login/code": "LAAAAAAAA",
    "GET /account/password": "LAAAAAAAA",
    "POST /account/password": "LAAAAAAAA",
    "GET /account/two-factor": "LAAAAAAAA",
    "POST /account/two-factor/start": "LAAAAAAAA",
    "POST /account/two-factor/confirm": "LAAAAAAAA",
    "POST /account/two-factor/disable": "LAAAAAAAA",
    "POST /account/two-factor/recovery-codes": "LAAAAAAAA",
    "GET /api/v1/auth/tokens": "LAAAAAAAA",
    "GET /api/v1/me": "LAAAAAAAA",
    "GET /api/v1/codes": "AAAAAAAAA",  # code lists, needed before sign-in
    # the hotel
    "GET /hotel/": "LAAAFFFFF",
    "GET /hotel/tokens": "LAFAFFFFF",  # API tokens (PMS links) are the owner's
    "POST /hotel/tokens": "LAFAFFFFF",
    "POST /hotel/tokens/{token_id:int}/revoke": "LAFNFFFFF",
    "GET /hotel/feedback": "LAAAFFFFF",
    "POST /hotel/feedback/{event_id:int}": "LAANFFFFF",
    "GET /hotel/staff": "LAFAFFFFF",
    "POST /hotel/staff": "LAFAFFFFF",
    "POST /hotel/staff/{user_id:int}": "LAFNFFFFF",
    "GET /hotel/upload": "LAAAFFFFF",
    "POST /hotel/upload": "LAAAFFFFF",
    "GET /hotel/upload/template.{kind:str}": "LAAAFFFFF",
    "DELETE /api/v1/auth/tokens/{token_id:int}": "LANNNNNNN",
    "POST /api/v1/declarations/batch": "LAAAFFFFF",
    "PUT /api/v1/declarations/{declaration_id:uuid}": "LAANFFFFF",
    "POST /api/v1/declarations/{declaration_id:uuid}/checkout": "LAANFFFFF",
    "POST /api/v1/declarations/{declaration_id:uuid}/cancel": "LAANFFFFF",
    "POST /api/v1/declarations/{declaration_id:uuid}/rating": "LAANFFFFF",
    # what both sides read, each within its own scope
    # hotel accounts only: police read in the console (logged), admins never read guests
    "GET /api/v1/declarations": "LAAAFFFFF",
    "GET /api/v1/declarations/{declaration_id:uuid}": "LAANFFFFF",
    "GET /api/v1/establishments": "LAAAAAAAA",  # admins manage establishments' accounts
    "GET /api/v1/establishments/{establishment_id:int}": "LAANANAAA",
    "GET /api/v1/establishments/{establishment_id:int}/users": "LAANANAAA",  # staff: only self
    "GET /receipts/declarations/{declaration_id:uuid}": "LAANANAAF",
    "GET /receipts/declarations/{declaration_id:uuid}/pdf": "LAANANAAF",
    "GET /receipts/day": "LAAAAAAAF",
    "GET /receipts/day/pdf": "LAAAAAAAF",
    "GET /reports": "LAFAAAAAF",
    "GET /reports/export.csv": "LAFAAAAAF",
    "GET /reports/export.xlsx": "LAFAAAAAF",
    # the police
    "GET /police/": "LFFFAAAAF",
    "GET /police/declarations": "LFFFAAAAF",
    "GET /police/declarations/stream": "LFFFAAAAF",
    "GET /police/declarations/export.csv": "LFFFAAAAF",
    "GET /police/declarations/bulk-confirm": "LFFFAAAAF",
    "POST /police/declarations/bulk-confirm": "LFFFAAAAF",
    # Another ward's officer is "answered" too: the row is not theirs, so it is left alone.
    "POST /police/declarations/confirm-selected": "LFFFAAAAF",
    "GET /police/declarations/{declaration_id:uuid}": "LFFFANAAF",
    "POST /police/declarations/{declaration_id:uuid}/decide": "LFFFANAAF",
    "POST /police/declarations/{declaration_id:uuid}/note": "LFFFANAAF",
    "GET /police/establishments": "LFFFAAAAF",
    "GET /police/visa-exemptions": "LFFFAAAAF",
    "GET /police/verify/": "AAAAAAAAA",  # no personal data: a receipt's own words
    "GET /police/verify/sw.js": "AAAAAAAAA",  # public facts, but a police page
    "GET /police/establishments/{establishment_id:int}": "LFFFANAAF",
    "POST /police/establishments/{establishment_id:int}/status": "LFFFANAAF",
    "GET /police/watch": "LFFFFFAAF",  # the watch list: supervisors and the province
    "POST /police/watch": "LFFFFFAAF",
    "POST /police/watch/{entry_id:int}/end": "LFFFFFAAF",
    "GET /police/deadlines": "LFFFFFAAF",
    "POST /police/deadlines": "LFFFFFAAF",
    "GET /police/access-log": "LFFFFFAAF",
    # administration
    "GET /admin/": "LFFFFFFFA",
    "GET /admin/accounts": "LFFFFFFFA",
    "POST /admin/accounts": "LFFFFFFFA",
    "POST /admin/accounts/{user_id:int}": "LFFFFFFFA",
    "GET /admin/audit": "LFFFFFFFA",
}
# What a request sends besides the CSRF token: enough to get past the form's own checks
# where those come before the scope check, so the row shows who gets in.
BODIES: dict[str, dict[str, Any]] = {
    "POST /account/two-factor/start": {"current_password": DEMO_PASSWORD},
    "POST /account/two-factor/disable": {"current_password": DEMO_PASSWORD},
    "POST /account/two-factor/recovery-codes": {"current_password": DEMO_PASSWORD},
    "POST /hotel/staff/{user_id:int}": {"action": "enable"},
    "POST /api/v1/declarations/{declaration_id:uuid}/cancel": {"reason": "access matrix"},
    "POST /police/declarations/confirm-selected": {"pick": "{declaration_id}:2"},
    # A string where a number belongs: refused (422) once past the access checks.
    "POST /api/v1/declarations/{declaration_id:uuid}/rating": {
        "decision_id": "{event_id}",
        "rating": 5,
    },
}
# Mounted static files: public by design (the PWA shell must load before sign-in).
STATIC_MOUNTS = {"/static", "/app", "/app/v/{version}"}


def routes(app: Starlette) -> list[str]:
    """Every method + path the application serves (HEAD goes with GET)."""
    found: list[str] = []

    def walk(entries: list[BaseRoute], prefix: str) -> None:
        for entry in entries:
            if isinstance(entry, Mount):
                if entry.routes:
                    walk(list(entry.routes), prefix + entry.path)
                else:
                    assert prefix + entry.path in STATIC_MOUNTS, f"unlisted mount {entry.path}"
            elif isinstance(entry, Route):
                for method in sorted(entry.methods or ()):
                    if method != "HEAD":
                        found.append(f"{method} {prefix}{entry.path}")
            else:
                raise AssertionError(f"a route the matrix does not know how to walk: {entry}")

    walk(list(app.routes), "")
    return found


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The live queue's stream ends at once, so that it can be requested like a page.
    return settings_for(database_url, LIVE_STREAM_SECONDS="0")


@pytest.fixture
async def world(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    """Ids that all belong to owner.hk's establishment (and its ward), and one signed-in
    client per role (a session cookie for pages, a bearer token for the API)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as setup:
        owner_token = await api_token(setup, "owner.hk")
        (answer,) = await send(setup, owner_token, declaration())
        await api_token(setup, "owner.hk")  # the newest: the one DELETE may revoke
    police = await officer(app, "police.hk")
    await post_form(
        police,
        f"/police/declarations/{answer['id']}/decide",
        f"/police/declarations/{answer['id']}",
        decision="confirm",
        version="1",
    )
    await police.aclose()
    event = await DeclarationEvent.filter(action="review_confirm").first()
    assert event is not None, "the officer's decision should be recorded"
    staff = await User.get(username="staff.hk")
    hk_user = await User.get(username="owner.hk")
    establishment = await Establishment.get(id=hk_user.establishment_id)
    unit = await PoliceUnit.get(id=establishment.police_unit_id)

    async def new_entry() -> int:
        entry = await WatchEntry.create(
            police_unit=unit, document_number="X1234567", nationality="USA", reason="matrix"
        )
        return entry.id

    token_row = await ApiToken.filter(user_id=hk_user.id).order_by("-id").first()
    assert token_row is not None
    ids = {
        "declaration_id": answer["id"],
        "event_id": event.id,
        "user_id": staff.id,
        "token_id": token_row.id,
        "establishment_id": hk_user.establishment_id,
        "kind:str": "csv",
    }
    clients: dict[str, tuple[httpx.AsyncClient, str]] = {}
    for role in ROLES:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        token = ""
        if role != "anon":
            assert (await web_login(client, USERNAMES[role])).status_code in (302, 303)
            token = await api_token(client, USERNAMES[role])
        clients[role] = (client, token)
    yield {"ids": ids, "clients": clients, "new_entry": new_entry}
    for client, _token in clients.values():
        await client.aclose()


def _path(template: str, ids: dict[str, Any]) -> str:
    path = template
    for name, value in ids.items():
        for written in ("{" + name + "}", "{" + name + ":int}", "{" + name + ":uuid}"):
            path = path.replace(written, str(value))
    assert "{" not in path, f"no id for {template}"
    return path


async def _request(
    client: httpx.AsyncClient, token: str, route: str, path: str, ids: dict[str, Any]
) -> httpx.Response:
    method = route.split(" ", 1)[0]
    headers = bearer(token) if token and path.startswith("/api/") else {}
    body = {k: _path(v, ids) if isinstance(v, str) else v for k, v in BODIES.get(route, {}).items()}
    if method == "GET":
        return await client.get(path, headers=headers)
    if path.startswith("/api/"):
        return await client.request(method, path, json=body, headers=headers)
    await client.get("/login")  # the CSRF cookie
    csrf = client.cookies.get("csrftoken") or ""
    form = {"csrf_token": csrf, **body}
    return await client.request(method, path, data=form, headers=headers)


def _letter(response: httpx.Response) -> str:
    status = response.status_code
    if status >= 500:
        return "!"
    if status == 401 or (
        status in (302, 303) and response.headers.get("location", "").startswith("/login")
    ):
        return "L"
    if status == 403:
        return "F"
    if status == 404:
        return "N"
    if status < 400 or status in (400, 409, 422):
        return "A"
    return f"<{status}>"


async def test_every_route_is_in_the_matrix(app: Starlette) -> None:
    served = routes(app)
    missing = sorted(set(served) - set(MATRIX))
    assert not missing, f"routes with no access rule in the matrix: {missing}"
    stale = sorted(set(MATRIX) - set(served))
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


async def test_each_role_gets_what_the_matrix_says(app: Starlette, world: dict[str, Any]) -> None:
    # Sign-out last: it ends the role's session for the rows after it.
    order = sorted(routes(app), key=lambda r: r == "POST /logout")
    wrong = []
    for route in order:
        template = route.split(" ", 1)[1]
        got = ""
        for role in ROLES:
            client, token = world["clients"][role]
            ids = {**world["ids"], "entry_id": await world["new_entry"]()}  # one per request
            got += _letter(await _request(client, token, route, _path(template, ids), ids))
        if got != MATRIX[route]:
            wrong.append(f"{route}: expected {MATRIX[route]}, got {got}")
    assert not wrong, "\n".join(wrong)


async def test_an_administrator_reads_no_guests(world: dict[str, Any]) -> None:
    client, token = world["clients"]["admin"]
    listed = await client.get("/api/v1/declarations", headers=bearer(token))
    assert listed.status_code == 403
    assert "declarations" not in listed.json()


async def test_police_read_no_guests_through_the_api(world: dict[str, Any]) -> None:
    """Review finding 2: a police token read the jurisdiction's full records, unlogged."""
    for role in ("officer", "lead", "province"):
        client, token = world["clients"][role]
        listed = await client.get("/api/v1/declarations?cursor=0", headers=bearer(token))
        assert listed.status_code == 403, role
        assert listed.json()["error"]["code"] == "hotel_accounts_only"
        one = await client.get(
            f"/api/v1/declarations/{world['ids']['declaration_id']}", headers=bearer(token)
        )
        assert one.status_code == 403 and "full_name" not in one.text, role
