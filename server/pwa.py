"""Serving the hotel app (``pwa/``): the service worker, stamped with its build version.

The app shell is the explicit list below. Its version is a hash of those files' bytes,
so any change to the shell gives a new ``sw.js``, the browser installs it next to the
old one, and the page offers "update available — reload". ``sw.js`` is served with
``no-cache`` so that check always reaches the server.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from .i18n import catalog_languages

PWA = Path(__file__).resolve().parent.parent / "pwa"

# Everything the app needs to open with no network, relative to the app's scope.
# Large optional assets do not belong here (tests keep this under 150 KB).
SHELL = (
    "./",
    "app.css",
    *sorted(p.name for p in PWA.glob("manifest*.webmanifest")),
    # The page's own icon. The manifest's large icons are not precached: the system
    # copies them when the app is installed, which needs the network anyway.
    "icons/icon-192.png",
    "js/api.js",
    "js/app.js",
    "js/chrome.js",
    "js/db.js",
    "js/dialogs.js",
    "js/dom.js",
    "js/form.js",
    "js/form-controls.js",
    "js/form-read.js",
    "js/form-table.js",
    "js/form-text.js",
    "js/guest.js",
    "js/guestlist.js",
    "js/i18n.js",
    "js/mrz.js",
    "js/names.js",
    "js/newguest.js",
    "js/outbox.js",
    "js/rating.js",
    "js/receipt.js",
    "js/rules.js",
    "js/signin.js",
    "js/sw-bridge.js",
    "js/sync.js",
    "js/views.js",
    *(f"locales/{lang}.json" for lang in catalog_languages()),
    "generated/languages.js",
    "generated/fields.js",
)


# Loaded only when the scan screen first opens, then cached by the service worker (its
# version covers them too, so a new reader gives a new version).
LAZY = (
    "js/scan/scanner.js",
    "js/scan/worker.js",
    "js/scan/reader.js",
    "js/scan/zone.js",
    "js/scan/decode.js",
    "js/scan/glyphs.js",
)


# Fetched by the service worker once it is active, in the background: not part of the
# first load, but on the phone before the first time it is needed offline (the QR code
# encoder, for receipts; a copy of npm's uqr made by `make`).
AFTER = ("generated/uqr.js",)


def shell_file(entry: str) -> Path:
    return PWA / ("index.html" if entry == "./" else entry)


def lazy_bytes() -> dict[str, int]:
    """Each file of the passport reader, loaded on first use, in bytes."""
    return {entry: shell_file(entry).stat().st_size for entry in LAZY}


def shell_bytes() -> dict[str, int]:
    """Each shell file's size in bytes (the service worker itself included)."""
    sizes = {entry: shell_file(entry).stat().st_size for entry in SHELL}
    sizes["sw.js"] = (PWA / "sw.js").stat().st_size
    return sizes


@cache
def _service_worker(label: str = "") -> tuple[bytes, str]:
    digest = hashlib.sha256(label.encode() + b"\0")
    template = (PWA / "sw.js").read_bytes()
    digest.update(template)
    for entry in (*SHELL, *LAZY, *AFTER):
        digest.update(entry.encode() + b"\0" + shell_file(entry).read_bytes())
    version = digest.hexdigest()[:12]
    body = (
        template.replace(b'"__VERSION__"', json.dumps(version).encode())
        .replace(b'"__PRECACHE__"', json.dumps(list(SHELL)).encode())
        .replace(b'"__LAZY__"', json.dumps(list(LAZY)).encode())
        .replace(b'"__AFTER__"', json.dumps(list(AFTER)).encode())
    )
    return body, version


def build_version(label: str = "") -> str:
    return _service_worker(label)[1]


async def service_worker(request: Request) -> Response:
    body, version = _service_worker(request.app.state.settings.app_build)
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-App-Version": version},
    )
