"""Load shedding (issue 18): past API_CONCURRENCY requests at work and API_QUEUE_SECONDS
of waiting, the API answers 503 with Retry-After at once, translated, before any
database work; what was refused is sent again later and stored exactly once."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
from starlette.applications import Starlette

from server import metrics
from server.middleware import Admission, Places
from server.models import Declaration
from tests.builders import api_token, bearer, declaration


async def test_a_burst_beyond_capacity_is_told_to_come_back(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    token = await api_token(client, "staff.hk")
    app.state.settings = dataclasses.replace(
        app.state.settings, api_concurrency=1, api_queue_seconds=0.01, api_concurrency_per_client=12
    )  # one token stands for 12 phones here
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


async def test_one_credential_cannot_take_every_place(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    """A hotel system sending in parallel gets 429 with Retry-After past
    API_CONCURRENCY_PER_CLIENT requests at once, translated, before any database work;
    another hotel's requests still get their places; its own come back when one is done."""
    greedy = await api_token(client, "staff.hk")
    other = await api_token(client, "owner.cn")
    app.state.settings = dataclasses.replace(app.state.settings, api_concurrency_per_client=2)
    places = Admission._places(app, app.state.settings.api_concurrency)
    places._per_credential[f"Bearer {greedy}"] = 2  # two of its requests at work
    item = declaration()

    async def send(token: str, language: str = "en") -> httpx.Response:
        return await client.post(
            "/api/v1/declarations/batch",
            json={"declarations": [item]},
            headers={**bearer(token), "Accept-Language": language},
        )

    refused = await send(greedy)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 4
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert "at once" in refused.json()["error"]["message"]
    vietnamese = (await send(greedy, "vi")).json()["error"]["message"]
    assert vietnamese and "at once" not in vietnamese
    assert await Declaration.filter(id=item["id"]).count() == 0  # nothing stored, nothing lost
    assert places._per_credential == {f"Bearer {greedy}": 2}  # the refused were not counted
    assert (await client.get("/api/v1/me", headers=bearer(other))).status_code == 200
    places._per_credential[f"Bearer {greedy}"] = 1  # one of them is done
    assert (await send(greedy)).json()["results"][0]["result"] == "created"
    assert places._per_credential == {f"Bearer {greedy}": 1}  # counted out again


async def test_a_credential_is_counted_in_and_out() -> None:
    places = Places(asyncio.get_running_loop(), 4)
    assert places.enter("a", 2) and places.enter("a", 2)
    assert not places.enter("a", 2)
    assert places.enter("b", 2) and places.enter(None, 2)  # signing in: not counted
    places.leave("a")
    places.leave(None)
    assert places.enter("a", 2)
    for credential in ("a", "a", "b"):
        places.leave(credential)
    assert places._per_credential == {}
