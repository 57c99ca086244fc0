"""The app shell as the server serves it: the service worker stamped per build and never
cached, every precached file present, the whole shell small enough for a cheap phone on
a bad network, the manifest installable, and every string of the app translated."""

from __future__ import annotations

import gzip
import json
import re
import struct
from pathlib import Path

import httpx

from server import pwa
from tests.builders import api_token, bearer

# What a phone downloads on the first visit (gzip, as the server sends it), and what it
# parses (uncompressed, minified: `make` bundles the page's modules, see server/pwa.py).
SHELL_BUDGET = 40 * 1024
SHELL_RAW_BUDGET = 100 * 1000
READER_BUDGET_GZIP = 100 * 1024
JS = sorted((pwa.PWA / "js").glob("*.js"))
LAZY_JS = sorted((pwa.PWA / "js" / "scan").glob("*.js"))


async def test_service_worker_is_stamped_and_served_uncached(client: httpx.AsyncClient) -> None:
    response = await client.get("/app/sw.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    body = response.text
    assert "__VERSION__" not in body and "__PRECACHE__" not in body
    version = response.headers["x-app-version"]
    assert f'"{version}"' in body
    assert json.dumps([pwa.url(e, version) for e in pwa.precache()]) in body
    assert json.dumps([pwa.url(e, version) for e in pwa.LAZY]) in body
    assert "__LAZY__" not in body and f'"v/{version}/js/app.js"' in body


def test_version_changes_when_a_shell_file_changes(tmp_path: Path, monkeypatch: object) -> None:
    before = pwa.build_version()
    copy = tmp_path / "pwa"
    import shutil

    shutil.copytree(pwa.PWA, copy)
    (copy / "app.css").write_text((copy / "app.css").read_text() + "\n/* changed */\n")
    pwa._service_worker.cache_clear()
    try:
        setattr(pwa, "PWA", copy)  # noqa: B010
        assert pwa.build_version() != before
    finally:
        setattr(pwa, "PWA", Path(pwa.__file__).resolve().parent.parent / "pwa")  # noqa: B010
        pwa._service_worker.cache_clear()
    assert pwa.build_version() == before


async def test_every_shell_file_is_served(client: httpx.AsyncClient) -> None:
    version = pwa.build_version()
    for entry in pwa.precache():
        response = await client.get(f"/app/{'' if entry == './' else pwa.url(entry, version)}")
        assert response.status_code == 200, entry
        if entry != "./":  # the page: its links under the version (test_caching.py)
            assert response.content == pwa.shell_file(entry).read_bytes(), entry


def test_every_module_of_the_app_is_precached() -> None:
    """A module left out of the list would be missing offline."""
    precached = {entry for entry in pwa.SHELL if entry.startswith("js/")}
    assert {f"js/{path.name}" for path in JS} == precached


def test_the_passport_reader_is_loaded_on_first_use_only() -> None:
    """Every file of the reader is in LAZY (cached when the scan screen first opens), none
    is precached with the shell, and the shell's modules never import it statically."""
    assert {f"js/scan/{path.name}" for path in LAZY_JS} | {"js/mrz.js"} == set(pwa.LAZY)
    assert not set(pwa.LAZY) & set(pwa.precache())
    # Whatever the reader imports from outside js/scan/ is in LAZY too (else offline, with
    # the app bundled, the worker could not load it).
    for path in LAZY_JS:
        for name in re.findall(r'^import[^;]*"\.\./([\w-]+\.js)"', path.read_text(), re.M):
            assert f"js/{name}" in pwa.LAZY, (path.name, name)
    for path in JS:
        assert not re.search(r'^import[^;]*"\./scan/', path.read_text(), re.M), path.name


def test_the_passport_reader_is_under_100_kb_gzipped() -> None:
    import gzip

    total = sum(len(gzip.compress((pwa.PWA / entry).read_bytes(), 9)) for entry in pwa.LAZY)
    assert total < READER_BUDGET_GZIP, total


async def test_every_file_of_the_reader_is_served(client: httpx.AsyncClient) -> None:
    for entry in pwa.LAZY:
        response = await client.get(f"/app/{entry}")
        assert response.status_code == 200, entry
        assert response.headers["content-type"].startswith("text/javascript"), entry


def test_app_shell_is_small() -> None:
    """As `make` builds it: one minified script for the page, minified styles."""
    assert pwa.precache() != pwa.SHELL, "no fresh bundle in pwa/dist: run make"
    sizes = pwa.shell_bytes()
    total = sum(sizes.values())
    assert total <= SHELL_RAW_BUDGET, f"app shell is {total} bytes: {sorted(sizes.items())}"
    bodies = [pwa._page(), pwa.built(pwa.PWA / "sw.js").read_bytes()]
    bodies += [pwa.shell_file(e).read_bytes() for e in pwa.precache() if e != "./"]
    sent = sum(len(gzip.compress(body)) for body in bodies)
    assert sent < SHELL_BUDGET, f"app shell is {sent} bytes compressed"


async def test_the_page_loads_one_script(client: httpx.AsyncClient) -> None:
    """The bundle holds every module of the page: the page names one script, and the
    service worker precaches no module beside it."""
    html = (await client.get("/app/")).text
    assert len(re.findall(r"<script", html)) == 1 and "modulepreload" not in html
    assert [e for e in pwa.precache() if e.endswith(".js")] == ["js/app.js"]
    version = pwa.build_version()
    bundle = (await client.get(f"/app/v/{version}/js/app.js")).text
    assert bundle == (pwa.PWA / "dist" / "js" / "app.js").read_text()


async def test_what_travels_compressed(client: httpx.AsyncClient) -> None:
    """Scripts and styles always; pages and API answers only when our own pages asked, the
    user typed the address, or software sent its own token: a page holds the CSRF token
    beside reflected input, and another site's requests must not learn it by its length
    (BREACH)."""
    gzip_please = {"Accept-Encoding": "gzip"}
    for entry in ("js/app.js", "app.css", "locales/vi.json"):
        response = await client.get(f"/app/{entry}", headers=gzip_please)
        assert response.headers.get("content-encoding") == "gzip", entry
    token = await api_token(client, "owner.hk")
    cases = [
        ("/login", {"Sec-Fetch-Site": "same-origin"}, True),
        ("/login", {"Sec-Fetch-Site": "none"}, True),
        ("/login", {"Sec-Fetch-Site": "cross-site"}, False),
        ("/login", {"Sec-Fetch-Site": "same-site"}, False),
        ("/login", {}, False),  # a browser too old to say: not compressed
        ("/api/v1/codes", {"Sec-Fetch-Site": "same-origin"}, True),
        ("/api/v1/codes", {"Sec-Fetch-Site": "cross-site"}, False),
        ("/api/v1/codes", bearer(token), True),  # hotel software (PMS)
    ]
    for path, headers, compressed in cases:
        response = await client.get(path, headers={**gzip_please, **headers})
        assert (response.headers.get("content-encoding") == "gzip") is compressed, (path, headers)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifests_are_installable_in_both_languages() -> None:
    names = set()
    for file in ("manifest.webmanifest", "manifest.en.webmanifest"):
        manifest = json.loads((pwa.PWA / file).read_text(encoding="utf-8"))
        assert manifest["display"] == "standalone"
        assert manifest["start_url"] == manifest["scope"] == "/app/"
        assert manifest["theme_color"] and manifest["background_color"]
        purposes = set()
        for icon in manifest["icons"]:
            width, height = _png_size(pwa.PWA / icon["src"])
            assert icon["sizes"] == f"{width}x{height}"
            purposes.add((icon["sizes"], icon["purpose"]))
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
        names.add((manifest["lang"], manifest["name"]))
    assert {lang for lang, _name in names} == {"vi", "en"}


def _strings_used_by_the_app() -> set[str]:
    found: set[str] = set()
    for path in JS + LAZY_JS:
        found |= set(re.findall(r'\bN?_\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
    return found


def test_every_string_of_the_app_is_in_its_catalogs() -> None:
    """Babel's JavaScript extractor skips calls inside template literals: this catches a
    string that would silently stay English."""
    used = _strings_used_by_the_app()
    assert len(used) > 50
    vi = json.loads((pwa.PWA / "locales" / "vi.json").read_text(encoding="utf-8"))
    missing = sorted(used - set(vi["messages"]))
    assert not missing, f"not in pwa/locales/vi.json (run make i18n and translate): {missing}"
    # The checks' messages come from the server's catalog, by code.
    from server.declarations.issues import MESSAGES

    assert set(vi["issues"]) == set(MESSAGES)
    assert vi["issues"]["required"] != MESSAGES["required"]


def test_the_shell_has_no_inline_script_or_style() -> None:
    """The Content-Security-Policy forbids them; they would silently not run."""
    html = (pwa.PWA / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and "style=" not in html
    for path in JS + LAZY_JS:
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML", path.read_text()), (
            path.name
        )
