"""``GET /healthz``: is the database answering?"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from . import db

log = logging.getLogger("luutru")


async def healthz(request: Request) -> JSONResponse:
    engine = "postgresql" if request.app.state.settings.is_postgres else "sqlite"
    try:
        await asyncio.wait_for(db.ping(), timeout=3)
    except Exception as exc:  # any failure means "not healthy"; the cause goes to the log
        log.warning("health check failed: %s", exc)
        return JSONResponse(
            {"status": "unavailable", "database": engine},
            status_code=503,
            headers={"Retry-After": "5", "Cache-Control": "no-store"},
        )
    return JSONResponse({"status": "ok", "database": engine}, headers={"Cache-Control": "no-store"})
