"""/metrics: who may read it, and what it says (both databases)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from server import sqlite
from server.app import create_app
from tests.builders import api_token, bearer, declaration, send_batch, settings_for, web_login
from tests.live import LiveServer

TOKEN = "m" * 40


@asynccontextmanager
async def served(database_url: str, **more: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(database_url, **more))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if found and found[1] == name:
            have = ",".join(sorted(filter(None, (found[2] or "").split(","))))
            if have == wanted:
                return float(found[3])
    return 0.0


@pytest.mark.parametrize(
    ("more", "headers", "status"),
    [
        ({}, {}, 404),  # nobody, until an operator says who
        ({"METRICS_TOKEN": TOKEN}, {}, 404),
        ({"METRICS_TOKEN": TOKEN}, bearer("m" * 39 + "x"), 404),
        ({"METRICS_TOKEN": TOKEN}, bearer(TOKEN), 200),
        ({"METRICS_ALLOW_IPS": "10.0.0.0/8"}, {}, 404),
        ({"METRICS_ALLOW_IPS": "10.0.0.0/8, 127.0.0.1"}, {}, 200),
    ],
)
async def test_metrics_are_for_configured_addresses_or_the_token(
    database_url: str, more: dict[str, str], headers: dict[str, str], status: int
) -> None:
    async with served(database_url, **more) as client:
        response = await client.get("/metrics", headers=headers)
        assert response.status_code == status
        if status == 404:
            assert "luutru" not in response.text


async def test_metrics_count_requests_declarations_sign_ins_and_the_queue(
    database_url: str,
) -> None:
    async with served(database_url, METRICS_ALLOW_IPS="127.0.0.1") as client:

        async def scrape() -> str:
            response = await client.get("/metrics")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/plain")
            return response.text

        first = await scrape()

        token = await api_token(client, "owner.hk")
        guest = declaration()
        bad = declaration(date_of_birth="not a date")
        answers = await send_batch(client, token, [guest, bad])
        assert [r["result"] for r in answers.json()["results"]] == ["created", "invalid"]
        await send_batch(client, token, [guest])  # again: a duplicate
        wrong = await client.post(
            "/api/v1/auth/token", json={"username": "owner.hk", "password": "wrong"}
        )
        assert wrong.status_code == 401
        unknown = await client.get(f"/police/declarations/{guest['id']}/nothing-here")
        assert unknown.status_code == 404
        # The figures read from the database are kept for a few seconds: a fresh app.
    async with served(database_url, METRICS_ALLOW_IPS="127.0.0.1") as client:
        second = (await client.get("/metrics")).text

    def delta(name: str, **labels: str) -> float:
        return value(second, name, **labels) - value(first, name, **labels)

    assert delta("luutru_declarations_total", result="created") == 1
    assert delta("luutru_declarations_total", result="invalid") == 1
    assert delta("luutru_declarations_total", result="duplicate") == 1
    assert 'luutru_declarations_total{result="conflict"}' in second
    assert delta("luutru_sign_in_failures_total") == 1
    batch = {"method": "POST", "route": "/api/v1/declarations/batch", "status": "200"}
    assert delta("luutru_http_requests_total", **batch) == 2
    assert value(
        second, "luutru_http_request_seconds_count",
        method="POST", route="/api/v1/declarations/batch",
    ) >= 2  # fmt: skip
    assert delta("luutru_http_requests_total", method="GET", route="unmatched", status="404") >= 1
    assert guest["id"] not in second, "paths never become labels"
    assert value(second, "luutru_review_queue", province="1") >= 1  # Hà Nội's code
    assert "luutru_review_overdue" in second
    assert "luutru_db_pool_size" in second and "luutru_change_feed_lag" in second
    assert value(second, "luutru_change_feed_position") >= 1
    assert "luutru_live_streams" in second


async def test_every_answer_carries_a_request_id(client: httpx.AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "desk-42.retry_1"})
    assert mine.headers["x-request-id"] == "desk-42.retry_1"
    for hostile in ("two words", "x" * 65, "<script>", "a\u00e9"):
        answer = await client.get("/healthz", headers={b"X-Request-ID": hostile.encode()})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    missing = await client.get("/no/such/page")
    assert re.fullmatch(r"[0-9a-f]{32}", missing.headers["x-request-id"])


async def test_a_police_sign_in_is_counted_as_a_failure_when_wrong(database_url: str) -> None:
    async with served(database_url, METRICS_TOKEN=TOKEN) as client:
        before = value((await client.get("/metrics", headers=bearer(TOKEN))).text,
                       "luutru_sign_in_failures_total")  # fmt: skip
        response = await web_login(client, "police.hk", "not the password")
        assert response.status_code in (200, 401, 422)
        after = value((await client.get("/metrics", headers=bearer(TOKEN))).text,
                      "luutru_sign_in_failures_total")  # fmt: skip
    assert after - before == 1


def test_several_processes_answer_for_all_of_them(own_server: LiveServer) -> None:
    """WORKERS=2: the counters of both processes in one scrape, each family once."""
    own_server.stop()
    own_server.start(WORKERS="2", METRICS_ALLOW_IPS="127.0.0.1")
    with httpx.Client(base_url=own_server.url, timeout=10) as http:
        for _ in range(20):  # new connections: both processes answer some
            assert http.get("/healthz", headers={"Connection": "close"}).status_code == 200
        text = http.get("/metrics").text
    # 20, and the start's own health checks (at least one)
    assert value(text, "luutru_http_requests_total", method="GET", route="/healthz",
                 status="200") >= 21  # fmt: skip
    families = re.findall(r"^# TYPE (\S+)", text, flags=re.MULTILINE)
    assert len(families) == len(set(families)), "each metric family once"
    assert "luutru_db_pool_size" in text and "luutru_change_feed_position" in text
    # The processes' files are in a folder made for this start, removed at the stop.
    assert own_server.process is not None
    folder = Path(_environment(_children(own_server.process.pid)[0])["PROMETHEUS_MULTIPROC_DIR"])
    assert folder.is_dir() and any(folder.iterdir())
    assert own_server.stop() == 0
    assert not folder.exists()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return found


def _environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


async def test_sqlite_says_how_much_of_its_log_is_not_in_the_file_yet(
    database_url: str, app: Starlette
) -> None:
    """SQLite's checkpointer: the log's pages not yet copied into the database file, and
    the seconds since it was last copied whole. A read that keeps its snapshot open holds
    the checkpoint back, and the figures say so; once it ends they come back to 0."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def scrape() -> str:
            app.state.metrics_figures = None  # the figures are kept for a few seconds
            response = await client.get("/metrics", headers=bearer(TOKEN))
            assert response.status_code == 200
            return response.text

        app.state.settings = dataclasses.replace(app.state.settings, metrics_token=TOKEN)
        if not database_url.startswith("sqlite"):
            text = await scrape()
            assert not re.search(r"^luutru_sqlite_", text, flags=re.MULTILINE)
            return
        path = database_url[len("sqlite://") :]
        token = await api_token(client, "owner.hk")
        await send_batch(client, token, [declaration()])
        await asyncio.sleep(3 * sqlite.CHECKPOINT_EVERY_SECONDS)
        text = await scrape()
        assert value(text, "luutru_sqlite_wal_pages_behind", database="default") == 0
        assert value(text, "luutru_sqlite_checkpoint_age_seconds", database="default") < 1

        reader = sqlite3.connect(path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT COUNT(*) FROM declaration").fetchone()  # a snapshot
            await send_batch(client, token, [declaration()])
            await asyncio.sleep(5 * sqlite.CHECKPOINT_EVERY_SECONDS)
            held = await scrape()
            assert value(held, "luutru_sqlite_wal_pages_behind", database="default") > 0
            assert value(held, "luutru_sqlite_checkpoint_age_seconds", database="default") >= (
                3 * sqlite.CHECKPOINT_EVERY_SECONDS
            )
        finally:
            reader.close()
        await asyncio.sleep(3 * sqlite.CHECKPOINT_EVERY_SECONDS)
        text = await scrape()
        assert value(text, "luutru_sqlite_wal_pages_behind", database="default") == 0
        assert not re.search(r"^luutru_replica_", text, flags=re.MULTILINE)  # none here
