"""A throwaway PostgreSQL cluster for one test session.

PostgreSQL refuses to run as root, so when the tests run as root the server binaries run
as the ``postgres`` user (``runuser``). The cluster lives in a temp dir, listens only on
127.0.0.1 on a free port, and is stopped and deleted at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bindir() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: run `make test-deps`")
    return Path(found[-1]).parent


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


# Where the replica has replayed to, as a number of bytes.
REPLAYED = "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn"
WAL_PAGE = 8192  # XLOG_BLCKSZ
PAGE_HEADER = 40  # a long header (at a segment's start); a short one is 24


def record_end(insert_position: int) -> int:
    """The WAL position a replica has replayed to once it has everything written up to
    ``insert_position`` (``pg_current_wal_insert_lsn``, as bytes). Where the last record
    ended at a page's end, the insert position is past the next page's header, where no
    record ends: a replica waiting for it would wait until something else is written
    (a 20 s timeout and a 500 in the replica lane, once in a few runs)."""
    into_page = insert_position % WAL_PAGE
    return insert_position - into_page if into_page <= PAGE_HEADER else insert_position


@dataclass
class Cluster:
    root: Path
    port: int
    bindir: Path

    @classmethod
    def start(cls, durable: bool = False) -> Cluster:
        """Tests run without fsync (a throwaway cluster); benchmarks ask for ``durable``."""
        bindir = _bindir()
        root = Path(tempfile.mkdtemp(prefix="luutru-pg-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        data = root / "data"
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        extra = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        # Commits are not flushed at once (synchronous_commit=off): the WAL writer's pace is
        # how soon a replica sees them.
        extra += " -c wal_writer_delay=10ms"
        return cls._serve(bindir, root, extra)

    @classmethod
    def _serve(cls, bindir: Path, root: Path, extra: str) -> Cluster:
        """Start the server of the data directory ``root/data`` on a free loopback port."""
        port = free_port()
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"),
                    "-w", "-t", "60", "-o", f"{options} {extra}", "start",
                ]
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        return cls(root=root, port=port, bindir=bindir)

    def replica(self) -> Cluster:
        """A hot standby of this cluster: ``pg_basebackup -R`` (which writes the streaming
        settings), started on a port of its own; it replays the primary's WAL as it comes."""
        root = Path(tempfile.mkdtemp(prefix="luutru-pg-replica-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port),
                    "-U", "postgres", "-D", str(root / "data"), "-R", "-X", "stream",
                    "--checkpoint=fast",
                ]
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        return self._serve(self.bindir, root, "-c hot_standby=on -c fsync=off")

    def caught_up(self, replica: Cluster, timeout: float = 20.0) -> None:
        """Wait until ``replica`` has replayed everything this cluster has written (its
        WAL insert position: commits here do not wait for the WAL write)."""
        target = record_end(int(self.sql("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if int(replica.sql(REPLAYED)) >= target:
                return
            time.sleep(0.05)
        raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]
            ),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-qAtc",
                statement,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def create_database(self, name: str, template: str | None = None) -> None:
        suffix = f" TEMPLATE {template}" if template else ""
        self.sql(f'CREATE DATABASE "{name}"{suffix}')

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
