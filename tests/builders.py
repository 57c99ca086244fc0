"""Data builders and sign-in helpers shared by the tests: one place, reused everywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from tortoise import Tortoise

from server import db, demo, jurisdictions
from server import settings as settings_module

DEMO_PASSWORD = "demo-password"
HOTEL_ACCOUNTS = ("owner.hk", "staff.hk", "owner.cn")
POLICE_ACCOUNTS = ("police.hk", "police.cn", "pa08.hn")
T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, in a thread of its own, so
    that it works even where another event loop runs (sync Playwright keeps one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def build_template(url: str) -> None:
    """Migrate a database and load the jurisdictions and the demo data into it."""
    settings = settings_module.load({"DATABASE_URL": url, "TESTING": "1"})
    await db.migrate(settings)
    await db.connect(settings)
    try:
        await jurisdictions.load()
        await demo.load(DEMO_PASSWORD)
    finally:
        await Tortoise.close_connections()


async def csrf(client: httpx.AsyncClient, path: str = "/login") -> str:
    """Visit a page so the CSRF cookie is set, and return the token forms must send."""
    await client.get(path)
    token = client.cookies.get("csrftoken")
    assert token, "the server should set a CSRF cookie on pages"
    return token


async def web_login(
    client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD
) -> httpx.Response:
    """Sign in through the web form; the client keeps the session cookie."""
    token = await csrf(client)
    return await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


async def api_token(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> str:
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
