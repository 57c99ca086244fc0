"""The establishment's own web page (the PWA lives under /app/)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import auth, scope
from ..models import Role
from ..templating import render_page

HOTEL_ROLES = (Role.OWNER, Role.STAFF)


async def home(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    assert user.establishment_id is not None
    est = await scope.establishment(user, user.establishment_id)
    await est.fetch_related("ward", "province", "police_unit")
    accounts = await scope.users(user).order_by("username")
    return render_page(request, "hotel/home.html", {"establishment": est, "accounts": accounts})
