"""The administrator's home: accounts and the audit trail at a glance."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import auth
from ..models import AuditEvent, Establishment, PoliceUnit, Role, User
from ..templating import render_page


async def home(request: Request) -> Response:
    auth.require(request, [Role.ADMIN])
    context = {
        "user_count": await User.all().count(),
        "establishment_count": await Establishment.all().count(),
        "unit_count": await PoliceUnit.all().count(),
        "events": await AuditEvent.all().select_related("user").order_by("-id").limit(50),
    }
    return render_page(request, "admin/home.html", context)
