"""Cache lifetimes (issue 17): public files are kept a year under versioned URLs, so a
phone on a slow network fetches each once, and a deploy still takes effect at once
(a new file is a new URL); everything unversioned is revalidated on every use."""

from __future__ import annotations

import re

import httpx

from server import assets, pwa

FOREVER = "public, max-age=31536000, immutable"


async def test_pages_link_static_files_by_version(client: httpx.AsyncClient) -> None:
    page = (await client.get("/login")).text
    links = re.findall(r'"/static/([\w./-]+)\?v=([0-9a-f]{12})"', page)
    assert {"app.css", "icon.png"} <= {path for path, _v in links}
    for path, version in links:
        assert version == assets.digest(path)
        kept = await client.get(f"/static/{path}?v={version}")
        assert kept.status_code == 200 and kept.headers["cache-control"] == FOREVER
        assert kept.content == (assets.STATIC / path).read_bytes()
    # Unversioned, or an old version: revalidated (a deploy replaces it at once).
    for query in ("", "?v=000000000000"):
        answer = await client.get(f"/static/app.css{query}")
        assert answer.headers["cache-control"] == "no-cache", query
    assert (await client.get("/static/nothing.css?v=1")).status_code == 404


async def test_the_app_loads_its_files_under_its_version(client: httpx.AsyncClient) -> None:
    page = await client.get("/app/")
    assert page.headers["cache-control"] == "no-cache"
    version = (await client.get("/app/sw.js")).headers["x-app-version"]
    assert version == pwa.build_version()
    html = page.text
    assert f'src="v/{version}/js/app.js"' in html and f'href="v/{version}/app.css"' in html
    assert re.search(r'<meta name="description" content="[^"]{40,}">', html)
    for url in [f"v/{version}/js/app.js", f"v/{version}/locales/vi.json"]:
        answer = await client.get(f"/app/{url}")
        assert answer.status_code == 200 and answer.headers["cache-control"] == FOREVER, url
    # Another version's URL is served fresh but not kept; plain URLs are revalidated.
    for url in ("v/0123456789ab/js/app.js", "js/app.js", "manifest.webmanifest", "sw.js"):
        answer = await client.get(f"/app/{url}")
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-cache", url
    assert (await client.get(f"/app/v/{version}/js/nothing.js")).status_code == 404


async def test_server_pages_have_a_description(client: httpx.AsyncClient) -> None:
    for path in ("/login", "/signup", "/police/verify/"):
        html = (await client.get(path)).text
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), path
