"""``GET /api/v1/codes``: every code list with Vietnamese and English names."""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import codes


@cache
def _body() -> dict[str, list[dict[str, str]]]:
    return codes.export()


async def code_lists(request: Request) -> Response:
    # Public reference data (no personal data): cacheable, usable before sign-in.
    return JSONResponse(_body(), headers={"Cache-Control": "public, max-age=86400"})
