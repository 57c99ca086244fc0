"""Test fixtures: a real database per test (SQLite file or PostgreSQL), the real app.

The lane is chosen with ``--db sqlite`` (default) or ``--db postgres``. The PostgreSQL lane
starts its own throwaway cluster (initdb + pg_ctl as the ``postgres`` user, in a temp dir,
on a loopback port) and removes it at the end of the session.

Each test gets its own database, copied from a template that was migrated and loaded once
per session (provinces, wards, police units and the demo accounts), so tests are
independent and fast.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from server.app import create_app
from server.settings import Settings
from tests import pg, replica
from tests.builders import build_template, run_async, settings_for
from tests.live import LiveServer

_counter = itertools.count()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="database lane: an SQLite file per test, or a throwaway PostgreSQL cluster",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"database lane: {config.getoption('--db')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests last: sync Playwright keeps an event loop registered in the main
    # thread for as long as the session's browser lives, and async tests cannot run then.
    items.sort(key=lambda item: "browser" in item.keywords)
    if config.getoption("--db") != "postgres":
        skip = pytest.mark.skip(reason="PostgreSQL lane only")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def lane(pytestconfig: pytest.Config) -> str:
    """``"sqlite"`` or ``"postgres"``: the database this test session runs against."""
    return str(pytestconfig.getoption("--db"))


@pytest.fixture(scope="session")
def pg_cluster(lane: str) -> Iterator[pg.Cluster | None]:
    """The session's PostgreSQL cluster (None on the SQLite lane)."""
    if lane != "postgres":
        yield None
        return
    cluster = pg.Cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_replica(pg_cluster: pg.Cluster | None) -> Iterator[pg.Cluster | None]:
    """A streaming replica of the session's cluster, started when first asked for."""
    yield from replica.pg_replica_fixture(pg_cluster)


@pytest.fixture(scope="session")
def template_url(
    lane: str, pg_cluster: pg.Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A database migrated and loaded once, copied for every test."""
    if pg_cluster is not None:
        pg_cluster.create_database("template_luutru")
        url = pg_cluster.url("template_luutru")
    else:
        url = f"sqlite://{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"
    run_async(build_template(url))
    return url


@pytest.fixture
def database_url(template_url: str, pg_cluster: pg.Cluster | None, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the template database for one test."""
    if pg_cluster is not None:
        name = f"test_{next(_counter)}"
        pg_cluster.create_database(name, template="template_luutru")
        yield pg_cluster.url(name)
        pg_cluster.drop_database(name)
        return
    source = Path(template_url[len("sqlite://") :])
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(source, target)
    yield f"sqlite://{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings as a test server would have them: TESTING on, DEMO off."""
    return settings_for(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The real application with its lifespan running (database connected)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, through its full middleware stack."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


# --- real server processes (browser, outage and load tests) ---


def new_server(
    template_url: str, pg_cluster: pg.Cluster | None, folder: Path, name: str
) -> LiveServer:
    """A server (not yet started) on a database of its own, copied from the template."""
    if pg_cluster is not None:
        pg_cluster.create_database(name, template="template_luutru")
        url = pg_cluster.url(name)
    else:
        target = folder / f"{name}.sqlite3"
        shutil.copyfile(template_url[len("sqlite://") :], target)
        url = f"sqlite://{target}"
    return LiveServer(url, folder / f"{name}.log")


@pytest.fixture(scope="session")
def live_server(
    template_url: str, pg_cluster: pg.Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real server process, shared by the browser tests of this session."""
    server = new_server(template_url, pg_cluster, tmp_path_factory.mktemp("live"), "live")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_server(
    template_url: str, pg_cluster: pg.Cluster | None, tmp_path: Path
) -> Iterator[LiveServer]:
    """A server (and database) of one test's own, which the test may stop and start."""
    name = f"own_{uuid.uuid4().hex[:12]}"
    live = new_server(template_url, pg_cluster, tmp_path, name)
    live.start()
    try:
        yield live
    finally:
        live.stop()
        if pg_cluster is not None:
            pg_cluster.drop_database(name)
