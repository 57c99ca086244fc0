"""Reading the passport with the phone's camera, in Chromium, from synthetic frames made at
test time (tests/scan/frames.py): the reader's accuracy, Chromium's fake camera scanning a
passport and then a visa into the real form, and the still-photo fallback."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, Playwright, expect
from tortoise import Tortoise

from server import db, pwa
from server import settings as settings_module
from server.models import Declaration
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.browser.pwa_steps import forget_http_cache, reveal, screenshot, sign_in, today
from tests.builders import run_async
from tests.live import LiveServer
from tests.scan import documents
from tests.scan.frames import DECODE_JS, Scene, capture, scene, y4m

pytestmark = pytest.mark.browser

NORMAL_DOCUMENTS = 50
HARD_DOCUMENTS = 20
FIRST_FRAMES = 2  # two agreeing frames make a reading
MORE_FRAMES = 4  # a steady hand gives more frames of the same pose

READ_BURSTS = (
    """
async (bursts) => {"""
    + DECODE_JS
    + """
  const reader = await import("/app/js/scan/reader.js");
  const { Agreement } = await import("/app/js/scan/scanner.js");
  const out = [];
  for (const frames of bursts) {
    const agreement = new Agreement();
    let accepted = null;
    const singles = [];
    for (const encoded of frames) {
      const { rgba, width, height } = await decode(encoded);
      const result = reader.readFrame(reader.luma(rgba, width, height), width, height);
      singles.push(result.found ? result.lines.join("\\n") : null);
      const agreed = agreement.offer(result);
      if (agreed) {
        accepted = agreed.lines.join("\\n");
        break;
      }
    }
    out.push({ accepted, singles });
  }
  return out;
}
"""
)


@dataclass
class Outcome:
    read: int = 0
    wrong: int = 0
    missed: int = 0
    frames: int = 0
    frames_wrong: int = 0


def _encode(scene_: Scene, rng: random.Random, count: int) -> list[str]:
    return [base64.b64encode(capture(scene_, rng).jpeg).decode() for _ in range(count)]


def read_documents(page: Page, count: int, *, hard: bool, seed: int) -> Outcome:
    """Show ``count`` random documents to the reader, each as a burst of frames of one pose:
    two frames first, four more if those two did not agree on a reading."""
    rng = random.Random(seed)
    scenes = [scene(documents.make(rng), rng, hard=hard) for _ in range(count)]
    results = page.evaluate(READ_BURSTS, [_encode(s, rng, FIRST_FRAMES) for s in scenes])
    again = [i for i, r in enumerate(results) if r["accepted"] is None]
    retried = page.evaluate(READ_BURSTS, [_encode(scenes[i], rng, MORE_FRAMES) for i in again])
    for i, result in zip(again, retried, strict=True):
        results[i] = {
            "accepted": result["accepted"],
            "singles": results[i]["singles"] + result["singles"],
        }
    outcome = Outcome()
    for posed, result in zip(scenes, results, strict=True):
        truth = posed.document.text
        outcome.frames += len(result["singles"])
        outcome.frames_wrong += sum(1 for s in result["singles"] if s is not None and s != truth)
        if result["accepted"] is None:
            outcome.missed += 1
        elif result["accepted"] == truth:
            outcome.read += 1
        else:
            outcome.wrong += 1
    return outcome


@pytest.fixture(scope="module")
def app_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page of the app's origin, where the reader's modules can be imported."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/app/manifest.webmanifest")
    yield page
    context.close()


def test_normal_frames_are_read_exactly_and_never_wrongly(app_page: Page) -> None:
    """50 documents (passports, ID cards, visas) under blur, noise, rotation up to ±5°,
    perspective, uneven light, a glare spot and JPEG: at least 49 read exactly, none wrong."""
    outcome = read_documents(app_page, NORMAL_DOCUMENTS, hard=False, seed=2026)
    assert outcome.wrong == 0, outcome
    assert outcome.read >= NORMAL_DOCUMENTS - 1, outcome


def test_hard_frames_never_give_a_wrong_reading(app_page: Page) -> None:
    """20 documents small and blurred: the reader may give up, but accepts nothing wrong."""
    outcome = read_documents(app_page, HARD_DOCUMENTS, hard=True, seed=2027)
    assert outcome.wrong == 0, outcome


# --- the fake camera, into the real form ------------------------------------------------------

BIRTH = date(1980, 5, 17)
PASSPORT = documents.td3("SMITH", "JOHN PAUL", "A12345678", "USA", BIRTH, "M", date(2031, 3, 1))


def picture(name: str, data: bytes) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def visa_until() -> date:
    return today() + timedelta(days=29)


def camera_file(tmp_path: Path) -> Path:
    """A looping video: the passport's data page, then the visa sticker (same pose each)."""
    rng = random.Random(5)
    visa = documents.mrva("SMITH", "JOHN PAUL", "VN0123456", "USA", BIRTH, "M", visa_until(), "DL")
    frames = [capture(s, rng).jpeg for s in [scene(PASSPORT, rng, pitch=18)] for _ in range(8)]
    frames += [capture(s, rng).jpeg for s in [scene(visa, rng, pitch=18)] for _ in range(8)]
    path = tmp_path / "camera.y4m"
    y4m(frames, path, fps=8)
    return path


def open_camera_phone(
    playwright: Playwright, video: Path | None, *, camera: bool = True, allow: bool = True
) -> BrowserContext:
    """A phone-sized Chromium of its own: its fake camera playing ``video`` (Chromium's
    test pattern when None), the permission prompt answered "allow" (``allow``) or
    dismissed; with ``camera`` False, no camera at all."""
    args = list(CHROMIUM_ARGS)
    if camera:
        args.append("--use-fake-device-for-media-stream")
        if allow:
            args.append("--use-fake-ui-for-media-stream")
        if video is not None:
            args.append(f"--use-file-for-fake-video-capture={video}")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    return browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True)


async def stored(database_url: str, full_name: str) -> dict[str, Any]:
    await db.connect(settings_module.load({"DATABASE_URL": database_url, "TESTING": "1"}))
    try:
        row = await Declaration.get(full_name=full_name)
        return {k: getattr(row, k) for k in row._meta.fields_map if not k.startswith("_")}
    finally:
        await Tortoise.close_connections()


def test_the_fake_camera_scans_a_passport_then_a_visa_into_the_form(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    context = open_camera_phone(playwright_instance, camera_file(tmp_path))
    context.grant_permissions(["camera"], origin=own_server.url)
    page = context.new_page()
    try:
        sign_in(page, own_server.url, "staff.hk")
        page.locator("#new-guest").click()

        page.locator("#scan-passport").click()
        expect(page.locator("#scan-read")).to_have_text(PASSPORT.text, timeout=30_000)
        screenshot(page, "scan-read-vi")
        page.locator("#scan-accept").click()
        expect(page.locator("#scan")).to_have_count(0)
        expect(page.locator("#read-card")).to_contain_text("SMITH JOHN PAUL")
        expect(page.locator("#read-card")).to_contain_text("A12345678")
        # The United States are not visa-exempt: an e-visa is assumed until the visa is read.
        expect(page.locator("#f-entry_kind")).to_have_value("e_visa")

        page.locator("#scan-visa").click()
        expect(page.locator("#scan-read")).to_contain_text("VN0123456", timeout=30_000)
        page.locator("#scan-accept").click()
        expect(page.locator("#visa-status")).to_contain_text("Đã đọc từ thị thực")
        expect(page.locator("#f-entry_document_number")).to_have_value("VN0123456")

        page.locator('[data-nights="2"]').click()
        page.locator("#f-room").fill("305")
        screenshot(page, "scan-form-vi")
        reveal(page, "entry_port")
        page.locator("#f-entry_port").select_option("HAN")
        page.locator("#save").click()
        expect(page.locator("#new-guest")).to_be_visible()
        record = page.locator("#record-list a", has_text="SMITH JOHN PAUL")
        expect(record).to_be_visible(timeout=30_000)
    finally:
        context.browser.close()  # type: ignore[union-attr]

    saved = run_async(stored(own_server.database_url, "SMITH JOHN PAUL"))
    expected = {
        "sex": "M",
        "date_of_birth": "1980-05-17",
        "nationality": "USA",
        "document_type": "passport",
        "document_number": "A12345678",
        "document_expiry": date(2031, 3, 1),
        "entry_kind": "visa",
        "visa_category": "DL",
        "entry_document_number": "VN0123456",
        "stay_permitted_until": visa_until(),
        "entry_date": today(),
        "entry_port": "HAN",
        "purpose": "tourism",
        "expected_departure": today() + timedelta(days=2),
        "room": "305",
    }
    got = {key: saved[key] for key in expected}
    assert got == expected
    assert saved["mrz"] == PASSPORT.text


def test_a_refused_camera_says_how_to_allow_it_and_a_photo_reads_instead(
    playwright_instance: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    # A fake camera exists, but the permission prompt is dismissed (no fake UI): refused.
    context = open_camera_phone(playwright_instance, None, allow=False)
    page = context.new_page()
    rng = random.Random(9)
    photo = capture(scene(PASSPORT, rng, pitch=16), rng).jpeg
    try:
        sign_in(page, live_server.url, "staff.hk")
        page.locator("#new-guest").click()
        page.locator("#scan-passport").click()
        expect(page.locator("#scan-status")).to_contain_text("Camera đang bị chặn", timeout=15_000)
        expect(page.locator("#scan-photo-button")).to_be_visible()
        page.locator("#scan-photo").set_input_files(files=[picture("passport.jpg", photo)])
        expect(page.locator("#scan-read")).to_have_text(PASSPORT.text, timeout=15_000)
        page.locator("#scan-accept").click()
        expect(page.locator("#f-full_name")).to_have_value("SMITH JOHN PAUL")
        expect(page.locator("#f-document_number")).to_have_value("A12345678")
    finally:
        context.browser.close()  # type: ignore[union-attr]


def test_a_photo_of_something_else_says_so_and_fills_nothing(
    playwright_instance: Playwright, live_server: LiveServer
) -> None:
    context = open_camera_phone(playwright_instance, None, camera=False)
    page = context.new_page()
    rng = random.Random(11)
    visa = documents.mrva("SMITH", "JOHN", "VN7654321", "USA", BIRTH, "M", visa_until())
    try:
        sign_in(page, live_server.url, "staff.hk")
        page.locator("#new-guest").click()
        page.locator("#scan-passport").click()
        expect(page.locator("#scan-photo-button")).to_be_visible()
        # A visa where the passport is expected.
        visa_photo = capture(scene(visa, rng, pitch=16), rng).jpeg
        page.locator("#scan-photo").set_input_files(files=[picture("v.jpg", visa_photo)])
        expect(page.locator("#scan-status")).to_contain_text("Đây là thị thực", timeout=15_000)
        # Not a picture at all.
        page.locator("#scan-photo").set_input_files(files=[picture("x.jpg", b"not a picture")])
        expect(page.locator("#scan-status")).to_contain_text("không phải là ảnh", timeout=15_000)
        page.locator("#scan-cancel").click()
        expect(page.locator("#f-full_name")).to_have_value("")
    finally:
        context.browser.close()  # type: ignore[union-attr]


CACHED_READER = """
async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path.includes("/js/scan/") || path.endsWith("/js/mrz.js")) found.push(path);
    }
  }
  return found.sort();
}
"""


def test_the_reader_is_fetched_on_first_use_then_works_offline(
    playwright_instance: Playwright, own_server: LiveServer, tmp_path: Path
) -> None:
    """Not in the first-load shell; cached by the service worker when the scan screen first
    opens; after that it opens with the server gone."""
    from tests.browser.conftest import open_app
    from tests.browser.pwa_steps import wait_for_offline_shell

    context, page = open_app(playwright_instance, tmp_path / "profile", own_server.url)
    try:
        sign_in(page, own_server.url, "staff.hk")
        wait_for_offline_shell(page)
        assert page.evaluate(CACHED_READER) == []
        page.locator("#new-guest").click()
        page.locator("#scan-passport").click()
        expect(page.locator("#scan-photo-button")).to_be_visible()
        version = httpx.get(f"{own_server.url}/app/sw.js").headers["x-app-version"]
        reader_files = sorted(f"/app/{pwa.url(entry, version)}" for entry in pwa.LAZY)
        for _ in range(50):
            if len(page.evaluate(CACHED_READER)) == len(reader_files):
                break
            page.wait_for_timeout(100)
        assert page.evaluate(CACHED_READER) == reader_files
        page.locator("#scan-cancel").click()
        own_server.stop()
        forget_http_cache(page)  # only the service worker's cache from here on
        page.reload()  # back on the new-guest screen (#/new), from the service worker
        page.locator("#scan-passport").click()
        expect(page.locator(".toast")).to_have_count(0)
        # The reader itself runs with no network: a photo is read.
        rng = random.Random(3)
        photo = capture(scene(PASSPORT, rng, pitch=16), rng).jpeg
        page.locator("#scan-photo").set_input_files(files=[picture("passport.jpg", photo)])
        expect(page.locator("#scan-read")).to_have_text(PASSPORT.text, timeout=15_000)
    finally:
        context.close()


def test_no_lines_found_for_a_while_gives_a_hint(
    playwright_instance: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    """The camera sees a page with no MRZ: after a few seconds, how to hold it."""
    import io

    from PIL import Image

    blank = io.BytesIO()
    Image.effect_noise((640, 360), 20).convert("RGB").save(blank, "JPEG")
    video = tmp_path / "blank.y4m"
    y4m([blank.getvalue()] * 4, video, fps=4)
    context = open_camera_phone(playwright_instance, video)
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "staff.hk")
        page.locator("#new-guest").click()
        page.locator("#scan-passport").click()
        expect(page.locator("#scan-status")).to_contain_text("Giữ yên trang")
        expect(page.locator("#scan-status")).to_contain_text("đặt trang phẳng", timeout=15_000)
        page.locator("#scan-cancel").click()
        expect(page.locator("#scan")).to_have_count(0)
    finally:
        context.browser.close()  # type: ignore[union-attr]
