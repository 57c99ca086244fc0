"""``GET /api/v1/codes``: every code list, with names in each of the server's languages."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import codes


@cache
def _body(languages: tuple[str, ...]) -> dict[str, Any]:
    return codes.export(languages)


async def code_lists(request: Request) -> Response:
    # Public reference data (no personal data): cacheable, usable before sign-in.
    body = _body(request.app.state.settings.languages)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=86400"})
