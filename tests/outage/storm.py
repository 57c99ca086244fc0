"""Hotel clients that behave like the PWA's sync under a flaky server: batches of 50 from
a local outbox, every failure (refused connection, reset, timeout, 5xx, 429) retried after
a pause, an entry leaving the outbox only on ``created`` or ``duplicate``."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from tests.builders import DEMO_PASSWORD, declaration, document_number

BATCH = 50


@dataclass
class Client:
    username: str
    outbox: list[dict[str, Any]]
    token: str = ""
    answered: dict[str, str] = field(default_factory=dict)  # id → created/duplicate
    retries: int = 0
    resent: int = 0

    @classmethod
    def with_entries(cls, username: str, count: int) -> Client:
        return cls(username, [declaration(document_number=document_number()) for _ in range(count)])


async def _post(http: httpx.AsyncClient, client: Client, items: list[dict[str, Any]]) -> bool:
    """Send one batch; whether it got an answer for every entry."""
    try:
        response = await http.post(
            "/api/v1/declarations/batch",
            json={"declarations": items},
            headers={"Authorization": f"Bearer {client.token}"},
        )
    except httpx.TransportError:
        return False
    if response.status_code in (429,) or response.status_code >= 500:
        return False
    assert response.status_code == 200, response.text
    for answer in response.json()["results"]:
        assert answer["result"] in ("created", "duplicate"), answer
        client.answered[answer["id"]] = answer["result"]
    return True


async def sign_in(http: httpx.AsyncClient, client: Client, deadline: float) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            response = await http.post(
                "/api/v1/auth/token", json={"username": client.username, "password": DEMO_PASSWORD}
            )
            if response.status_code == 200:
                client.token = response.json()["access_token"]
                return
        except httpx.TransportError:
            pass
        assert loop.time() < deadline, "could not sign in"
        await asyncio.sleep(0.2)


async def drain(base_url: str, client: Client, deadline: float, overlap: bool = True) -> None:
    """Send the whole outbox. With ``overlap``, each batch after the first also carries the
    previous batch again (a client that never saw the answer resends it)."""
    loop = asyncio.get_running_loop()
    timeout = httpx.Timeout(10, connect=2)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as http:
        await sign_in(http, client, deadline)
        previous: list[dict[str, Any]] = []
        for start in range(0, len(client.outbox), BATCH):
            batch = client.outbox[start : start + BATCH]
            items = (previous[-10:] + batch) if overlap and previous else batch
            client.resent += len(items) - len(batch)
            while not await _post(http, client, items):
                client.retries += 1
                assert loop.time() < deadline, f"{client.username}: the outbox never drained"
                await asyncio.sleep(0.1)
            previous = batch


def start_storm(
    base_url: str, clients: list[Client], seconds: float
) -> tuple[threading.Thread, list[BaseException]]:
    """Every client drains its outbox at once, in a thread of its own (the test watches
    or disturbs the server meanwhile); what went wrong is kept for the test's thread."""
    errors: list[BaseException] = []

    async def all_clients() -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        await asyncio.gather(*(drain(base_url, c, deadline) for c in clients))

    def run() -> None:
        try:
            asyncio.run(all_clients())
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    return worker, errors


def database_rows(database_url: str, statement: str) -> list[tuple[Any, ...]]:
    """Read the database directly (not through the server under test)."""
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url[len("sqlite://") :]) as conn:
            return conn.execute(statement).fetchall()

    async def read() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(r) for r in await conn.fetch(statement)]
        finally:
            await conn.close()

    from tests.builders import run_async

    return run_async(read())
