"""SIGKILL in the middle of a sync storm: every declaration ends up stored exactly once,
with its revision and its "received" event, and nothing half-written (both databases)."""

from __future__ import annotations

import time

from tests.live import LiveServer
from tests.outage.storm import Client, database_rows, start_storm

PER_CLIENT = 1000
KILL_AT = (500, 1500)  # stored declarations when the server is killed
DEADLINE_SECONDS = 240


def _count(url: str) -> int:
    return int(database_rows(url, "SELECT COUNT(*) FROM declaration")[0][0])


def test_a_killed_server_loses_nothing_and_stores_nothing_twice(own_server: LiveServer) -> None:
    clients = [Client.with_entries(u, PER_CLIENT) for u in ("owner.hk", "staff.hk", "owner.cn")]
    before = _count(own_server.database_url)
    worker, errors = start_storm(own_server.url, clients, DEADLINE_SECONDS)
    kills = 0
    deadline = time.monotonic() + DEADLINE_SECONDS
    for threshold in KILL_AT:
        while worker.is_alive() and _count(own_server.database_url) - before < threshold:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        if not worker.is_alive():
            break
        own_server.kill()  # mid-storm: requests in flight, a transaction perhaps open
        kills += 1
        time.sleep(0.5)  # the clients meet a closed port and keep retrying
        own_server.start()
    worker.join(DEADLINE_SECONDS)
    assert not worker.is_alive(), "the storm did not finish"
    assert not errors, errors
    assert kills == len(KILL_AT), "the storm ended before the server could be killed"

    # Every client was answered for every entry.
    sent = {item["id"]: item for c in clients for item in c.outbox}
    for client in clients:
        assert {i["id"] for i in client.outbox} <= set(client.answered)
    assert sum(c.retries for c in clients) > 0, "the kills should have forced retries"
    assert sum(c.resent for c in clients) > 0

    url = own_server.database_url
    rows = database_rows(url, "SELECT id, document_number, change_seq FROM declaration")
    stored = {str(r[0]): r for r in rows}
    assert len(rows) - before == len(sent) == len(stored) - before
    assert set(sent) <= set(stored)
    for record_id, item in sent.items():
        assert stored[record_id][1] == item["document_number"]
    # change numbers stay unique; each record has exactly one revision and one receipt event
    seqs = [r[2] for r in rows]
    assert len(set(seqs)) == len(seqs)
    (orphans,) = database_rows(
        url,
        "SELECT COUNT(*) FROM declaration d WHERE "
        "(SELECT COUNT(*) FROM declaration_revision r WHERE r.declaration_id = d.id) != 1 "
        "OR (SELECT COUNT(*) FROM declaration_event e "
        "    WHERE e.declaration_id = d.id AND e.action = 'received') != 1",
    )
    assert orphans[0] == 0
    (revisions,) = database_rows(url, "SELECT COUNT(*) FROM declaration_revision")
    assert revisions[0] == len(rows)
    # The server came back healthy and says so.
    assert "Traceback" not in own_server.log()
