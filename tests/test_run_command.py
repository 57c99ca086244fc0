"""`python -m server run` (what `make run` calls) on an empty database, twice."""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import pg
from tests.live import LiveServer


@pytest.fixture
def empty_database_url(pg_cluster: pg.Cluster | None, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even tables."""
    if pg_cluster is None:
        yield f"sqlite://{tmp_path / 'fresh' / 'luutru.sqlite3'}"
        return
    pg_cluster.create_database("fresh_run")
    yield pg_cluster.url("fresh_run")
    pg_cluster.drop_database("fresh_run")


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
        return int(response.status), response.read().decode()


def test_run_migrates_loads_demo_serves_and_keeps_data_on_restart(
    empty_database_url: str, tmp_path: Path
) -> None:
    first = LiveServer(empty_database_url, tmp_path / "first.log")
    first.start("run", DEMO="1")
    status, body = _get(f"{first.url}/login")
    assert status == 200 and "Đăng nhập" in body
    assert first.stop() == 0, "Ctrl-C should stop the server cleanly"
    log = first.log()
    assert "Added 34 provinces, 3321 wards, 3390 police units." in log
    assert "Demo data loaded." in log and "police.hk" in log and "demo-password" in log
    assert "Traceback" not in log

    second = LiveServer(empty_database_url, tmp_path / "second.log")
    second.start("run", DEMO="1")
    status, body = _get(f"{second.url}/healthz")
    assert json.loads(body)["status"] == "ok"
    assert second.stop() == 0
    log = second.log()
    assert "Added 0 provinces, 0 wards, 0 police units." in log
    assert "Database not empty: demo data left as it was." in log
    assert "Traceback" not in log


def test_demo_data_is_never_loaded_without_demo(empty_database_url: str, tmp_path: Path) -> None:
    server = LiveServer(empty_database_url, tmp_path / "server.log")
    server.start("run", SECRET_KEY="s" * 40, COOKIE_SECURE="0")
    assert server.stop() == 0
    assert "Demo data" not in server.log()


def test_ctrl_c_ends_open_live_queue_streams_instead_of_waiting_for_them(
    empty_database_url: str, tmp_path: Path
) -> None:
    server = LiveServer(empty_database_url, tmp_path / "server.log")
    server.start("run", DEMO="1")
    opened = threading.Event()

    def listen() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            login = browser.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login)
            assert token is not None
            browser.post(
                "/login",
                data={"csrf_token": token.group(1), "username": "police.hk",
                      "password": "demo-password"},
            )  # fmt: skip
            queue = browser.get("/police/declarations").text
            live = re.search(r'data-since="(\d+)" data-key="([0-9a-f]+)"', queue)
            assert live is not None
            stream_url = f"/police/declarations/stream?since={live.group(1)}&key={live.group(2)}"
            with browser.stream("GET", stream_url) as stream:
                for _chunk in stream.iter_text():
                    opened.set()

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert opened.wait(10), "the stream did not open"
    assert server.stop() == 0
    reader.join(10)
    assert not reader.is_alive(), "the stream was not closed by the server"
    assert "graceful shutdown exceeded" not in server.log()
