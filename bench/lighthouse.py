"""Lighthouse 12 (npm, from package-lock.json) against the real server with Debian's
Chromium, mobile, simulated slow 4G (Lighthouse's default), three runs of each page:

- ``/app/`` signed out, cold (nothing cached);
- ``/app/`` signed in as staff.hk with 60 guests, cold: the session is kept (IndexedDB)
  but the service worker, its caches and the HTTP cache are cleared before each run;
- the police queue (``/police/declarations``) signed in as police.hk, HTTP cache cleared.

Records the median of each category's score and the audits passed and failed, against
the targets: performance at least 0.90, the other categories at least 0.95, text
compression and cache lifetimes passed.

    .venv/bin/python bench/lighthouse.py [--runs 3]

Writes bench/results/lighthouse.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from bench import common, ingest  # noqa: E402
from tests import pg  # noqa: E402
from tests.browser.conftest import CHROMIUM  # noqa: E402
from tests.builders import declaration  # noqa: E402
from tests.live import LiveServer  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 0.90, "accessibility": 0.95, "best-practices": 0.95, "seo": 0.95}
MUST_PASS = ("uses-text-compression", "uses-long-cache-ttl")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _seed(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        token = http.post(
            "/api/v1/auth/token", json={"username": "owner.hk", "password": ingest.PASSWORD}
        ).json()["access_token"]
        items = [declaration(room=str(100 + n % 40)) for n in range(60)]
        answer = http.post(
            "/api/v1/declarations/batch",
            json={"declarations": items},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert all(r["result"] == "created" for r in answer.json()["results"]), answer.text


def _sign_in(browser: Browser, server: LiveServer) -> None:
    base = server.url
    context = browser.contexts[0]
    page = context.new_page()
    ingest.app_signed_in(page, server)
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill("police.hk")
    page.locator("input[name=password]").fill(ingest.PASSWORD)
    page.locator('form[action="/login"] button[type=submit]').click()
    page.wait_for_url(f"{base}/police/**")
    page.close()


def _cold(browser: Browser, base: str) -> None:
    """Forget the service worker, its caches and the HTTP cache; keep the sign-ins."""
    context = browser.contexts[0]
    page = context.new_page()
    page.goto(f"{base}/healthz")
    page.evaluate(
        """async () => {
          for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
          for (const name of await caches.keys()) await caches.delete(name);
        }"""
    )
    session = context.new_cdp_session(page)
    session.send("Network.clearBrowserCache")
    session.detach()
    page.close()


def _lighthouse(url: str, port: int, out: Path, keep_storage: bool) -> dict[str, Any]:
    command = [
        str(LIGHTHOUSE),
        url,
        f"--port={port}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if keep_storage:
        command.append("--disable-storage-reset")
    subprocess.run(command, check=True, timeout=300)  # noqa: S603 — our own tool
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _summary(reports: list[dict[str, Any]]) -> dict[str, Any]:
    scores = {
        c: statistics.median(r["categories"][c]["score"] for r in reports) for c in CATEGORIES
    }
    last = reports[-1]["audits"]
    scored = {
        name: audit["score"]
        for name, audit in last.items()
        if audit.get("score") is not None
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    }
    metrics = {
        m: statistics.median(r["audits"][m]["numericValue"] for r in reports)
        for m in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
            "speed-index",
            "cumulative-layout-shift",
        )
    }
    return {
        "runs": [{c: r["categories"][c]["score"] for c in CATEGORIES} for r in reports],
        "median": scores,
        "metrics_median": {k: round(v, 3) for k, v in metrics.items()},
        "failed_audits": sorted(n for n, s in scored.items() if s < 0.9),
        "passed_audits": sorted(n for n, s in scored.items() if s >= 0.9),
        "meets_targets": all(scores[c] >= TARGETS[c] for c in CATEGORIES)
        and all(all(r["audits"][a]["score"] >= 0.9 for r in reports) for a in MUST_PASS),
    }


def run(runs: int) -> dict[str, Any]:
    folder, server = ingest.demo_server("lighthouse")
    port = pg.free_port()
    profile = common.scratch("bench-lighthouse-profile-")
    chromium = subprocess.Popen(  # noqa: S603 — Debian's Chromium
        [CHROMIUM, *FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pages: dict[str, Any] = {}
    try:
        _seed(server.url)
        with sync_playwright() as playwright:
            for _attempt in range(50):
                try:
                    browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
                    break
                except Exception:
                    time.sleep(0.2)
            targets = {
                # Lighthouse resets the origin's storage itself before this one.
                "app_signed_out": (f"{server.url}/app/", False),
                "app_signed_in": (f"{server.url}/app/", True),
                "police_queue": (f"{server.url}/police/declarations", True),
            }
            for name, (url, signed_in) in targets.items():
                if signed_in and name == "app_signed_in":
                    _sign_in(browser, server)
                reports = []
                for n in range(runs):
                    if signed_in:
                        _cold(browser, server.url)
                    out = folder / f"{name}-{n}.json"
                    reports.append(_lighthouse(url, port, out, keep_storage=signed_in))
                pages[name] = _summary(reports)
                print(name, pages[name]["median"], pages[name]["failed_audits"], flush=True)
            browser.close()
    finally:
        chromium.terminate()
        server.stop()
    version = subprocess.run(  # noqa: S603 — our own tool
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        "when": common.now(),
        "machine": common.machine(),
        "lighthouse": version,
        "throttling": "Lighthouse default: mobile, simulated slow 4G, 4x CPU slowdown",
        "targets": TARGETS,
        "must_pass": list(MUST_PASS),
        "pages": pages,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    common.write("lighthouse", run(parser.parse_args().runs))
