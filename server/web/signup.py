"""The public sign-up page for lodging businesses, and the ward list it needs."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from .. import auth, i18n, paging, registration
from ..models import EstablishmentKind, Province, Ward
from ..templating import render_page

FIELDS = (
    "name",
    "kind",
    "licence_number",
    "province",
    "ward",
    "street",
    "phone",
    "email",
    "representative_name",
    "representative_birth_date",
    "representative_phone",
    "representative_document",
    "username",
)


async def _wards(province: str) -> list[Ward]:
    if not paging.whole(province):
        return []
    return await Ward.filter(province_id=int(province)).order_by("name")


async def _page(
    request: Request, form: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render_page(
        request,
        "signup.html",
        {
            "form": {name: form.get(name, "") for name in FIELDS}
            | {"accept_privacy": form.get("accept_privacy", "")},
            "errors": errors,
            "kinds": list(EstablishmentKind),
            "provinces": await Province.all().order_by("name"),
            "wards": await _wards(form.get("province", "")),
        },
        status_code=status_code,
    )


async def page(request: Request) -> Response:
    if request.scope.get("user") is not None:
        return RedirectResponse(request.app.url_path_for("root"), status_code=303)
    return await _page(request, dict(request.query_params), {})


async def submit(request: Request) -> Response:
    """Register. Without scripts, choosing the province first re-shows the form with its
    wards ("show wards"), keeping what was typed except the passwords."""
    form = await auth.read_form(request)
    if form.get("step") == "wards":
        return await _page(request, form, {})
    checked = await registration.check(form, datetime.now(UTC).date())
    if checked.errors:
        errors = {name: i18n.gettext(message) for name, message in checked.errors.items()}
        return await _page(request, form, errors, status_code=422)
    establishment, owner = await registration.register(checked.values)
    await auth.audit(request, "signup", owner, target=str(establishment.id), via="web")
    settings = request.app.state.settings
    key = await auth.start_session(request, owner, settings)
    response = RedirectResponse(request.app.url_path_for("hotel:home"), status_code=303)
    auth.set_session_cookie(response, key, settings)
    return response


async def wards(request: Request) -> Response:
    """The communes and wards of one province, for the sign-up form's script."""
    rows = await _wards(request.query_params.get("province", ""))
    return JSONResponse(
        [{"code": w.code, "name": w.name} for w in rows],
        headers={"cache-control": "public, max-age=86400"},
    )
