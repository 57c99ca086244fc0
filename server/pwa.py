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
    # What the reader imports from the app's modules (its worker checks digits with
    # mrz.js): bundled into the page's script, so not precached on its own.
    "js/mrz.js",
)


# Fetched by the service worker once it is active, in the background: not part of the
# first load, but on the phone before the first time it is needed offline (the QR code
# encoder, for receipts; a copy of npm's uqr made by `make`).
AFTER = ("generated/uqr.js",)


def _bundle_fresh() -> bool:
    """Whether pwa/dist/js/app.js (every module of the page in one file, made by `make`)
    is at least as new as each module it holds."""
    try:
        made = (PWA / "dist" / "js" / "app.js").stat().st_mtime
    except OSError:
        return False
    modules = [*(PWA / "js").glob("*.js"), *(PWA / "generated").glob("*.js")]
    return all(m.stat().st_mtime <= made for m in modules)


def built(source: Path) -> Path:
    """What is served for a file of the app: its minified copy in pwa/dist (made by
    `make`, esbuild from package-lock.json) when there is one at least as new as the
    source, else the source itself (an edit shows at once, minified at the next make).
    js/app.js's copy is the bundle of every module: fresh only if newer than them all."""
    copy = PWA / "dist" / source.relative_to(PWA)
    if copy == PWA / "dist" / "js" / "app.js":
        return copy if _bundle_fresh() else source
    try:
        if copy.stat().st_mtime >= source.stat().st_mtime:
            return copy
    except OSError:
        pass
    return source


def shell_file(entry: str) -> Path:
    return PWA / "index.html" if entry == "./" else built(PWA / entry)


def precache() -> tuple[str, ...]:
    """The shell as served now: with the bundle, its one script instead of the modules."""
    if not _bundle_fresh():
        return SHELL
    bundled = ("js/", "generated/")
    return tuple(e for e in SHELL if not e.startswith(bundled) or e == "js/app.js")


def lazy_bytes() -> dict[str, int]:
    """Each file of the passport reader, loaded on first use, in bytes."""
    return {entry: shell_file(entry).stat().st_size for entry in LAZY}


def shell_bytes() -> dict[str, int]:
    """Each shell file's size in bytes as served (the page and the service worker too)."""
    sizes = {entry: shell_file(entry).stat().st_size for entry in precache()}
    sizes["./"] = len(_page())
    sizes["sw.js"] = built(PWA / "sw.js").stat().st_size
    return sizes


# Referenced by plain URL (the page itself, the manifests and the icon they name: a
# manifest's scope is relative to its own URL); every other file by its versioned URL.
PLAIN = ("./", *(e for e in SHELL if e.endswith(".webmanifest") or e.startswith("icons/")))


def url(entry: str, version: str) -> str:
    """The URL, relative to /app/, that the page uses for ``entry`` in this version."""
    return entry if entry in PLAIN else f"v/{version}/{entry}"


@cache
def _service_worker(label: str = "") -> tuple[bytes, str]:
    digest = hashlib.sha256(label.encode() + b"\0")
    template = built(PWA / "sw.js").read_bytes()
    digest.update(template)
    for entry in (*precache(), *LAZY, *AFTER):
        digest.update(entry.encode() + b"\0" + shell_file(entry).read_bytes())
    version = digest.hexdigest()[:12]

    def urls(entries: tuple[str, ...]) -> bytes:
        return json.dumps([url(e, version) for e in entries]).encode()

    body = (
        template.replace(b'"__VERSION__"', json.dumps(version).encode())
        .replace(b'"__PRECACHE__"', urls(precache()))
        .replace(b'"__LAZY__"', urls(LAZY))
        .replace(b'"__AFTER__"', urls(AFTER))
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


@cache
def _page(label: str = "") -> bytes:
    """index.html with its styles and scripts under the build version, and every module of
    the shell announced up front (modulepreload), so a slow network fetches them in
    parallel instead of one import level at a time."""
    version = build_version(label)
    page = (PWA / "index.html").read_text()
    for entry in ("app.css", "js/app.js"):
        page = page.replace(f'"{entry}"', f'"{url(entry, version)}"')
    preload = "".join(
        f'\n  <link rel="modulepreload" href="{url(e, version)}">'
        for e in precache()
        if e.endswith(".js") and e != "js/app.js"
    )
    page = page.replace("</head>", preload.lstrip("\n") + "\n</head>", 1)
    return page.encode()


async def page(request: Request) -> Response:
    """The app's one page (every screen is a #route of it), revalidated on every use."""
    return Response(
        _page(request.app.state.settings.app_build),
        media_type="text/html",
        headers={"Cache-Control": "no-cache"},
    )
