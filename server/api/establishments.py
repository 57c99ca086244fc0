"""``/api/v1/establishments``: the establishments in the caller's scope, and their accounts."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import auth, scope
from .common import establishment_json, user_json


async def list_establishments(request: Request) -> Response:
    user = auth.require(request)
    rows = await scope.establishments(user).order_by("id").limit(500)
    return JSONResponse({"establishments": [establishment_json(e) for e in rows]})


async def get_establishment(request: Request) -> Response:
    user = auth.require(request)
    est = await scope.establishment(user, request.path_params["establishment_id"])
    return JSONResponse({"establishment": establishment_json(est)})


async def establishment_users(request: Request) -> Response:
    user = auth.require(request)
    est = await scope.establishment(user, request.path_params["establishment_id"])
    rows = await scope.users(user).filter(establishment_id=est.id).order_by("username")
    return JSONResponse({"users": [user_json(u) for u in rows]})
