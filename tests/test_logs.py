"""The server's log after a full scenario holds no guest: a real server process with JSON
logs at debug level; a hotel declares, resends and gets an error; an officer searches by
name and by document, opens the record, confirms it, exports; bad requests on the way.
The guest's name and document number must appear nowhere in the log."""

from __future__ import annotations

import json
import re

import httpx

from tests.builders import DEMO_PASSWORD, declaration, web_login
from tests.live import LiveServer

NAME = "QUILLFEATHER ZYGMUNTA"
DOCUMENT = "QZ7654321"


async def _scenario(base_url: str) -> list[str]:
    request_ids = []
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as http:
        token = (
            await http.post(
                "/api/v1/auth/token", json={"username": "owner.hk", "password": DEMO_PASSWORD}
            )
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        guest = declaration(full_name=NAME, document_number=DOCUMENT)
        twin = declaration(full_name=NAME, document_number=DOCUMENT, date_of_birth="1990-02-31")
        for body in ([guest, twin], [guest]):
            sent = await http.post(
                "/api/v1/declarations/batch", json={"declarations": body}, headers=auth
            )
            assert sent.status_code == 200, sent.text
            request_ids.append(sent.headers["x-request-id"])
        assert (await http.get("/api/v1/declarations?cursor=0", headers=auth)).status_code == 200
        await http.get(f"/api/v1/declarations/{guest['id']}", headers=auth)
        await http.get(f"/api/v1/declarations?cursor={DOCUMENT}", headers=auth)  # 400

        signed_in = await web_login(http, "police.hk")
        assert signed_in.status_code in (302, 303)
        for query in (f"name={NAME.split()[0].lower()}", f"doc={DOCUMENT}", "name=quill&from=x"):
            await http.get(f"/police/declarations?state=all&{query}")
        page = await http.get(f"/police/declarations/{guest['id']}")
        assert NAME in page.text  # the officer sees it; the log must not
        await http.get(f"/police/declarations/export.csv?state=all&doc={DOCUMENT}")
        preview = await http.get("/police/declarations/bulk-confirm")
        upto = re.search(r'name="upto" value="(\d+)"', preview.text)
        assert upto is not None
        await http.post(
            "/police/declarations/bulk-confirm",
            data={"csrf_token": http.cookies["csrftoken"], "upto": upto[1]},
        )
        await http.get(f"/receipts/verify/{DOCUMENT}")
        await http.get(f"/nowhere/{DOCUMENT}")
    return request_ids


def test_the_log_of_a_full_scenario_names_no_guest(own_server: LiveServer) -> None:
    from tests.builders import run_async

    own_server.stop()
    own_server.start(LOG_FORMAT="json", LOG_LEVEL="debug")
    request_ids = run_async(_scenario(own_server.url))
    own_server.stop()
    log = own_server.log()
    lines = [line for line in log.splitlines() if line.startswith("{")]
    assert lines, log[-2000:]
    for word in (*NAME.split(), DOCUMENT):
        for form in (word, word.lower(), word.capitalize()):
            assert form not in log, f"{form} is in the server's log"
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e["logger"] == "luutru.access"]
    assert {e["route"] for e in access} >= {
        "/api/v1/declarations/batch",
        "/police/declarations",
        "/police/declarations/{declaration_id:uuid}",
        "unmatched",
    }
    assert set(request_ids) <= {e["request_id"] for e in access}
    assert all(e["level"] in ("debug", "info", "warning", "error") for e in entries)
