"""A real server process on a free loopback port, as `make run` would start it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests import pg

ROOT = Path(__file__).resolve().parent.parent


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Poll /healthz until it answers 200, the process dies, or the deadline passes."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not become healthy in time")


class LiveServer:
    """``python -m server serve`` on a free loopback port, against a copy of the template."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = pg.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, command: str = "serve", **extra_env: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TESTING": "1",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_LEVEL": "warning",
        }
        env.pop("DEMO", None)
        env.update(extra_env)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(self.url, self.process, time.monotonic() + 60)

    def stop(self) -> int | None:
        """Stop as Ctrl-C does and return the exit code."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # what Ctrl-C does: a clean stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def kill(self) -> None:
        """Stop as a power cut or the OOM killer does: SIGKILL, no clean-up at all."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
