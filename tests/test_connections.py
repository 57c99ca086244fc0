"""The real server keeps an idle connection open longer than a proxy keeps its own
(``KEEP_ALIVE_SECONDS``): with uvicorn's default of 5 s, a proxy (or hotel software)
reusing a connection idle for a few seconds could find it closed under its request."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from tests.live import LiveServer

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: luutru\r\nConnection: keep-alive\r\n\r\n"


def _answer(conn: socket.socket) -> bytes:
    conn.sendall(REQUEST)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(4096)
        if not chunk:
            return received  # closed by the server
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += conn.recv(4096)
    return head


def test_a_connection_idle_for_longer_than_uvicorns_default_still_answers(
    live_server: LiveServer,
) -> None:
    address = urlsplit(live_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        assert _answer(conn).startswith(b"HTTP/1.1 200")
        time.sleep(6)  # uvicorn's default closes it after 5 s
        assert _answer(conn).startswith(b"HTTP/1.1 200")
