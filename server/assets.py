"""Public files with long cache lifetimes and versioned URLs, so that a phone on a slow
network fetches each file once, and a deploy still takes effect at once.

- ``/static/…``: pages link ``/static/app.css?v=<hash of the file>``. Asked with the
  current hash, the answer may be kept for a year (``immutable``); without it, or with
  an old one, it must be revalidated (``no-cache``, answered 304 when unchanged).
- ``/app/v/<version>/…``: the hotel app's page loads its styles, scripts and catalogs
  under its build version (``pwa.build_version``), so every module import inside is
  versioned too. The current version's files are kept for a year; any other version's
  are served fresh, uncached. The plain ``/app/…`` paths (the page, the service worker
  and what it imports, the manifests, the icon) are revalidated on every use; the
  service worker's own update flow is unchanged.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.datastructures import MutableHeaders, QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

STATIC = Path(__file__).resolve().parent / "static"


@cache
def digest(path: str) -> str:
    """The first hex digits of a /static/ file's SHA-256 (per process: a deploy restarts)."""
    file = (STATIC / path).resolve()
    if not file.is_relative_to(STATIC) or not file.is_file():
        return ""
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


def static_url(base: str, path: str) -> str:
    """``base`` (the /static/ file's path) with its version."""
    version = digest(path)
    return f"{base}?v={version}" if version else base


class StaticAssets(StaticFiles):
    """``/static/``: a year when asked with the file's current hash, else revalidate."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        asked = QueryParams(scope.get("query_string", b"")).get("v")
        fresh = asked is not None and asked == digest(path) and response.status_code == 200
        response.headers["Cache-Control"] = FOREVER if fresh else REVALIDATE
        return response


class AppFiles(StaticFiles):
    """``/app/…`` unversioned: revalidated on every use (ETag, 304). What the service
    worker imports, and what tests import module by module."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        return _served(super().lookup_path(path))

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", REVALIDATE)
        return response


class _BuiltFiles(StaticFiles):
    """The app's files, each as served (``pwa.built``: minified when the copy is fresh)."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        return _served(super().lookup_path(path))


def _served(found: tuple[str, os.stat_result | None]) -> tuple[str, os.stat_result | None]:
    """A file found in the app's folder (StaticFiles keeps lookups inside it), swapped for
    its minified copy when that is fresh (``pwa.built``)."""
    from .pwa import built

    path, stat = found
    if stat is None or not path.endswith((".js", ".css")):
        return found
    served = built(Path(path))
    return str(served), served.stat()


class VersionedAppFiles:
    """``/app/v/<version>/…``: the app's files under a build version."""

    def __init__(self, directory: Path) -> None:
        self.files = _BuiltFiles(directory=directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from .pwa import build_version

        current = build_version(scope["app"].state.settings.app_build)
        fresh = scope.get("path_params", {}).get("version") == current

        async def stamped(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                ok = message.get("status") == 200
                headers["Cache-Control"] = FOREVER if fresh and ok else REVALIDATE
            await send(message)

        await self.files(scope, receive, stamped)  # type: ignore[arg-type]
