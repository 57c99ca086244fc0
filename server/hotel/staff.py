"""An owner manages the establishment's staff accounts: add, disable, enable, reset a
password. Staff cannot manage accounts; nobody manages another establishment's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import accounts, auth, scope
from ..errors import NotFound, ValidationFailed
from ..i18n import N_
from ..models import Role, User
from ..templating import render_page


async def _page(
    request: Request,
    owner: User,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    shown_password: tuple[str, str] | None = None,
) -> Response:
    rows = await scope.users(owner).order_by("role", "username")
    return render_page(
        request,
        "hotel/staff.html",
        {
            "accounts": rows,
            "errors": errors or {},
            "form": form or {},
            "shown_password": shown_password,
        },
        status_code=422 if errors else 200,
    )


async def page(request: Request) -> Response:
    owner = auth.require(request, [Role.OWNER])
    return await _page(request, owner)


async def add(request: Request) -> Response:
    owner = auth.require(request, [Role.OWNER])
    form = await auth.read_form(request)
    username, full_name, errors = await accounts.check_new_account(form)
    if errors:
        return await _page(request, owner, errors=errors, form=form)
    staff, password = await accounts.create(
        username=username,
        full_name=full_name,
        role=Role.STAFF,
        establishment_id=owner.establishment_id,
        phone=form.get("phone", "").strip()[:30],
    )
    await auth.audit(request, "account_created", owner, target=staff.username, role="staff")
    return await _page(request, owner, shown_password=(staff.username, password))


async def _staff(request: Request, owner: User) -> User:
    """A staff account of the owner's own establishment (anything else: not found)."""
    found = await scope.users(owner).get_or_none(id=request.path_params["user_id"], role=Role.STAFF)
    if found is None:
        raise NotFound()
    return found


async def act(request: Request) -> Response:
    """Disable, enable or reset the password of one staff account."""
    owner = auth.require(request, [Role.OWNER])
    form = await auth.read_form(request)
    staff = await _staff(request, owner)
    action = form.get("action", "")
    if action == "reset":
        password = await accounts.reset_password(staff)
        await auth.audit(request, "password_reset", owner, target=staff.username)
        return await _page(request, owner, shown_password=(staff.username, password))
    if action not in ("disable", "enable"):
        raise ValidationFailed(N_("Unknown action."), code="unknown_action")
    await accounts.set_active(staff, action == "enable")
    await auth.audit(request, f"account_{action}", owner, target=staff.username)
    return RedirectResponse(request.app.url_path_for("hotel:staff"), status_code=303)
