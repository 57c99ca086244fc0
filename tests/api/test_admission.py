"""Load shedding (issue 18): past API_CONCURRENCY requests at work and API_QUEUE_SECONDS
of waiting, the API answers 503 with Retry-After at once, translated, before any
database work; what was refused is sent again later and stored exactly once."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
from starlette.applications import Starlette

from server import metrics
from server.middleware import Places
from server.models import Declaration
from tests.builders import api_token, bearer, declaration


async def test_a_burst_beyond_capacity_is_told_to_come_back(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    token = await api_token(client, "staff.hk")
    app.state.settings = dataclasses.replace(
        app.state.settings, api_concurrency=1, api_queue_seconds=0.01
    )
    items = [declaration() for _ in range(12)]

    async def send(item: dict[str, object]) -> httpx.Response:
        return await client.post(
            "/api/v1/declarations/batch",
            json={"declarations": [item]},
            headers={**bearer(token), "Accept-Language": "en"},
        )

    shed = metrics.REQUESTS.labels("POST", "shed", "503")
    before = shed._value.get()
    answers = await asyncio.gather(*(send(item) for item in items))
    busy = [a for a in answers if a.status_code == 503]
    assert busy, [a.status_code for a in answers]
    assert shed._value.get() - before == len(busy)  # named in the metrics and the log
    assert {a.status_code for a in answers} <= {200, 503}
    for answer in busy:
        assert 2 <= int(answer.headers["retry-after"]) <= 5
        assert answer.json()["error"]["code"] == "unavailable"
        assert "busy" in answer.json()["error"]["message"]
    # The phones come back: everything is stored, once.
    app.state.settings = dataclasses.replace(app.state.settings, api_concurrency=32)
    again = [await send(item) for item in items]
    results = [a.json()["results"][0]["result"] for a in again]
    assert results.count("duplicate") == len(answers) - len(busy)
    assert results.count("created") == len(busy)
    assert await Declaration.filter(id__in=[i["id"] for i in items]).count() == len(items)


async def test_past_a_full_queue_the_answer_is_at_once() -> None:
    """As many wait as work; the next is refused without waiting its turn (a phone told
    at once to come back, rather than after API_QUEUE_SECONDS in a hopeless queue)."""
    places = Places(asyncio.get_running_loop(), 1)
    assert await places.take(60)  # at work
    waiting = asyncio.create_task(places.take(60))
    await asyncio.sleep(0)  # it queues
    assert not await asyncio.wait_for(places.take(60), 5)  # refused now, not in 60 s
    places.release()  # the one at work is done: the waiting one gets its place
    assert await waiting
    places.release()
    assert await places.take(60)  # free again
