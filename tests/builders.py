"""Data builders and sign-in helpers shared by the tests: one place, reused everywhere."""

from __future__ import annotations

import asyncio
import secrets
import string
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from tortoise import Tortoise

from server import db, demo, jurisdictions
from server import settings as settings_module
from server.declarations.context import VIETNAM

DEMO_PASSWORD = "demo-password"
T = TypeVar("T")


def settings_for(database_url: str, **more: str) -> settings_module.Settings:
    """Settings as a test server has them (TESTING on, DEMO off), with ``more`` added."""
    return settings_module.load(
        {"DATABASE_URL": database_url, "TESTING": "1", "DEMO_PASSWORD": DEMO_PASSWORD, **more}
    )


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


def new_id() -> str:
    return str(uuid.uuid4())


def document_number() -> str:
    return "T" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))


def declaration(**overrides: Any) -> dict[str, Any]:
    """A valid declaration for a guest who arrived half an hour ago, with fresh ids."""
    now = datetime.now(VIETNAM)
    arrived = now - timedelta(minutes=30)
    item: dict[str, Any] = {
        "id": new_id(),
        "declared_at": now.isoformat(),
        "full_name": "ERIKSSON ANNA MARIA",
        "sex": "F",
        "date_of_birth": "1974-08-12",
        "nationality": "SWE",
        "document_type": "passport",
        "document_number": document_number(),
        "document_expiry": (now.date() + timedelta(days=2000)).isoformat(),
        "entry_kind": "visa",
        "visa_category": "DL",
        "entry_document_number": "V1234567",
        "stay_permitted_until": (now.date() + timedelta(days=30)).isoformat(),
        "entry_date": (arrived.date() - timedelta(days=1)).isoformat(),
        "entry_port": "HAN",
        "purpose": "tourism",
        "arrived_at": arrived.isoformat(),
        "expected_departure": (now.date() + timedelta(days=3)).isoformat(),
        "room": "301",
    }
    item.update(overrides)
    return item


async def send_batch(
    client: httpx.AsyncClient, token: str, items: list[dict[str, Any]], **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/declarations/batch",
        json={"declarations": items},
        headers={**bearer(token), **headers},
    )


async def declared(
    client: httpx.AsyncClient, token: str, *items: dict[str, Any], **overrides: Any
) -> list[dict[str, Any]]:
    """Declare ``items`` in one batch (or one new declaration with ``overrides``) and
    insist that each is created; returns the items as sent."""
    batch = list(items) or [declaration(**overrides)]
    await created(client, token, batch)
    return batch


async def created(
    client: httpx.AsyncClient, token: str, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Declare ``items`` in one batch, insisting that each is created; the answers."""
    answers: list[dict[str, Any]] = (await send_batch(client, token, items)).json()["results"]
    assert all(a["result"] == "created" for a in answers), answers
    return answers


def signed_out(response: httpx.Response) -> bool:
    """A page's answer to a caller who is not signed in: off to sign in, and back after."""
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")
