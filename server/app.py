"""The Starlette application: routes, middleware, exception handlers, lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route

from . import db, i18n, logs, metrics, offload, pwa
from . import settings as settings_module
from .admin import routes as admin
from .api import routes as api
from .assets import AppFiles, StaticAssets, VersionedAppFiles
from .errors import EXCEPTION_HANDLERS
from .health import healthz
from .hotel import routes as hotel
from .middleware import (
    Admission,
    Caller,
    CompressFiles,
    CsrfCookie,
    Language,
    RefuseNul,
    SecurityHeaders,
)
from .police import routes as police
from .receipts import routes as receipts
from .reports import routes as reports
from .settings import Settings
from .web import routes as web

ROOT = Path(__file__).resolve().parent.parent


async def favicon(request: Request) -> Response:
    return FileResponse(ROOT / "server" / "static" / "icon.png", media_type="image/png")


# Each area's routes are in its routes.py; the areas with a prefix are mounted.
routes = [
    *web.routes,
    Route("/healthz", healthz, name="healthz"),
    Route("/metrics", metrics.page, name="metrics"),
    # Browsers ask for it whatever the page says: the app's icon, not a 404.
    Route("/favicon.ico", favicon, name="favicon"),
    Mount("/hotel", routes=hotel.routes, name="hotel"),
    Mount("/police", routes=police.routes, name="police"),
    Mount("/admin", routes=admin.routes, name="admin"),
    *reports.routes,
    *receipts.routes,
    Mount("/api/v1", routes=api.routes, name="api"),
    Mount("/static", StaticAssets(directory=ROOT / "server" / "static"), name="static"),
    Route("/app/", pwa.page, name="app"),
    Route("/app/sw.js", pwa.service_worker, name="service_worker"),
    Mount("/app/v/{version}", VersionedAppFiles(ROOT / "pwa"), name="pwa_versioned"),
    Mount("/app", AppFiles(directory=ROOT / "pwa", html=True), name="pwa"),
]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the application. ``settings`` defaults to the process environment."""
    settings = settings or settings_module.load()
    i18n.configure(settings.locales_dir, settings.timezone)
    logs.configure(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.connect(settings)
        try:
            yield
        finally:
            app.state.stopping = True
            changes = getattr(app.state, "changes", None)
            if changes is not None:
                await changes.stop()
            offload.shutdown()
            await db.close()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(m, settings=settings)
            for m in (
                logs.RequestLog,
                CompressFiles,
                SecurityHeaders,
                Admission,
                Caller,
                Language,
                CsrfCookie,
                RefuseNul,
            )
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.stopping = False  # set when the server is asked to stop (see __main__)
    return app
