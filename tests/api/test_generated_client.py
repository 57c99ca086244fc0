"""A vendor's generated client (issue 17): openapi-python-client builds a Python client
from the live server's /api/v1/openapi.json, and that client, imported as generated, runs
the hotel software's day: a token, a batch, the same batch again (duplicates), the change
feed, a check-out. Its models parse every answer strictly, so an answer that strays from
the document fails here."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests import pg
from tests.builders import DEMO_PASSWORD, declaration
from tests.live import LiveServer

BIN = Path(sys.executable).parent
PACKAGE = "luutru_client"


@pytest.fixture(scope="module")
def generated(
    template_url: str, pg_cluster: pg.Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, dict[str, ModuleType]]]:
    from tests.conftest import new_server

    folder = tmp_path_factory.mktemp("client")
    server = new_server(template_url, pg_cluster, folder, "client")
    server.start()
    try:
        document = folder / "openapi.json"
        document.write_bytes(httpx.get(f"{server.url}/api/v1/openapi.json").content)
        done = subprocess.run(
            [
                str(BIN / "openapi-python-client"),
                "generate",
                "--path",
                str(document),
                "--meta",
                "none",
                "--output-path",
                str(folder / PACKAGE),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        )
        assert done.returncode == 0, done.stdout + done.stderr
        # Nothing left out: every operation and answer was understood.
        assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
        sys.path.insert(0, str(folder))
        try:
            names = ("token", "declarations_batch", "declarations", "declaration_checkout")
            modules = {n: importlib.import_module(f"{PACKAGE}.api.default.{n}") for n in names}
            modules["client"] = importlib.import_module(PACKAGE)
            modules["models"] = importlib.import_module(f"{PACKAGE}.models")
            yield server, modules
        finally:
            sys.path.remove(str(folder))
            for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
                del sys.modules[name]
    finally:
        server.stop()


def test_a_generated_client_runs_the_hotels_day(
    generated: tuple[LiveServer, dict[str, ModuleType]],
) -> None:
    server, api = generated
    models: Any = api["models"]
    base = f"{server.url}/api/v1"
    with api["client"].Client(base_url=base) as anonymous:
        answer = api["token"].sync(
            client=anonymous, body=models.TokenBody(username="owner.hk", password=DEMO_PASSWORD)
        )
    assert isinstance(answer, models.TokenResponse200), answer
    with api["client"].AuthenticatedClient(base_url=base, token=answer.access_token) as client:
        guest = models.DeclarationInput.from_dict(declaration(full_name="GENERATED CLIENT"))
        batch = models.DeclarationsBatchBody(declarations=[guest.to_dict()])
        first = api["declarations_batch"].sync(client=client, body=batch)
        assert isinstance(first, models.DeclarationsBatchResponse200), first
        assert [r.result.value for r in first.results] == ["created"]
        again = api["declarations_batch"].sync(client=client, body=batch)
        assert [r.result.value for r in again.results] == ["duplicate"]
        assert again.results[0].receipt_number == first.results[0].receipt_number

        feed = api["declarations"].sync(client=client, cursor="0", limit=500)
        assert isinstance(feed, models.DeclarationsResponse200), feed
        mine = [d for d in feed.declarations if str(d.id) == str(guest.id)]
        assert [d.full_name for d in mine] == ["GENERATED CLIENT"]
        assert mine[0].stay_status.value == "in_house"

        left = api["declaration_checkout"].sync(
            uuid.UUID(str(guest.id)), client=client, body=models.DeclarationCheckoutBody()
        )
        assert isinstance(left, models.DeclarationCheckoutResponse200), left
        assert left.declaration.stay_status.value == "checked_out"
        # The feed carries the change, parsed by the same models.
        later = api["declarations"].sync(client=client, cursor=feed.next_cursor)
        assert [str(d.id) for d in later.declarations] == [str(guest.id)]
        # A wrong id is the documented Error, not an exception.
        missing = api["declaration_checkout"].sync(
            uuid.uuid4(), client=client, body=models.DeclarationCheckoutBody()
        )
        assert isinstance(missing, models.Error) and missing.error.code == "not_found"
