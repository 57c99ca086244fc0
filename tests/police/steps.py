"""What the police console tests do again and again: sign an officer in, declare,
submit a form, read the declarations a page lists."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.builders import created, csrf, web_login


async def officer(app: object, username: str) -> httpx.AsyncClient:
    """A browser-like client signed in to the web pages as ``username``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    response = await web_login(client, username)
    assert response.status_code in (302, 303), response.text
    return client


async def send(
    client: httpx.AsyncClient, token: str, *items: dict[str, Any]
) -> list[dict[str, Any]]:
    """Declare ``items`` in one batch; each must be created. The answers."""
    return await created(client, token, list(items))


async def post_form(
    user: httpx.AsyncClient, path: str, form_page: str, **form: str
) -> httpx.Response:
    """Submit a form to ``path`` with the CSRF token of ``form_page``."""
    token = await csrf(user, form_page)
    return await user.post(path, data={"csrf_token": token, **form})


def ids(html: str) -> list[str]:
    """The declarations a page links to, in order."""
    return re.findall(r'href="/police/declarations/([0-9a-f-]{36})"', html)


async def live_stream_url(officer: httpx.AsyncClient) -> str:
    """The live stream of the officer's queue page, as the page links it (signed key)."""
    page = (await officer.get("/police/declarations")).text
    found = re.search(r'data-since="(\d+)" data-key="([0-9a-f]+)"', page)
    assert found is not None
    return f"/police/declarations/stream?since={found[1]}&key={found[2]}"
