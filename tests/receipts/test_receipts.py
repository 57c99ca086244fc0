"""Receipts: print view and PDF in both languages, signed QR codes that verify (page and
command) and fail when altered, and who may print what."""

from __future__ import annotations

import asyncio
import io
import re
import sys
from urllib.parse import quote

import httpx
from pypdf import PdfReader
from starlette.applications import Starlette

from server import totp
from server.models import Declaration
from server.receipts.documents import signer
from server.receipts.signing import Claim, verify
from server.settings import ROOT
from tests.builders import api_token, declaration, declared, signed_out
from tests.police import steps


async def _declared(
    client: httpx.AsyncClient, username: str = "staff.hk", n: int = 2
) -> list[Declaration]:
    token = await api_token(client, username)
    items = [declaration(full_name=f"NGUYEN THI {chr(65 + i)}") for i in range(n)]
    await declared(client, token, *items)
    return [await Declaration.get(id=item["id"]) for item in items]


def _code(html: str) -> str:
    found = re.search(r'<code class="wrap">([^<]+)</code>', html)
    assert found
    return found.group(1).replace("&#43;", "+")


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_a_declarations_receipt_in_both_languages_html_and_pdf(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    d = (await _declared(client))[0]
    owner = await steps.officer(app, "owner.hk")
    vi = await owner.get(f"/receipts/declarations/{d.id}")
    assert vi.status_code == 200
    assert "Giấy biên nhận khai báo tạm trú" in vi.text and d.receipt_number in vi.text
    assert "Công an phường Hoàn Kiếm".upper() in vi.text and "<svg" in vi.text
    en = await owner.get(f"/receipts/declarations/{d.id}", headers={"Accept-Language": "en"})
    assert "Receipt of a temporary residence declaration" in en.text

    for lang, title in (
        ("vi", "Giấy biên nhận khai báo tạm trú"),
        ("en", "Receipt of a temporary"),
    ):
        answer = await owner.get(
            f"/receipts/declarations/{d.id}/pdf", headers={"Accept-Language": lang}
        )
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        text = _pdf_text(answer.content)
        assert d.receipt_number in text and title in text, text
        assert "NGUYEN THI A" in text


async def test_a_days_receipt_lists_every_declaration_with_its_number(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    ds = await _declared(client, n=3)
    day = ds[0].received_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")).date()
    owner = await steps.officer(app, "owner.hk")
    html = await owner.get(f"/receipts/day?day={day.isoformat()}")
    assert html.status_code == 200
    for d in ds:
        assert d.receipt_number in html.text
    pdf = await owner.get(f"/receipts/day/pdf?day={day.isoformat()}")
    text = _pdf_text(pdf.content)
    assert all(d.receipt_number in text for d in ds)
    assert f"D{day:%Y%m%d}-{ds[0].establishment_id}" in text
    claim = verify(_code(html.text), signer(app.state.settings.receipt_key_file).public_pem())
    assert claim is not None and claim.kind == "D" and claim.count == 3
    # The police of the ward print the same for that establishment; another ward cannot.
    police = await steps.officer(app, "police.hk")
    query = f"day={day.isoformat()}&establishment={ds[0].establishment_id}"
    assert (await police.get(f"/receipts/day?{query}")).status_code == 200
    other = await steps.officer(app, "police.cn")
    assert (await other.get(f"/receipts/day?{query}")).status_code == 404


async def test_the_qr_code_verifies_and_an_altered_one_does_not(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    d = (await _declared(client))[0]
    owner = await steps.officer(app, "owner.hk")
    html = (await owner.get(f"/receipts/declarations/{d.id}")).text
    code = _code(html)
    public = signer(app.state.settings.receipt_key_file).public_pem()
    claim = verify(code, public)
    assert claim is not None
    assert claim == Claim(
        "R", d.receipt_number, str(d.id), d.establishment_id, "W00070", claim.at, 1,
        d.document_number[-4:], signer(app.state.settings.receipt_key_file).key_id,
    )  # fmt: skip
    forged = code.replace(d.receipt_number, "AAAA-BBBB-CC")
    assert verify(forged, public) is None
    # The check page: public, says genuine, and links to the record for the ward's police.
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    )
    page = await anonymous.get("/receipts/check", params={"c": code})
    assert (
        page.status_code == 200 and 'id="verdict"' in page.text and "record-link" not in page.text
    )
    assert (await anonymous.get("/receipts/check", params={"c": forged})).status_code == 422
    police = await steps.officer(app, "police.hk")
    linked = await police.get("/receipts/check", params={"c": code})
    assert f"/police/declarations/{d.id}" in linked.text
    other = await steps.officer(app, "police.cn")
    assert "record-link" not in (await other.get("/receipts/check", params={"c": code})).text
    # The QR code on the page is the drawing of the check page's address with the code.
    url = f"http://testserver/receipts/check?c={quote(code, safe='')}"
    assert totp.qr_svg(url) in html


async def test_the_command_verifies_a_code(client: httpx.AsyncClient, app: Starlette) -> None:
    d = (await _declared(client))[0]
    owner = await steps.officer(app, "owner.hk")
    code = _code((await owner.get(f"/receipts/declarations/{d.id}")).text)
    key = str(app.state.settings.receipt_key_file)
    status, out = await _command("verify-receipt", code, key_file=key)
    assert status == 0 and "GENUINE" in out and d.receipt_number in out
    status, out = await _command("verify-receipt", code[:-3] + "AAA", key_file=key)
    assert status == 1 and "NOT GENUINE" in out


async def _command(*args: str, key_file: str) -> tuple[int, str]:
    """Run ``python -m server ARGS`` as an operator would; its exit status and output."""
    env = {"TESTING": "1", "RECEIPT_KEY_FILE": key_file, "PATH": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return await process.wait(), out.decode()


async def test_receipts_are_only_for_the_establishment_and_its_police(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    d = (await _declared(client))[0]
    for username, status in (("owner.cn", 404), ("police.cn", 404), ("admin", 403)):
        user = await steps.officer(app, username)
        assert (await user.get(f"/receipts/declarations/{d.id}")).status_code == status, username
        assert (await user.get(f"/receipts/declarations/{d.id}/pdf")).status_code == status
    police = await steps.officer(app, "police.hk")
    assert (await police.get(f"/receipts/declarations/{d.id}")).status_code == 200
    assert signed_out(await client.get(f"/receipts/declarations/{d.id}"))
    owner = await steps.officer(app, "owner.hk")
    assert (await owner.get("/receipts/day?day=not-a-day")).status_code == 400


async def test_the_check_shows_the_records_state_and_refuses_junk_in_the_signature(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    """Review finding 15: "genuine" after a cancellation, and junk inside the base64."""
    d = (await _declared(client))[0]
    owner = await steps.officer(app, "owner.hk")
    code = _code((await owner.get(f"/receipts/declarations/{d.id}")).text)
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    )
    page = await anonymous.get("/receipts/check", params={"c": code})
    assert 'id="record-state"' in page.text and "chưa" in page.text.lower()
    assert d.full_name not in page.text  # the state only, no guest's data
    token = await api_token(client, "owner.hk")
    cancelled = await client.post(
        f"/api/v1/declarations/{d.id}/cancel",
        json={"reason": "wrong guest"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert cancelled.status_code == 200
    page = await anonymous.get("/receipts/check", params={"c": code})
    assert page.status_code == 200 and "Đã bị cơ sở hủy" in page.text
    text, _dot, signature = code.rpartition(".")
    for junk in ("!", "*", " ", "\u00e9", "=="):
        mangled = f"{text}.{signature[:10]}{junk}{signature[10:]}"
        assert (await anonymous.get("/receipts/check", params={"c": mangled})).status_code == 422
