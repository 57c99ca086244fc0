"""Administrators: police units' accounts, locking and unlocking any account, and the
audit log. Administrators never see guests' personal data (see scope.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import accounts, auth, paging, registration
from ..errors import BadRequest, NotFound, PermissionDenied, ValidationFailed
from ..i18n import N_, gettext
from ..models import POLICE_ROLES, AuditEvent, Establishment, PoliceUnit, Role, UnitKind, User
from ..templating import render_page

PAGE_SIZE = 50
# Who an administrator may create: police accounts of a unit, and other administrators.
CREATABLE = (*POLICE_ROLES, Role.ADMIN)


async def home(request: Request) -> Response:
    auth.require(request, [Role.ADMIN])
    context = {
        "user_count": await User.all().count(),
        "establishment_count": await Establishment.all().count(),
        "unit_count": await PoliceUnit.all().count(),
        "locked_count": await User.filter(locked_at__isnull=False).count(),
        "events": await AuditEvent.all().select_related("user").order_by("-id").limit(20),
    }
    return render_page(request, "admin/home.html", context)


async def accounts_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    shown_password: tuple[str, str] | None = None,
) -> Response:
    """Accounts, police first; find by username prefix, role or locked state."""
    auth.require(request, [Role.ADMIN])
    query = User.all().select_related("police_unit", "establishment")
    q = request.query_params.get("q", "").strip().lower()
    if q:
        query = query.filter(username__gte=q, username__lt=q + "\uffff")
    role = request.query_params.get("role", "")
    if role:
        if role not in {r.value for r in Role}:
            raise BadRequest(N_("Unknown role."), code="bad_filter")
        query = query.filter(role=role)
    if request.query_params.get("locked") == "1":
        query = query.filter(locked_at__isnull=False)
    rows, next_after = await paging.by_id(request, query, PAGE_SIZE)
    return render_page(
        request,
        "admin/accounts.html",
        {
            "rows": rows,
            "next_after": next_after,
            "q": q,
            "role": role,
            "roles": list(Role),
            "creatable": CREATABLE,
            "errors": errors or {},
            "form": form or {},
            "shown_password": shown_password,
        },
        status_code=422 if errors else 200,
    )


async def accounts_list(request: Request) -> Response:
    return await accounts_page(request)


async def create_account(request: Request) -> Response:
    admin = auth.require(request, [Role.ADMIN])
    form = await auth.read_form(request)
    username, full_name, errors = await accounts.check_new_account(form, by_admin=True)
    role = form.get("role", "")
    if role not in {r.value for r in CREATABLE}:
        errors["role"] = gettext(N_("Choose a role."))
    elif "username" not in errors and not registration.RESERVED.match(username):
        # Police and admin names have a reserved shape, so the public sign-up page can
        # answer "reserved" for all of them without telling which exist.
        errors["username"] = gettext(
            N_(
                "Police and administrator usernames start with police., officer., lead., "
                "pa08. or admin."
            )
        )
    unit = await PoliceUnit.get_or_none(code=form.get("unit", "").strip().upper())
    if role != Role.ADMIN and unit is None:
        errors["unit"] = gettext(N_("No police unit has this code."))
    elif role != Role.ADMIN and unit is not None and unit.kind != UnitKind.WARD:
        # A province or Ministry account reads a province's or the nation's guests: one
        # administrator alone may not make one. Refused, and logged for the Ministry.
        await auth.audit(
            request, "account_creation_refused", admin, target=username[:64], unit=unit.code,
            role=role,
        )  # fmt: skip
        raise PermissionDenied(
            N_(
                "Accounts above ward level see a province's or the nation's guests: they "
                "are created by the Ministry with a second approval, not here. This "
                "attempt is logged."
            ),
            code="above_ward_level",
        )
    if errors:
        return await accounts_page(request, errors=errors, form=form)
    user, password = await accounts.create(
        username=username,
        full_name=full_name,
        role=Role(role),
        police_unit_id=unit.id if unit and role != Role.ADMIN else None,
    )
    await auth.audit(request, "account_created", admin, target=user.username, role=role)
    return await accounts_page(request, shown_password=(user.username, password))


async def account_action(request: Request) -> Response:
    """Lock (with a reason) or unlock, or reset the password."""
    admin = auth.require(request, [Role.ADMIN])
    form = await auth.read_form(request)
    target = await User.get_or_none(id=request.path_params["user_id"])
    if target is None:
        raise NotFound()
    action = form.get("action", "")
    reason = " ".join(form.get("reason", "").split())[:300]
    if target.id == admin.id and action == "lock":
        raise ValidationFailed(N_("You cannot lock yourself out."), code="self_lock")
    if action == "lock":
        if not reason:
            raise ValidationFailed(N_("Give the reason."), code="reason_required")
        await accounts.lock(target, reason)
    elif action == "unlock":
        await accounts.unlock(target)
    elif action == "reset":
        if target.role.is_hotel:
            # An owner resets their staff; the ward police handle owners. An administrator
            # holding a hotel account's temporary password could read its guests.
            raise PermissionDenied(
                N_(
                    "Hotel accounts are reset by their owner (staff) or their ward police "
                    "(owners), not by an administrator."
                ),
                code="not_for_admins",
            )
        password = await accounts.reset_password(target)
        await auth.audit(request, "password_reset", admin, target=target.username)
        return await accounts_page(request, shown_password=(target.username, password))
    else:
        raise ValidationFailed(N_("Unknown action."), code="bad_action")
    await auth.audit(request, f"account_{action}", admin, target=target.username, reason=reason)
    return RedirectResponse(request.app.url_path_for("admin:accounts"), status_code=303)


async def audit_log(request: Request) -> Response:
    """The audit trail, newest first, by action and by user; read-only (the table
    refuses changes in the database itself)."""
    auth.require(request, [Role.ADMIN])
    query = AuditEvent.all().select_related("user")
    action = request.query_params.get("action", "").strip()
    if action:
        query = query.filter(action=action)
    who = request.query_params.get("user", "").strip().lower()
    if who:
        query = query.filter(user__username=who)
    rows, next_before = await paging.by_id(request, query, PAGE_SIZE, newest_first=True)
    actions = await AuditEvent.all().distinct().order_by("action").values_list("action", flat=True)
    return render_page(
        request,
        "admin/audit.html",
        {
            "rows": rows,
            "next_before": next_before,
            "action": action,
            "who": who,
            "actions": actions,
        },
    )
