"""The hotel app's shell: its size, and a Lighthouse-style check run offline against
Debian's Chromium (Lighthouse itself needs npm and the network; these are the audits of
its PWA, accessibility and performance categories that matter for a cheap phone).

Size: every precached file (server/pwa.py precache(): with `make`'s bundle, one script)
as served, raw and gzip-compressed.
Audits (phone viewport 360×800, the real server):
- installable: the manifest's name, icons 192 and 512 (and a maskable one), start_url
  and scope, display standalone, theme colour; a service worker controls the page;
- works offline: with the server stopped, /app/ still loads from the service worker;
- first contentful paint, cold (nothing cached) and warm (from the service worker);
- document: lang, viewport meta, title; every form control has a label; images have alt;
  tap targets at least 48×48 px (WCAG 2.5.5 / Lighthouse's tap-targets);
- no console errors, no CSP violations.

    .venv/bin/python bench/shell.py

Writes bench/results/shell.json.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.sync_api import ConsoleMessage, Page, sync_playwright  # noqa: E402

from bench import common, ingest  # noqa: E402
from server import pwa  # noqa: E402
from tests.browser.conftest import open_phone  # noqa: E402

AUDIT_PAGE = """() => {
  const controls = [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden");
  const unlabelled = controls.filter((el) =>
    !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby")).map((el) => el.id || el.name);
  const small = [...document.querySelectorAll("button, a, input, select, [role=button]")]
    .filter((el) => el.offsetParent !== null && el.type !== "hidden"
      && el.type !== "radio" && el.type !== "checkbox")
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([, r]) => r.width < 48 || r.height < 48)
    .map(([el, r]) =>
      `${el.tagName.toLowerCase()}#${el.id || ""} ${Math.round(r.width)}x${Math.round(r.height)}`);
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    lang: document.documentElement.lang,
    title: document.title,
    viewport: !!document.querySelector('meta[name=viewport][content*="width=device-width"]'),
    images_without_alt: [...document.images].filter((i) => !i.hasAttribute("alt")).length,
    unlabelled_controls: unlabelled,
    small_tap_targets: small,
    first_contentful_paint_ms: paint ? Math.round(paint.startTime) : null,
    controlled: navigator.serviceWorker.controller !== null,
  };
}"""


def _sizes(base_url: str) -> dict[str, Any]:
    files = {}
    with httpx.Client(base_url=f"{base_url}/app/") as http:
        version = http.get("sw.js").headers["x-app-version"]
        for entry in (*pwa.precache(), "sw.js"):
            body = http.get(pwa.url(entry, version) if entry != "./" else "").content
            files[entry] = {"bytes": len(body), "gzip_bytes": len(gzip.compress(body, 9))}
    return {
        "files": files,
        "total_bytes": sum(f["bytes"] for f in files.values()),
        "total_gzip_bytes": sum(f["gzip_bytes"] for f in files.values()),
    }


def _manifest(base_url: str) -> dict[str, Any]:
    manifest = httpx.get(f"{base_url}/app/manifest.webmanifest").json()
    sizes = {(i.get("sizes"), i.get("purpose", "any")) for i in manifest.get("icons", [])}
    return {
        "name": bool(manifest.get("name") and manifest.get("short_name")),
        "icon_192": any(s == "192x192" for s, _p in sizes),
        "icon_512": any(s == "512x512" for s, _p in sizes),
        "maskable": any("maskable" in (p or "") for _s, p in sizes),
        "start_url_in_scope": str(manifest.get("start_url", "")).startswith(
            manifest.get("scope", "/app/")
        ),
        "standalone": manifest.get("display") == "standalone",
        "theme_color": bool(manifest.get("theme_color")),
    }


def run() -> dict[str, Any]:
    folder, server = ingest.demo_server("shell")
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    try:
        sizes = _sizes(server.url)
        manifest = _manifest(server.url)
        with sync_playwright() as playwright:
            context = open_phone(playwright, folder / "profile")
            page: Page = context.pages[0] if context.pages else context.new_page()
            page.on("console", on_console)
            page.goto(f"{server.url}/app/")
            page.locator("#username").wait_for()  # drawn (the page shows once drawn)
            cold = page.evaluate(AUDIT_PAGE)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.locator("#username").fill("staff.hk")
            page.locator("#password").fill(ingest.PASSWORD)
            page.locator("form button[type=submit]").click()
            page.locator("#new-guest").wait_for()
            signed_in = page.evaluate(AUDIT_PAGE)
            page.locator("#new-guest").click()
            form = page.evaluate(AUDIT_PAGE)
            server.stop()
            offline = page.goto(f"{server.url}/app/")
            page.locator("#new-guest").wait_for()
            warm = page.evaluate(AUDIT_PAGE)
            context.close()
    finally:
        server.stop()
    audits = {
        "manifest": manifest,
        "installable": all(manifest.values()) and warm["controlled"],
        "offline_start": bool(offline and offline.ok),
        "first_contentful_paint_ms": {
            "cold": cold["first_contentful_paint_ms"],
            "warm_offline": warm["first_contentful_paint_ms"],
        },
        "document": {k: cold[k] for k in ("lang", "title", "viewport", "images_without_alt")},
        "unlabelled_controls": sorted(
            {*signed_in["unlabelled_controls"], *form["unlabelled_controls"]}
        ),
        "small_tap_targets": sorted({*signed_in["small_tap_targets"], *form["small_tap_targets"]}),
        "console_errors": problems,
    }
    result = {
        "benchmark": "app shell",
        "date": common.now(),
        "machine": common.machine(),
        "shell": sizes,
        "audits": audits,
    }
    print(
        f"shell: {sizes['total_bytes']:,} bytes ({sizes['total_gzip_bytes']:,} gzip) in "
        f"{len(sizes['files'])} files; installable {audits['installable']}, offline start "
        f"{audits['offline_start']}, FCP cold {cold['first_contentful_paint_ms']} ms / warm "
        f"{warm['first_contentful_paint_ms']} ms; unlabelled {audits['unlabelled_controls']}, "
        f"small targets {audits['small_tap_targets']}, console errors {len(problems)}",
        flush=True,
    )
    return result


if __name__ == "__main__":
    common.write("shell", run())
