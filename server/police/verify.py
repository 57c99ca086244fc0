"""``/police/verify/``: the police's receipt checker for the field. It works with no
network once opened: its own service worker keeps the page and its scripts, the page
keeps the receipt keys (``/receipts/keys.json``), and the signature is checked on the
phone (WebCrypto's Ed25519). It reads no personal data: a receipt carries what it prints."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from ..templating import render_page

STATIC = Path(__file__).resolve().parent.parent / "static" / "verify"


async def page(request: Request) -> Response:
    return render_page(request, "police/verify.html", {})


async def service_worker(request: Request) -> Response:
    """Served from the page's own path, so that its scope is the page's."""
    return Response(
        (STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )
