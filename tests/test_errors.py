"""Errors: one shape for the API, a translated page for people, never a stack trace."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from tests.builders import api_token, bearer


def _shape(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return dict(body["error"])


async def test_unknown_api_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert _shape(response)["code"] == "not_found"


async def test_wrong_method_is_a_json_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/token")
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _shape(response)["code"] == "malformed_json"


async def test_oversized_body_is_a_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        content=b'{"username": "' + b"a" * 20000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert _shape(response)["code"] == "payload_too_large"


async def test_deeply_nested_json_is_refused_cleanly(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        content=b"[" * 5000 + b"]" * 5000,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400


async def test_unknown_page_is_a_translated_html_404(client: httpx.AsyncClient) -> None:
    vi = await client.get("/no-such-page")
    en = await client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert vi.status_code == en.status_code == 404
    assert "text/html" in vi.headers["content-type"]
    assert "Không tìm thấy." in vi.text and "Not found." in en.text


async def test_unexpected_failure_shows_no_stack_trace(app: Starlette) -> None:
    async def boom(request: Request) -> None:
        raise RuntimeError("secret internals /work/main/server/app.py")

    app.router.routes.insert(0, Route("/api/v1/boom", boom))
    app.router.routes.insert(0, Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        api = await client.get("/api/v1/boom")
        page = await client.get("/boom")
    assert api.status_code == page.status_code == 500
    assert _shape(api)["code"] == "internal_error"
    for response in (api, page):
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "owner.hk")
    for response in (
        await client.get("/login"),
        await client.get("/api/v1/me", headers=bearer(token)),
        await client.get("/static/app.css"),
    ):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
