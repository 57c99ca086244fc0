"""The visa-exemption list the hotel app suggests from, as police see it: the version,
the rows in force today and every row with its basis and whether it was verified."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import auth, exemptions
from ..codes import countries
from ..i18n import local_today
from ..models import POLICE_ROLES
from ..templating import render_page


async def page(request: Request) -> Response:
    auth.require(request, POLICE_ROLES)
    today = local_today()
    rows = sorted(exemptions.rows(), key=lambda r: (not r.in_force(today), r.kind, r.nationality))
    return render_page(
        request,
        "police/exemptions.html",
        {
            "version": exemptions.version(),
            "today": today,
            "rows": rows,
            "countries": countries(),
            "in_force": sum(r.in_force(today) for r in rows),
        },
    )
